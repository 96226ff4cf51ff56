package sandbox

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

const day = 24 * time.Hour

// createExport posts an analytics export and returns the answer.
func (h *harness) createExport(token, action string, contract int64, start, end time.Time) answer {
	h.t.Helper()
	body := fmt.Sprintf(`{"contract":%q,"startAt":%s,"endAt":%s}`, ContractURN(contract), ms(start), ms(end))
	return h.call(http.MethodPost, "/v2/salesAnalyticsExportJobs?action="+action, token, body, nil)
}

// exportJob creates an export that must be accepted and returns its id.
func (h *harness) exportJob(token, action string, contract int64, start, end time.Time) int64 {
	h.t.Helper()
	a := h.createExport(token, action, contract, start, end)
	if a.status != http.StatusOK {
		h.t.Fatalf("create %s export: %d %s", action, a.status, a.body)
	}
	value, _ := a.json(h.t)["value"].(map[string]any)
	id, _ := value["id"].(float64)
	if id <= 0 {
		h.t.Fatalf("create answer %s has no value.id", a.body)
	}
	// Ids are beyond float64's exact range only past 2^53; ours are not.
	return int64(id)
}

// exportStatus GETs a job and returns its JSON.
func (h *harness) exportStatus(token string, id, contract int64) (answer, map[string]any) {
	h.t.Helper()
	a := h.call(http.MethodGet, fmt.Sprintf("/v2/salesAnalyticsExportJobs/%d?contract=%s", id,
		strings.ReplaceAll(ContractURN(contract), ":", "%3A")), token, "", nil)
	if a.status != http.StatusOK {
		return a, nil
	}
	return a, a.json(h.t)
}

func TestAnalyticsExportCreateErrors(t *testing.T) {
	h := newPlatformHarness(t)
	averyToken := h.memberTokenFor(DemoClientID, ScopeAnalytics, avery)
	jordanToken := h.memberTokenFor(DemoClientID, ScopeAnalytics, jordan)
	tomasToken := h.memberTokenFor(DemoClientID, ScopeAnalytics, tomas)
	displayOnly := h.memberTokenFor(DemoClientID, ScopeDisplay, avery)
	end := h.clock.Now().Add(-day)
	valid := fmt.Sprintf(`{"contract":"urn:li:salesContract:1001","startAt":%s,"endAt":%s}`, ms(end.Add(-30*day)), ms(end))

	for _, tc := range []struct {
		scenario string
		token    string
		action   string
		body     string
		status   int
		message  string
	}{
		{"95 days is too long a range", averyToken, ActionActivityData,
			fmt.Sprintf(`{"contract":"urn:li:salesContract:1001","startAt":%s,"endAt":%s}`, ms(end.Add(-95*day)), ms(end)),
			http.StatusBadRequest, "at most 90 days; startAt to endAt spans 95.0 days"},
		{"a range too long to count in nanoseconds", averyToken, ActionActivityData,
			`{"contract":"urn:li:salesContract:1001","startAt":1,"endAt":9223372036854775807}`,
			http.StatusBadRequest, "at most 90 days"},
		{"endAt before startAt", averyToken, ActionSeatData,
			fmt.Sprintf(`{"contract":"urn:li:salesContract:1001","startAt":%s,"endAt":%s}`, ms(end), ms(end.Add(-day))),
			http.StatusBadRequest, "endAt must be after startAt"},
		{"missing times", averyToken, ActionSeatData, `{"contract":"urn:li:salesContract:1001"}`,
			http.StatusBadRequest, "startAt and endAt are required"},
		{"contract is not a URN", averyToken, ActionSeatData, strings.Replace(valid, "urn:li:salesContract:1001", "1001", 1),
			http.StatusBadRequest, "urn:li:salesContract:<number>"},
		{"body is not JSON", averyToken, ActionSeatData, `contract=1001`, http.StatusBadRequest, "not valid JSON"},
		{"no body", averyToken, ActionSeatData, "", http.StatusBadRequest, "must be a JSON object"},
		{"unknown action", averyToken, "exportEverything", valid, http.StatusBadRequest, "action must be"},
		{"seat without reporting access", jordanToken, ActionSeatData, valid, http.StatusForbidden, "no reporting access"},
		{"no seat on the contract", tomasToken, ActionSeatData, valid, http.StatusForbidden, "no seat on urn:li:salesContract:1001"},
		{"unknown contract", averyToken, ActionSeatData, strings.Replace(valid, "1001", "9999", 1),
			http.StatusForbidden, "no seat"},
		{"token without r_sales_nav_analytics", displayOnly, ActionSeatData, valid, http.StatusForbidden, ScopeAnalytics},
		{"application token", h.appToken(DemoClientID), ActionSeatData, valid, http.StatusForbidden, "member's token"},
		{"no token", "", ActionSeatData, valid, http.StatusUnauthorized, "Empty oauth2"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			a := h.call(http.MethodPost, "/v2/salesAnalyticsExportJobs?action="+tc.action, tc.token, tc.body, nil)
			wantError(t, a, tc.status, tc.message)
		})
	}
	t.Run("exactly 90 days is accepted", func(t *testing.T) {
		if a := h.createExport(averyToken, ActionActivityData, DemoEnterpriseContract, end.Add(-90*day), end); a.status != http.StatusOK {
			t.Fatalf("90-day export: %d %s", a.status, a.body)
		}
	})
}

