package linkedin

import (
	"context"
	"fmt"
)

// UserInfo is who signed in, from LinkedIn's OpenID Connect userinfo
// endpoint (GET /v2/userinfo, scopes openid and profile).
type UserInfo struct {
	// Subject is the member's OpenID Connect subject identifier.
	Subject string `json:"sub"`
	// Name is the member's full name; GivenName and FamilyName its parts.
	Name       string `json:"name"`
	GivenName  string `json:"given_name"`
	FamilyName string `json:"family_name"`
	// Picture is the address of the member's profile photo; empty when
	// the member has none.
	Picture string `json:"picture"`
}

// UserInfo asks LinkedIn who holds memberToken (a 3-legged token with the
// openid and profile scopes). An answer without a subject is malformed.
// Retried on 5xx and timeouts; never on 429.
func (c *Client) UserInfo(ctx context.Context, memberToken string) (UserInfo, error) {
	if memberToken == "" {
		return UserInfo{}, fmt.Errorf("userinfo: member token is empty")
	}
	var info UserInfo
	status, err := c.getJSON(ctx, c.cfg.APIBase+"/userinfo", memberToken, &info)
	if err != nil {
		return UserInfo{}, fmt.Errorf("userinfo: %w", err)
	}
	if info.Subject == "" {
		return UserInfo{}, fmt.Errorf("userinfo: %w", malformed(status, "sub missing"))
	}
	if info.Name == "" {
		info.Name = joinName(info.GivenName, info.FamilyName)
	}
	return info, nil
}

func joinName(given, family string) string {
	switch {
	case given == "":
		return family
	case family == "":
		return given
	}
	return given + " " + family
}
