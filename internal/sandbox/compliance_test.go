package sandbox

import (
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

// event is the part of a compliance event the tests follow.
type event struct {
	id          string
	processedAt int64
}

func (h *harness) complianceEvents(token string, startTime int64, count int) []event {
	h.t.Helper()
	a := h.call(http.MethodGet, fmt.Sprintf("/rest/complianceEvents?q=memberAndApplication&startTime=%d&count=%d",
		startTime, count), token, "", nil)
	if a.status != http.StatusOK {
		h.t.Fatalf("compliance events: %d %s", a.status, a.body)
	}
	var out []event
	for _, e := range a.json(h.t)["elements"].([]any) {
		m := e.(map[string]any)
		if m["resourceName"] != "salesNavigatorMessages" || m["method"] != "CREATE" ||
			m["actor"] != "urn:li:person:"+avery || !strings.HasPrefix(m["id"].(string), "urn:li:complianceEvent:") {
			h.t.Fatalf("event %v is not Avery's Sales Navigator message", m)
		}
		act := m["activity"].(map[string]any)
		if act["subject"] == "" || act["body"] == "" || len(act["recipients"].([]any)) != 1 {
			h.t.Fatalf("event activity %v", act)
		}
		out = append(out, event{m["id"].(string), int64(m["processedAt"].(float64))})
	}
	return out
}

// pageAll pages like snapbridge's archiver: startTime = the last
// processedAt seen, de-duplicating by id. It returns the events and how
// many boundary repeats it dropped.
func (h *harness) pageAll(token string, count int) ([]event, int) {
	h.t.Helper()
	var all []event
	seen := map[string]bool{}
	repeats := 0
	startTime := int64(0)
	for range 1000 {
		page := h.complianceEvents(token, startTime, count)
		fresh := 0
		for _, e := range page {
			if seen[e.id] {
				repeats++
				continue
			}
			seen[e.id] = true
			all = append(all, e)
			fresh++
		}
		if len(page) < count || fresh == 0 {
			return all, repeats
		}
		startTime = page[len(page)-1].processedAt
	}
	h.t.Fatalf("paging did not end")
	return nil, 0
}

func (h *harness) complianceStatus(token string) []any {
	h.t.Helper()
	a := h.call(http.MethodGet, "/rest/memberComplianceAuthorizations", token, "", nil)
	if a.status != http.StatusOK {
		h.t.Fatalf("compliance status: %d %s", a.status, a.body)
	}
	return a.json(h.t)["elements"].([]any)
}

func revokePath(clientID, memberID string) string {
	return "/rest/memberComplianceAuthorizations/developerApplication=" +
		url.QueryEscape(DeveloperApplicationURN(clientID)) + "&member=" + url.QueryEscape("urn:li:person:"+memberID)
}

func TestComplianceOptInEventsOptOut(t *testing.T) {
	h := newPlatformHarness(t)
	token := h.memberTokenFor(DemoClientID, ScopeCompliance, avery)
	regulatedAt := h.clock.Now()

	t.Run("not opted in: no authorization, no events", func(t *testing.T) {
		if got := h.complianceStatus(token); len(got) != 0 {
			t.Fatalf("status %v before opting in", got)
		}
		if got := h.complianceEvents(token, 0, 10); len(got) != 0 {
			t.Fatalf("events %v before opting in", got)
		}
	})
	t.Run("opting in answers 201 and shows the authorization", func(t *testing.T) {
		if a := h.call(http.MethodPost, "/rest/memberComplianceAuthorizations", token, `{}`, nil); a.status != http.StatusCreated {
			t.Fatalf("opt in: %d %s", a.status, a.body)
		}
		want := []any{map[string]any{
			"memberComplianceAuthorizationKey": map[string]any{
				"developerApplication": DeveloperApplicationURN(DemoClientID), "member": "urn:li:person:" + avery},
			"regulatedAt":            float64(regulatedAt.UnixMilli()),
			"memberComplianceScopes": []any{"SALES_NAV"},
		}}
		h.clock.Advance(time.Second)
		if a := h.call(http.MethodPost, "/rest/memberComplianceAuthorizations", token, `{}`, nil); a.status != http.StatusCreated {
			t.Fatalf("second opt in: %d %s", a.status, a.body)
		}
		if got := h.complianceStatus(token); !reflect.DeepEqual(got, want) {
			t.Fatalf("status %v, want %v (opting in again keeps regulatedAt)", got, want)
		}
	})
	t.Run("nothing before regulatedAt, events arrive as time passes", func(t *testing.T) {
		if got := h.complianceEvents(token, 0, 10); len(got) != 0 {
			t.Fatalf("events right after opting in: %v", got)
		}
		h.clock.Advance(20 * testCadence)
		got := h.complianceEvents(token, 0, 100)
		// 20 arrivals, every third brings two or three events.
		if len(got) < 26 || len(got) > 32 {
			t.Fatalf("%d events after 20 arrivals", len(got))
		}
		for i, e := range got {
			if e.processedAt <= regulatedAt.UnixMilli() || (i > 0 && e.processedAt < got[i-1].processedAt) {
				t.Fatalf("event %d at %d: before regulatedAt %d or out of order", i, e.processedAt, regulatedAt.UnixMilli())
			}
		}
	})

	all := h.complianceEvents(token, 0, 100)
	t.Run("startTime is inclusive, so a shared processedAt is seen again", func(t *testing.T) {
		boundary := all[2].processedAt // the third arrival brings several events
		if all[3].processedAt != boundary {
			t.Fatalf("events 2 and 3 do not share processedAt: %v", all[:5])
		}
		page := h.complianceEvents(token, boundary, 2)
		if !reflect.DeepEqual(page, all[2:4]) {
			t.Fatalf("page from %d = %v, want %v", boundary, page, all[2:4])
		}
	})
	// count must exceed MaxEventsPerInstant, or a page could hold only
	// repeats of one instant.
	for _, count := range []int{MaxEventsPerInstant + 1, 5, 10} {
		t.Run(fmt.Sprintf("paging by last processedAt with count %d yields every event once", count), func(t *testing.T) {
			got, repeats := h.pageAll(token, count)
			if !reflect.DeepEqual(got, all) || repeats == 0 {
				t.Fatalf("paged %d events with %d repeats, want the %d events and some repeats", len(got), repeats, len(all))
			}
		})
	}
	t.Run("a startTime far in the future finds nothing", func(t *testing.T) {
		if got := h.complianceEvents(token, 9223372036854775807, 10); len(got) != 0 {
			t.Fatalf("events %v after the end of time", got)
		}
	})
	t.Run("start skips events within the page", func(t *testing.T) {
		a := h.call(http.MethodGet, "/rest/complianceEvents?q=memberAndApplication&start=2&count=2", token, "", nil)
		var got []string
		for _, e := range a.json(t)["elements"].([]any) {
			got = append(got, e.(map[string]any)["id"].(string))
		}
		if want := []string{all[2].id, all[3].id}; !reflect.DeepEqual(got, want) {
			t.Fatalf("start=2 gave %v, want %v", got, want)
		}
	})
	t.Run("the same member and time give the same events", func(t *testing.T) {
		if again := h.complianceEvents(token, 0, 100); !reflect.DeepEqual(again, all) {
			t.Fatalf("events changed between calls")
		}
	})

	t.Run("an application token opts the member out", func(t *testing.T) {
		a := h.call(http.MethodDelete, revokePath(DemoClientID, avery), h.appToken(DemoClientID), "", nil)
		if a.status != http.StatusNoContent {
			t.Fatalf("opt out: %d %s", a.status, a.body)
		}
		if got := h.complianceStatus(token); len(got) != 0 {
			t.Fatalf("status %v after opting out", got)
		}
	})
	t.Run("after opting out no new events arrive", func(t *testing.T) {
		h.clock.Advance(30 * testCadence)
		if got := h.complianceEvents(token, 0, 100); !reflect.DeepEqual(got, all) {
			t.Fatalf("%d events after opting out, want the %d captured before", len(got), len(all))
		}
	})
	t.Run("opting in again starts a new regulatedAt and new events", func(t *testing.T) {
		again := h.clock.Now()
		if a := h.call(http.MethodPost, "/rest/memberComplianceAuthorizations", token, `{}`, nil); a.status != http.StatusCreated {
			t.Fatalf("opt in again: %d %s", a.status, a.body)
		}
		status := h.complianceStatus(token)
		if len(status) != 1 || status[0].(map[string]any)["regulatedAt"] != float64(again.UnixMilli()) {
			t.Fatalf("status %v, want regulatedAt %d", status, again.UnixMilli())
		}
		h.clock.Advance(2 * testCadence)
		got := h.complianceEvents(token, again.UnixMilli(), 100)
		if len(got) != 2 || got[0].processedAt != again.Add(testCadence).UnixMilli() {
			t.Fatalf("events after opting in again: %v", got)
		}
	})
	t.Run("events older than 28 days are gone", func(t *testing.T) {
		h.clock.Advance(ComplianceWindow - 3*testCadence)
		got := h.complianceEvents(token, 0, 100)
		if len(got) == 0 || got[0].processedAt < h.clock.Now().Add(-ComplianceWindow).UnixMilli() {
			t.Fatalf("first event %v is older than 28 days", got[:min(1, len(got))])
		}
	})
}

func TestComplianceErrors(t *testing.T) {
	h := newPlatformHarness(t)
	token := h.memberTokenFor(DemoClientID, ScopeCompliance, avery)
	other := h.memberTokenFor(DemoClientID, ScopeCompliance, jordan)
	noScope := h.memberTokenFor(DemoClientID, ScopeDisplay, avery)
	app := h.appToken(DemoClientID)
	for _, tc := range []struct {
		scenario string
		method   string
		path     string
		token    string
		body     string
		header   map[string]string
		status   int
		message  string
	}{
		{"no LinkedIn-Version", http.MethodGet, "/rest/memberComplianceAuthorizations", token, "",
			map[string]string{"LinkedIn-Version": ""}, http.StatusBadRequest, "LinkedIn-Version header"},
		{"retired LinkedIn-Version", http.MethodGet, "/rest/memberComplianceAuthorizations", token, "",
			map[string]string{"LinkedIn-Version": "202201"}, http.StatusUpgradeRequired, "not active"},
		{"malformed LinkedIn-Version", http.MethodGet, "/rest/complianceEvents?q=memberAndApplication", token, "",
			map[string]string{"LinkedIn-Version": "latest"}, http.StatusUpgradeRequired, "not active"},
		{"without r_compliance_sales_nav", http.MethodPost, "/rest/memberComplianceAuthorizations", noScope, `{}`, nil,
			http.StatusForbidden, ScopeCompliance},
		{"opt in with an application token", http.MethodPost, "/rest/memberComplianceAuthorizations", app, `{}`, nil,
			http.StatusForbidden, "member's token"},
		{"opt in without a body", http.MethodPost, "/rest/memberComplianceAuthorizations", token, "", nil,
			http.StatusBadRequest, "send {}"},
		{"opt in with a list", http.MethodPost, "/rest/memberComplianceAuthorizations", token, `[]`, nil,
			http.StatusBadRequest, "send {}"},
		{"opt out another member with a member token", http.MethodDelete, revokePath(DemoClientID, avery), other, "", nil,
			http.StatusForbidden, "only opt out that member"},
		{"opt out for another application", http.MethodDelete, revokePath(NoSyncClientID, avery), token, "", nil,
			http.StatusForbidden, "not " + DeveloperApplicationURN(NoSyncClientID)},
		{"opt out with a malformed key", http.MethodDelete, "/rest/memberComplianceAuthorizations/member=urn%3Ali%3Aperson%3Ax", token, "", nil,
			http.StatusBadRequest, "developerApplication must be"},
		{"opt out with an unknown key field", http.MethodDelete, revokePath(DemoClientID, avery) + "&extra=1", token, "", nil,
			http.StatusBadRequest, "unknown key field"},
		{"events without the finder", http.MethodGet, "/rest/complianceEvents", token, "", nil,
			http.StatusBadRequest, "memberAndApplication"},
		{"events with a bad startTime", http.MethodGet, "/rest/complianceEvents?q=memberAndApplication&startTime=yesterday", token, "", nil,
			http.StatusBadRequest, "startTime must be epoch milliseconds"},
		{"events with count over 100", http.MethodGet, "/rest/complianceEvents?q=memberAndApplication&count=101", token, "", nil,
			http.StatusBadRequest, "count must be"},
		{"events with an application token", http.MethodGet, "/rest/complianceEvents?q=memberAndApplication", app, "", nil,
			http.StatusForbidden, "member's token"},
		{"wrong method", http.MethodPut, "/rest/memberComplianceAuthorizations", token, `{}`, nil,
			http.StatusMethodNotAllowed, "not allowed"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			wantError(t, h.call(tc.method, tc.path, tc.token, tc.body, tc.header), tc.status, tc.message)
		})
	}
	t.Run("the member opts out with their own token, in Rest.li key form too", func(t *testing.T) {
		if a := h.call(http.MethodPost, "/rest/memberComplianceAuthorizations", token, `{}`, nil); a.status != http.StatusCreated {
			t.Fatalf("opt in: %d %s", a.status, a.body)
		}
		key := "(developerApplication:" + strings.ReplaceAll(DeveloperApplicationURN(DemoClientID), ":", "%3A") +
			",member:urn%3Ali%3Aperson%3A" + avery + ")"
		if a := h.call(http.MethodDelete, "/rest/memberComplianceAuthorizations/"+key, token, "", nil); a.status != http.StatusNoContent {
			t.Fatalf("opt out: %d %s", a.status, a.body)
		}
		if got := h.complianceStatus(token); len(got) != 0 {
			t.Fatalf("still opted in: %v", got)
		}
		if a := h.call(http.MethodDelete, revokePath(DemoClientID, avery), token, "", nil); a.status != http.StatusNoContent {
			t.Fatalf("opting out twice: %d %s, want a harmless 204", a.status, a.body)
		}
	})
}