func TestAnalyticsExportLifecycle(t *testing.T) {
	h := newPlatformHarness(t)
	token := h.memberTokenFor(DemoClientID, ScopeAnalytics, avery)
	now := h.clock.Now()
	a := h.createExport(token, ActionSeatData, DemoEnterpriseContract, now.Add(-30*day), now)
	if a.status != http.StatusOK {
		t.Fatalf("create: %d %s", a.status, a.body)
	}
	if v := a.json(t)["value"].(map[string]any); v["status"] != JobEnqueued {
		t.Fatalf("a new job is %v, want ENQUEUED", v["status"])
	}
	id := h.exportJob(token, ActionActivityData, DemoEnterpriseContract, now.Add(-7*day), now)

	for _, tc := range []struct {
		scenario string
		advance  time.Duration
		status   string
	}{
		{"waits in the queue first", 0, JobEnqueued},
		{"processes once the wait is over", testEnqueued, JobProcessing},
		{"still processing just before the end", testProcessing - time.Millisecond, JobProcessing},
		{"completes after processing", time.Millisecond, JobCompleted},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			h.clock.Advance(tc.advance)
			a, job := h.exportStatus(token, id, DemoEnterpriseContract)
			if a.status != http.StatusOK || job["status"] != tc.status || job["id"] != float64(id) {
				t.Fatalf("got %d %s, want id %d status %s", a.status, a.body, id, tc.status)
			}
			if _, has := job["downloadUrl"]; has != (tc.status == JobCompleted) {
				t.Fatalf("downloadUrl present=%v in %s status", has, tc.status)
			}
		})
	}

	t.Run("completed job links a CSV of one row per seat and day", func(t *testing.T) {
		_, job := h.exportStatus(token, id, DemoEnterpriseContract)
		if job["expireAt"] != float64(h.clock.Now().Add(time.Hour).UnixMilli()) {
			t.Fatalf("expireAt %v, want an hour from now", job["expireAt"])
		}
		// Seven whole days from midnight, capped at the clock (noon): 8
		// calendar days, three seats each.
		if job["rowCount"] != float64(8*3) {
			t.Fatalf("rowCount %v, want 24", job["rowCount"])
		}
		got, rows := h.fetchCSV(job["downloadUrl"].(string))
		if got.status != http.StatusOK || !strings.HasPrefix(got.header.Get("Content-Type"), "text/csv") {
			t.Fatalf("download: %d %q", got.status, got.header.Get("Content-Type"))
		}
		if len(rows) != 1+8*3 || rows[0][0] != "date" || rows[1][1] != "urn:li:person:"+avery {
			t.Fatalf("CSV has %d rows, first %v %v", len(rows), rows[0], rows[1])
		}
	})

	t.Run("every GET mints a fresh link; an expired one answers 410", func(t *testing.T) {
		_, first := h.exportStatus(token, id, DemoEnterpriseContract)
		h.clock.Advance(time.Hour + time.Second)
		if a, _ := h.fetchCSV(first["downloadUrl"].(string)); a.status != http.StatusGone ||
			!strings.Contains(string(a.body), "fetch the export job again") {
			t.Fatalf("expired link: %d %s, want 410 with advice", a.status, a.body)
		}
		_, again := h.exportStatus(token, id, DemoEnterpriseContract)
		if again["downloadUrl"] == first["downloadUrl"] {
			t.Fatalf("the second GET returned the same link")
		}
		if a, rows := h.fetchCSV(again["downloadUrl"].(string)); a.status != http.StatusOK || len(rows) != 25 {
			t.Fatalf("fresh link: %d, %d rows", a.status, len(rows))
		}
	})

	t.Run("seat data lists every seat", func(t *testing.T) {
		seatID := h.exportJob(token, ActionSeatData, DemoEnterpriseContract, now.Add(-30*day), now)
		h.clock.Advance(time.Hour) // far past both seat jobs
		_, job := h.exportStatus(token, seatID, DemoEnterpriseContract)
		_, rows := h.fetchCSV(job["downloadUrl"].(string))
		if job["rowCount"] != float64(3) || len(rows) != 4 || rows[1][6] != "true" || rows[2][6] != "false" {
			t.Fatalf("seat export rowCount %v rows %v", job["rowCount"], rows)
		}
	})

	for _, tc := range []struct {
		scenario string
		path     string
		status   int
		message  string
	}{
		{"unknown job", "/v2/salesAnalyticsExportJobs/12345?contract=urn%3Ali%3AsalesContract%3A1001", http.StatusNotFound, "No export job 12345"},
		{"job of another contract", fmt.Sprintf("/v2/salesAnalyticsExportJobs/%d?contract=urn%%3Ali%%3AsalesContract%%3A3003", id),
			http.StatusNotFound, "No export job"},
		{"id is not a number", "/v2/salesAnalyticsExportJobs/abc?contract=urn%3Ali%3AsalesContract%3A1001", http.StatusBadRequest, "positive whole number"},
		{"contract missing", fmt.Sprintf("/v2/salesAnalyticsExportJobs/%d", id), http.StatusBadRequest, "contract must be"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			wantError(t, h.call(http.MethodGet, tc.path, token, "", nil), tc.status, tc.message)
		})
	}
	t.Run("a member without reporting access cannot read the job", func(t *testing.T) {
		a, _ := h.exportStatus(h.memberTokenFor(DemoClientID, ScopeAnalytics, jordan), id, DemoEnterpriseContract)
		wantError(t, a, http.StatusForbidden, "no reporting access")
	})
}

