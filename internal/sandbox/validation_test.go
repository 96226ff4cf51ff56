package sandbox

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

var demoInstanceURN = "urn:li:crmInstance:(DYNAMICS," + DemoInstanceID + ")"

func validationPath(urn string) string {
	return "/v2/crmDataValidationExportJobs?crmInstanceId=" + url.QueryEscape(urn)
}

// createValidation starts an export that must be accepted and returns
// its id.
func (h *harness) createValidation(token string, start time.Time) int64 {
	h.t.Helper()
	a := h.call(http.MethodPost, validationPath(demoInstanceURN), token, `{"exportStartAt":`+ms(start)+`}`, nil)
	if a.status != http.StatusCreated {
		h.t.Fatalf("create validation export: %d %q, want 201", a.status, a.body)
	}
	id, err := strconv.ParseInt(a.header.Get("X-RestLi-Id"), 10, 64)
	if err != nil {
		h.t.Fatalf("X-RestLi-Id %q: %v", a.header.Get("X-RestLi-Id"), err)
	}
	// The body is the job, with the same id, as the contract declares.
	job := a.json(h.t)
	if job["jobId"] != float64(id) || job["status"] != JobProcessing || job["exportStartAt"] != float64(start.UnixMilli()) {
		h.t.Fatalf("create validation export body %s, want job %d PROCESSING from %d", a.body, id, start.UnixMilli())
	}
	return id
}

func (h *harness) validationJob(token string, id int64) map[string]any {
	h.t.Helper()
	a := h.call(http.MethodGet, fmt.Sprintf("/v2/crmDataValidationExportJobs/%d?crmInstanceId=%s", id,
		url.QueryEscape(demoInstanceURN)), token, "", nil)
	if a.status != http.StatusOK {
		h.t.Fatalf("get validation job %d: %d %s", id, a.status, a.body)
	}
	return a.json(h.t)
}

// validationRows downloads every file of a completed job and returns the
// data rows (headers dropped).
func (h *harness) validationRows(job map[string]any) [][]string {
	h.t.Helper()
	var rows [][]string
	for _, link := range job["downloadUrls"].([]any) {
		a, file := h.fetchCSV(link.(string))
		if a.status != http.StatusOK || len(file) == 0 || file[0][0] != "crmRecordId" {
			h.t.Fatalf("validation file %s: %d %v", link, a.status, file)
		}
		if len(file)-1 > ValidationRowsPerFile {
			h.t.Fatalf("a file holds %d rows, more than %d", len(file)-1, ValidationRowsPerFile)
		}
		rows = append(rows, file[1:]...)
	}
	return rows
}

func TestValidationExportErrors(t *testing.T) {
	h := newPlatformHarness(t)
	app := h.appToken(DemoClientID)
	member := h.memberTokenFor(DemoClientID, ScopeValidation, avery)
	past := `{"exportStartAt":` + ms(h.clock.Now().Add(-day)) + `}`
	for _, tc := range []struct {
		scenario string
		token    string
		path     string
		body     string
		status   int
		code     float64
		message  string
	}{
		{"member token", member, validationPath(demoInstanceURN), past, http.StatusForbidden, codeForbidden, "application token"},
		{"missing crmInstanceId", app, "/v2/crmDataValidationExportJobs", past, http.StatusBadRequest, 0, "Missing required query parameter crmInstanceId"},
		{"crmInstanceId not a crmInstance URN", app, validationPath("urn:li:crmInstance:" + DemoInstanceID), past,
			http.StatusBadRequest, 0, "urn:li:crmInstance:(<CRM type>,<instance id>)"},
		{"unknown CRM instance", app, validationPath("urn:li:crmInstance:(DYNAMICS,other.crm.dynamics.com)"), past,
			http.StatusBadRequest, codeCRMSyncUnknown, "Cannot determine CRM Sync status"},
		{"wrong CRM type for the instance", app, validationPath("urn:li:crmInstance:(SFDC," + DemoInstanceID + ")"), past,
			http.StatusBadRequest, codeCRMSyncUnknown, "Cannot determine CRM Sync status"},
		{"instance of another application", h.appToken(NoSyncClientID), validationPath(demoInstanceURN), past,
			http.StatusBadRequest, codeCRMSyncUnknown, "Cannot determine"},
		{"CRM Sync off", h.appToken(NoSyncClientID), validationPath("urn:li:crmInstance:(DYNAMICS," + NoSyncInstanceID + ")"), past,
			http.StatusBadRequest, codeCRMSyncDisabled, "CRM Sync not enabled"},
		{"CRM Sync state unknown", h.appToken(testClientID), validationPath("urn:li:crmInstance:(SFDC,unknown-sync)"), past,
			http.StatusBadRequest, codeCRMSyncUnknown, "Cannot determine"},
		{"missing exportStartAt", app, validationPath(demoInstanceURN), `{}`, http.StatusBadRequest, 0, "exportStartAt is required"},
		{"exportStartAt in the future", app, validationPath(demoInstanceURN),
			`{"exportStartAt":` + ms(h.clock.Now().Add(time.Hour)) + `}`, http.StatusBadRequest, 0, "must be in the past"},
		{"app without r_sales_nav_validation", h.appToken(limitedClientID), validationPath(demoInstanceURN), past,
			http.StatusForbidden, codeForbidden, ScopeValidation},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			a := h.call(http.MethodPost, tc.path, tc.token, tc.body, nil)
			wantError(t, a, tc.status, tc.message)
			if code := a.json(t)["serviceErrorCode"]; code != tc.code {
				t.Fatalf("serviceErrorCode %v, want %v", code, tc.code)
			}
		})
	}
	t.Run("unknown job", func(t *testing.T) {
		a := h.call(http.MethodGet, "/v2/crmDataValidationExportJobs/42?crmInstanceId="+url.QueryEscape(demoInstanceURN), app, "", nil)
		wantError(t, a, http.StatusNotFound, "No validation export job 42")
	})
}