func TestPlatformStats(t *testing.T) {
	h := newPlatformHarness(t)
	member := h.memberTokenFor(DemoClientID, strings.Join(AllScopes(), " "), avery)
	app := h.appToken(DemoClientID)
	h.sb.ResetStats()
	now := h.clock.Now()
	h.call(http.MethodGet, "/v2/salesContracts?q=contractsByMember", member, "", nil)
	id := h.exportJob(member, ActionSeatData, DemoEnterpriseContract, now.Add(-day), now)
	h.clock.Advance(time.Second)
	_, job := h.exportStatus(member, id, DemoEnterpriseContract)
	h.fetchCSV(job["downloadUrl"].(string))
	h.createValidation(app, now.Add(-day))
	h.call(http.MethodGet, "/v2/crmDataValidationExportJobs/1?crmInstanceId="+url.QueryEscape(demoInstanceURN), app, "", nil)
	h.call(http.MethodPost, "/rest/memberComplianceAuthorizations", member, `{}`, nil)
	h.call(http.MethodGet, "/rest/memberComplianceAuthorizations", member, "", nil)
	h.call(http.MethodGet, "/rest/complianceEvents?q=memberAndApplication", member, "", nil)
	h.call(http.MethodDelete, revokePath(DemoClientID, avery), member, "", nil)
	want := map[string]int{"salesContracts": 1, "analyticsExport.create": 1, "analyticsExport.get": 1, "downloads": 1,
		"validationExport.create": 1, "validationExport.get": 1, "compliance.authorize": 1, "compliance.status": 1,
		"compliance.events": 1, "compliance.revoke": 1}
	if got := h.sb.Stats(); !reflect.DeepEqual(got, want) {
		t.Fatalf("stats %v, want %v", got, want)
	}
}
