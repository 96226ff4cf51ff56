package sandbox

import (
	"net/http"
	"reflect"
	"testing"
)

func TestSalesContracts(t *testing.T) {
	h := newHarness(t)
	averyToken := h.memberTokenFor(DemoClientID, ScopeAnalytics, avery)
	tomasToken := h.memberTokenFor(DemoClientID, ScopeAnalytics, tomas)
	displayOnly := h.memberTokenFor(DemoClientID, ScopeDisplay, avery)
	appToken := h.appToken(DemoClientID)
	enterprise := map[string]any{"contract": "urn:li:salesContract:1001",
		"name":        "Northwind Traders — Sales Navigator Enterprise",
		"description": "Annual enterprise subscription for the North America sales team", "hasReportingAccess": true}
	team := map[string]any{"contract": "urn:li:salesContract:2002",
		"name": "Northwind Traders — Sales Navigator Team (EMEA pilot)", "description": nil, "hasReportingAccess": false}

	for _, tc := range []struct {
		scenario string
		token    string
		query    string
		header   map[string]string
		status   int
		message  string
		want     []any
	}{
		{scenario: "member with two seats sees both, reporting access per seat", token: averyToken,
			query: "?q=contractsByMember", status: http.StatusOK, want: []any{enterprise, team}},
		{scenario: "member with one seat sees only it", token: tomasToken, query: "?q=contractsByMember",
			status: http.StatusOK, want: []any{team}},
		{scenario: "count and start page the list", token: averyToken, query: "?q=contractsByMember&start=1&count=1",
			status: http.StatusOK, want: []any{team}},
		{scenario: "start past the end is an empty page", token: averyToken, query: "?q=contractsByMember&start=5",
			status: http.StatusOK, want: []any{}},
		{scenario: "missing finder", token: averyToken, query: "", status: http.StatusBadRequest, message: "contractsByMember"},
		{scenario: "count out of range", token: averyToken, query: "?q=contractsByMember&count=0",
			status: http.StatusBadRequest, message: "count must be"},
		{scenario: "no token", query: "?q=contractsByMember", status: http.StatusUnauthorized, message: "Empty oauth2"},
		{scenario: "token without r_sales_nav_analytics", token: displayOnly, query: "?q=contractsByMember",
			status: http.StatusForbidden, message: ScopeAnalytics},
		{scenario: "application token", token: appToken, query: "?q=contractsByMember",
			status: http.StatusForbidden, message: "member's token"},
		{scenario: "without the Rest.li header", token: averyToken, query: "?q=contractsByMember",
			header: map[string]string{"X-Restli-Protocol-Version": ""}, status: http.StatusBadRequest, message: "X-Restli-Protocol-Version"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			a := h.call(http.MethodGet, "/v2/salesContracts"+tc.query, tc.token, "", tc.header)
			if tc.status != http.StatusOK {
				wantError(t, a, tc.status, tc.message)
				return
			}
			m := a.json(t)
			if a.status != http.StatusOK || !reflect.DeepEqual(m["elements"], tc.want) {
				t.Fatalf("got %d %v, want elements %v", a.status, m["elements"], tc.want)
			}
			if p, _ := m["paging"].(map[string]any); p == nil || p["links"] == nil {
				t.Fatalf("paging %v lacks count/start/links", m["paging"])
			}
		})
	}
}
