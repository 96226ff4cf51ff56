package server_test

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/sandbox"
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

// TestListRowsSayWhetherTheBudgetOrLinkedInKeptThemWaiting: a seller's
// list is told, row by row, whether the CRM's daily budget kept a record
// from LinkedIn (until the reset the X-RateLimit-Reset header carries) or
// LinkedIn itself throttled it (until its Retry-After), so the widget never
// words one as the other.
func TestListRowsSayWhetherTheBudgetOrLinkedInKeptThemWaiting(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		budget   int
		faults   sandbox.Faults
		// wantReason is the reason of the rows past the first two (the
		// budget) or of every row (LinkedIn).
		wantReason string
		waiting    int // rows answered throttled
	}{
		{scenario: "a budget of two over three new records", budget: 2,
			wantReason: wire.ReasonBudgetSpent, waiting: 1},
		{scenario: "LinkedIn answers 429 with Retry-After: 40", budget: 100,
			faults: sandbox.Faults{Rate429: 1, RetryAfter: 40 * time.Second}, wantReason: wire.ReasonLinkedInBusy, waiting: 3},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			p := startBoth(t, func(tn *tenant.Tenant) { tn.DailyLookupBudget = tc.budget })
			p.li.SetFaults(tc.faults)
			records := append(p.demoRecords("demo", "matched")[:2], p.demoRecords("demo", "no_match")[0])
			s := p.newSession("demo", "crm-user-list", records...)
			before := time.Now()
			var got wire.Associations
			resp := p.call("GET", "/api/v1/associations", s.Token, nil, http.StatusOK, &got)
			reset, err := strconv.ParseInt(resp.Header.Get("X-RateLimit-Reset"), 10, 64)
			if err != nil {
				t.Fatalf("X-RateLimit-Reset %q: %v", resp.Header.Get("X-RateLimit-Reset"), err)
			}
			waiting := 0
			for _, a := range got.Associations {
				if a.Status != wire.StatusThrottled {
					if a.Reason != "" || a.RetryAt != nil {
						t.Errorf("answered row %s carries a reason: %+v", a.RecordID, a)
					}
					continue
				}
				waiting++
				if a.Reason != tc.wantReason || a.RetryAt == nil {
					t.Fatalf("row %s: reason %q retryAt %v, want %s with a time", a.RecordID, a.Reason, a.RetryAt, tc.wantReason)
				}
				switch tc.wantReason {
				case wire.ReasonBudgetSpent:
					if a.RetryAt.Unix() != reset {
						t.Errorf("row %s retries at %v, want the budget's reset %v", a.RecordID, a.RetryAt, time.Unix(reset, 0).UTC())
					}
				case wire.ReasonLinkedInBusy:
					if d := a.RetryAt.Sub(before); d < 39*time.Second || d > 45*time.Second {
						t.Errorf("row %s retries %s after the request, want LinkedIn's 40 s", a.RecordID, d)
					}
				}
			}
			if waiting != tc.waiting {
				t.Fatalf("%d rows wait, want %d: %+v", waiting, tc.waiting, got.Associations)
			}
		})
	}
}