func TestOneJobPerActionPerContract(t *testing.T) {
	h := newPlatformHarness(t)
	token := h.memberTokenFor(DemoClientID, ScopeAnalytics, avery)
	start := h.clock.Now()
	from, to := start.Add(-10*day), start
	first := h.exportJob(token, ActionSeatData, DemoEnterpriseContract, from, to)
	second := h.exportJob(token, ActionSeatData, DemoEnterpriseContract, from, to)
	otherAction := h.exportJob(token, ActionActivityData, DemoEnterpriseContract, from, to)
	otherContract := h.exportJob(token, ActionSeatData, testContract, from, to)

	for _, tc := range []struct {
		scenario string
		at       time.Duration // since the jobs were created
		want     map[int64]string
	}{
		{"all wait at first", 0, map[int64]string{first: JobEnqueued, second: JobEnqueued,
			otherAction: JobEnqueued, otherContract: JobEnqueued}},
		{"the second seat export waits while the first runs", testEnqueued + testProcessing/2,
			map[int64]string{first: JobProcessing, second: JobEnqueued, otherAction: JobProcessing, otherContract: JobProcessing}},
		{"the second starts its wait when the first ends", testEnqueued + testProcessing,
			map[int64]string{first: JobCompleted, second: JobEnqueued, otherAction: JobCompleted, otherContract: JobCompleted}},
		{"then it processes", 2*testEnqueued + testProcessing, map[int64]string{second: JobProcessing}},
		{"and completes", 2*testEnqueued + 2*testProcessing, map[int64]string{first: JobCompleted, second: JobCompleted}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			h.clock.Advance(start.Add(tc.at).Sub(h.clock.Now()))
			for id, want := range tc.want {
				contract := DemoEnterpriseContract
				if id == otherContract {
					contract = testContract
				}
				if _, job := h.exportStatus(token, id, contract); job == nil || job["status"] != want {
					t.Errorf("job %d is %v, want %s", id, job, want)
				}
			}
		})
	}
	t.Run("a job queued after the queue drained only waits its own turn", func(t *testing.T) {
		id := h.exportJob(token, ActionSeatData, DemoEnterpriseContract, from, to)
		h.clock.Advance(testEnqueued)
		if _, job := h.exportStatus(token, id, DemoEnterpriseContract); job["status"] != JobProcessing {
			t.Fatalf("late job is %v, want PROCESSING", job["status"])
		}
	})
}