func TestValidationExportChaining(t *testing.T) {
	h := newPlatformHarness(t)
	token := h.appToken(DemoClientID)
	origin := h.clock.Now().Add(-30 * day)
	first := h.createValidation(token, origin)
	firstEnd := h.clock.Now()

	t.Run("processing until the job's time is up", func(t *testing.T) {
		h.clock.Advance(testEnqueued) // ENQUEUED internally, never on the wire
		job := h.validationJob(token, first)
		_, hasURLs := job["downloadUrls"]
		if job["status"] != JobProcessing || job["jobId"] != float64(first) || hasURLs || job["exportStartAt"] != float64(origin.UnixMilli()) {
			t.Fatalf("running job %v", job)
		}
	})
	h.clock.Advance(testProcessing)
	job1 := h.validationJob(token, first)
	rows1 := h.validationRows(job1)

	t.Run("a completed job ends where it was asked for, and says where the next starts", func(t *testing.T) {
		if job1["status"] != JobCompleted || job1["exportEndAt"] != float64(firstEnd.UnixMilli()) ||
			job1["nextExportStartAt"] != job1["exportEndAt"] || job1["expireAt"] == nil {
			t.Fatalf("completed job %v", job1)
		}
		// Every matched demo record is checked weekly: four or five times in 30 days.
		if len(rows1) < 4*27 || len(rows1) > 5*27 {
			t.Fatalf("%d rows for 30 days of 27 matched records", len(rows1))
		}
		if files := len(job1["downloadUrls"].([]any)); files != (len(rows1)+ValidationRowsPerFile-1)/ValidationRowsPerFile {
			t.Fatalf("%d files for %d rows", files, len(rows1))
		}
	})

	h.clock.Advance(14 * day)
	token = h.appToken(DemoClientID) // app tokens live 30 minutes
	next := millis(int64(job1["nextExportStartAt"].(float64)))
	second := h.createValidation(token, next)
	whole := h.createValidation(token, origin)
	h.clock.Advance(testEnqueued + testProcessing)
	rows2 := h.validationRows(h.validationJob(token, second))
	rowsWhole := h.validationRows(h.validationJob(token, whole))

	t.Run("the chained export starts where the first ended", func(t *testing.T) {
		for _, r := range rows2 {
			at, err := time.Parse(time.RFC3339, r[len(r)-1])
			if err != nil || at.Before(firstEnd.Truncate(time.Second)) {
				t.Fatalf("row %v checked before the first export ended (%s)", r, firstEnd)
			}
		}
		if len(rows2) < 2*27 {
			t.Fatalf("%d rows in 14 days, want at least two checks per record", len(rows2))
		}
	})
	t.Run("chained exports neither repeat nor miss a row", func(t *testing.T) {
		chained := append(slices.Clone(rows1), rows2...)
		if !slices.EqualFunc(chained, rowsWhole, slices.Equal) {
			t.Fatalf("first+second = %d rows, one export of the whole span = %d rows", len(chained), len(rowsWhole))
		}
	})
	t.Run("a failed job has no files", func(t *testing.T) {
		h.sb.SetFaults(Faults{FailExports: true})
		id := h.createValidation(token, origin)
		h.sb.SetFaults(Faults{})
		h.clock.Advance(testEnqueued + testProcessing)
		job := h.validationJob(token, id)
		if _, has := job["downloadUrls"]; job["status"] != JobInternalError || has {
			t.Fatalf("failed job %v", job)
		}
	})
	t.Run("rows name the record and what LinkedIn found", func(t *testing.T) {
		statuses := map[string]bool{}
		for _, r := range rowsWhole {
			if !strings.HasPrefix(r[6], "urn:li:person:") {
				t.Fatalf("row %v lacks the member URN", r)
			}
			statuses[r[9]] = true
		}
		if !statuses[validationConfirmed] || !statuses[validationTitleChanged] || !statuses[validationLeftCompany] {
			t.Fatalf("statuses %v, want all three kinds in %d rows", statuses, len(rowsWhole))
		}
	})
}
