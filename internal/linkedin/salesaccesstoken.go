package linkedin

import (
	"context"
	"fmt"
	"time"
)

// satAnswer is the answer of GET /salesAccessTokens.
type satAnswer struct {
	Elements []struct {
		Token      string `json:"token"`
		ExpiryTime int64  `json:"expiryTime"`
	} `json:"elements"`
}

// msThreshold separates epoch seconds from epoch milliseconds: as seconds
// it is the year 5138, as milliseconds March 1973.
const msThreshold = 100_000_000_000

// SalesAccessToken asks LinkedIn for a Sales Access Token for the member
// whose 3-legged token (scope r_sales_nav_display) is memberToken. The
// token is for the Display Services iframe's `sat` parameter. Retried on
// 5xx and timeouts; never on 429.
func (c *Client) SalesAccessToken(ctx context.Context, memberToken string) (SalesAccessToken, error) {
	if memberToken == "" {
		return SalesAccessToken{}, fmt.Errorf("sales access token: member token is empty")
	}
	var ans satAnswer
	u := c.cfg.APIBase + "/salesAccessTokens?q=viewerAndDeveloperApp"
	status, err := c.getJSON(ctx, u, memberToken, &ans)
	if err != nil {
		return SalesAccessToken{}, fmt.Errorf("sales access token: %w", err)
	}
	if len(ans.Elements) == 0 {
		return SalesAccessToken{}, fmt.Errorf("sales access token: %w", malformed(status, "no elements"))
	}
	el := ans.Elements[0]
	if el.Token == "" || el.ExpiryTime <= 0 {
		return SalesAccessToken{}, fmt.Errorf("sales access token: %w", malformed(status, "token or expiryTime missing"))
	}
	// LinkedIn documents seconds; a value only milliseconds can explain is
	// read as such rather than caching the token for millennia.
	exp := time.Unix(el.ExpiryTime, 0)
	if el.ExpiryTime >= msThreshold {
		exp = time.UnixMilli(el.ExpiryTime)
	}
	return SalesAccessToken{Token: el.Token, ExpiresAt: exp}, nil
}
