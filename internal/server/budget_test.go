package server_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/snapbridge/snapbridge/internal/tenant"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// TestSellerSeesCachedMatchesWhenTheBudgetIsSpent: once the CRM's daily
// look-up budget is spent, a seller still sees every record looked up
// before; only the records that need LinkedIn wait, marked throttled. A
// request nothing can answer is refused with 429 as before.
func TestSellerSeesCachedMatchesWhenTheBudgetIsSpent(t *testing.T) {
	p := startBoth(t, func(tn *tenant.Tenant) { tn.DailyLookupBudget = 1 })
	matched := p.demoRecords("demo", "matched")[0]
	noMatch := p.demoRecords("demo", "no_match")[0]
	s := p.newSession("demo", "crm-user-budget", matched, noMatch)
	var first wire.Associations
	p.call("GET", "/api/v1/associations?records="+url.QueryEscape(matched.ID), s.Token, nil, http.StatusOK, &first)
	if len(first.Associations) != 1 || first.Associations[0].Status != wire.StatusMatched {
		t.Fatalf("first look-up: %+v", first.Associations)
	}

	for _, tc := range []struct {
		scenario   string
		records    []wire.Record
		wantCode   int
		wantStatus map[string]string
		wantError  string
	}{
		{scenario: "a cached and an uncached record", records: []wire.Record{matched, noMatch}, wantCode: http.StatusOK,
			wantStatus: map[string]string{matched.ID: wire.StatusMatched, noMatch.ID: wire.StatusThrottled}},
		{scenario: "only an uncached record", records: []wire.Record{noMatch}, wantCode: http.StatusTooManyRequests,
			wantError: "lookup_budget_exhausted"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			q := ""
			for i, r := range tc.records {
				if i > 0 {
					q += ","
				}
				q += url.QueryEscape(r.ID)
			}
			var got struct {
				wire.Associations
				wire.Error
			}
			resp := p.with(t).call("GET", "/api/v1/associations?records="+q, s.Token, nil, tc.wantCode, &got)
			if h := resp.Header.Get("X-RateLimit-Remaining"); h != "0" {
				t.Errorf("X-RateLimit-Remaining = %q, want 0", h)
			}
			if resp.Header.Get("X-RateLimit-Reset") == "" {
				t.Error("the answer does not say when the budget resets")
			}
			if tc.wantError != "" {
				if got.Error.Error.Code != tc.wantError {
					t.Fatalf("error %+v, want %s", got.Error.Error, tc.wantError)
				}
				return
			}
			if len(got.Associations.Associations) != len(tc.records) {
				t.Fatalf("answered %+v, want %d records", got.Associations.Associations, len(tc.records))
			}
			for _, a := range got.Associations.Associations {
				if a.Status != tc.wantStatus[a.RecordID] {
					t.Errorf("record %s: status %s, want %s", a.RecordID, a.Status, tc.wantStatus[a.RecordID])
				}
				if a.RecordID == matched.ID && (!a.Cached || a.Profile == "") {
					t.Errorf("the cached match is not served as such: %+v", a)
				}
			}
		})
	}
}
