package linkedin

import (
	"context"
	"fmt"
	"strings"
)

// Contract is a Sales Navigator contract on which a member has a seat.
type Contract struct {
	// URN is the contract, urn:li:salesContract:<id>.
	URN string
	// Name is for display to the member.
	Name string
	// Description is empty when LinkedIn has none.
	Description string
	// HasReportingAccess says whether the member may export analytics for
	// this contract; without it LinkedIn refuses exports with 403.
	HasReportingAccess bool
}

// contractsAnswer is the answer of GET /salesContracts?q=contractsByMember.
type contractsAnswer struct {
	Elements []struct {
		Contract           string  `json:"contract"`
		Name               string  `json:"name"`
		Description        *string `json:"description"`
		HasReportingAccess bool    `json:"hasReportingAccess"`
	} `json:"elements"`
}

// contractPrefix starts every Sales Navigator contract URN.
const contractPrefix = "urn:li:salesContract:"

// SalesContracts lists the contracts on which the member whose 3-legged
// token (scope r_sales_nav_analytics) is memberToken has a seat; none is an
// empty list. A token without the scope is a 403 *Error. Retried on 5xx
// and timeouts; never on 429.
func (c *Client) SalesContracts(ctx context.Context, memberToken string) ([]Contract, error) {
	if err := needToken(memberToken, "member token"); err != nil {
		return nil, fmt.Errorf("sales contracts: %w", err)
	}
	var ans contractsAnswer
	status, err := c.getJSON(ctx, c.cfg.APIBase+"/salesContracts?q=contractsByMember", memberToken, &ans)
	if err != nil {
		return nil, fmt.Errorf("sales contracts: %w", err)
	}
	out := make([]Contract, 0, len(ans.Elements))
	for _, el := range ans.Elements {
		if !strings.HasPrefix(el.Contract, contractPrefix) {
			return nil, fmt.Errorf("sales contracts: %w", malformed(status, fmt.Sprintf("contract %q is not a salesContract URN", el.Contract)))
		}
		ct := Contract{URN: el.Contract, Name: el.Name, HasReportingAccess: el.HasReportingAccess}
		if el.Description != nil {
			ct.Description = *el.Description
		}
		out = append(out, ct)
	}
	return out, nil
}