func TestFailExportsFault(t *testing.T) {
	h := newPlatformHarness(t)
	token := h.memberTokenFor(DemoClientID, ScopeAnalytics, avery)
	now := h.clock.Now()
	before := h.exportJob(token, ActionSeatData, DemoEnterpriseContract, now.Add(-day), now)
	h.sb.SetFaults(Faults{FailExports: true})
	failing := h.exportJob(token, ActionActivityData, DemoEnterpriseContract, now.Add(-day), now)
	h.sb.SetFaults(Faults{})
	after := h.exportJob(token, ActionActivityOutcomeData, DemoEnterpriseContract, now.Add(-day), now)
	h.clock.Advance(testEnqueued + testProcessing)

	for _, tc := range []struct {
		scenario string
		id       int64
		status   string
	}{
		{"a job created before the fault completes", before, JobCompleted},
		{"a job created under the fault fails", failing, JobInternalError},
		{"a job created after the fault completes", after, JobCompleted},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			_, job := h.exportStatus(token, tc.id, DemoEnterpriseContract)
			if job["status"] != tc.status {
				t.Fatalf("status %v, want %s", job["status"], tc.status)
			}
			if _, has := job["downloadUrl"]; has != (tc.status == JobCompleted) {
				t.Fatalf("downloadUrl present=%v for %s", has, tc.status)
			}
		})
	}
	t.Run("API faults apply to exports", func(t *testing.T) {
		h.sb.SetFaults(Faults{Next429: 1})
		a := h.createExport(token, ActionSeatData, DemoEnterpriseContract, now.Add(-day), now)
		wantError(t, a, http.StatusTooManyRequests, "throttle")
		h.sb.SetFaults(Faults{ExpireTokens: true})
		a, _ = h.exportStatus(token, before, DemoEnterpriseContract)
		wantError(t, a, http.StatusUnauthorized, "expired")
		h.sb.SetFaults(Faults{})
	})
}

func TestDownloadLinks(t *testing.T) {
	h := newPlatformHarness(t)
	for _, tc := range []struct {
		scenario string
		path     string
		status   int
		message  string
	}{
		{"never minted", "/_sandbox/downloads/dl-nothing.csv", http.StatusNotFound, "No export file"},
		{"not a CSV path", "/_sandbox/downloads/", http.StatusNotFound, "No export file"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			wantError(t, h.get(tc.path, nil), tc.status, tc.message)
		})
	}
	t.Run("links are not secrets with the sandbox- prefix", func(t *testing.T) {
		token := h.memberTokenFor(DemoClientID, ScopeAnalytics, avery)
		now := h.clock.Now()
		id := h.exportJob(token, ActionSeatData, DemoEnterpriseContract, now.Add(-day), now)
		h.clock.Advance(time.Second)
		_, job := h.exportStatus(token, id, DemoEnterpriseContract)
		if link := job["downloadUrl"].(string); strings.Contains(link, "sandbox-") ||
			!strings.HasPrefix(link, h.srv.URL+"/_sandbox/downloads/") {
			t.Fatalf("link %q", link)
		}
	})
}
