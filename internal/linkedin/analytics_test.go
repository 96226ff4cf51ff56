package linkedin

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"
)

func TestCreateAnalyticsExport(t *testing.T) {
	const (
		member   = "AQX-member"
		contract = "urn:li:salesContract:1001"
	)
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	post := func(action string, s, e time.Time) sent {
		return sent{
			Method:        "POST",
			RequestURI:    "/v2/salesAnalyticsExportJobs?action=" + action,
			Authorization: "Bearer " + member,
			Restli:        "2.0.0",
			ContentType:   "application/json",
			Body:          fmt.Sprintf(`{"contract":%q,"startAt":%d,"endAt":%d}`, contract, s.UnixMilli(), e.UnixMilli()),
		}
	}
	enqueued := func(n int, w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"value": map[string]any{"id": int64(9007199254740993), "status": "ENQUEUED"}})
	}
	tests := []struct {
		scenario   string
		action     string
		contract   string
		start, end time.Time
		handler    func(n int, w http.ResponseWriter, r *http.Request)
		want       AnalyticsJob
		wantCalls  int
		check      func(t *testing.T, err error)
	}{
		{
			scenario: "seat data for 30 days is enqueued, a 64-bit id kept exactly",
			action:   ExportSeatData, contract: contract, start: start, end: start.AddDate(0, 0, 30),
			handler:   enqueued,
			want:      AnalyticsJob{ID: 9007199254740993, Status: "ENQUEUED"},
			wantCalls: 1,
		},
		{
			scenario: "activity outcome data for exactly 90 days is accepted",
			action:   ExportActivityOutcomeData, contract: contract, start: start, end: start.Add(MaxExportRange),
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 200, map[string]any{"value": map[string]any{"id": 5, "status": "PROCESSING"}})
			},
			want:      AnalyticsJob{ID: 5, Status: "PROCESSING"},
			wantCalls: 1,
		},
		{
			scenario: "90 days and a millisecond is refused without calling LinkedIn",
			action:   ExportActivityData, contract: contract, start: start, end: start.Add(MaxExportRange + time.Millisecond),
			handler:   enqueued,
			wantCalls: 0,
			check:     func(t *testing.T, err error) { wantBadRequest(t, err, "more than 90 days") },
		},
		{
			scenario: "95 days is refused without calling LinkedIn",
			action:   ExportSeatData, contract: contract, start: start, end: start.AddDate(0, 0, 95),
			handler:   enqueued,
			wantCalls: 0,
			check: func(t *testing.T, err error) {
				wantBadRequest(t, err, "2025-01-01T00:00:00Z to 2025-04-06T00:00:00Z is more than 90 days")
			},
		},
		{
			scenario: "end before start is refused",
			action:   ExportSeatData, contract: contract, start: start, end: start.Add(-time.Hour),
			handler:   enqueued,
			wantCalls: 0,
			check:     func(t *testing.T, err error) { wantBadRequest(t, err, "is not after start") },
		},
		{
			scenario: "missing end is refused",
			action:   ExportSeatData, contract: contract, start: start,
			handler:   enqueued,
			wantCalls: 0,
			check:     func(t *testing.T, err error) { wantBadRequest(t, err, "start and end are both required") },
		},
		{
			scenario: "unknown action is refused",
			action:   "exportEverything", contract: contract, start: start, end: start.AddDate(0, 0, 1),
			handler:   enqueued,
			wantCalls: 0,
			check: func(t *testing.T, err error) {
				wantBadRequest(t, err, `action "exportEverything" is not exportSeatData`)
			},
		},
		{
			scenario: "a contract that is not a salesContract URN is refused",
			action:   ExportSeatData, contract: "1001", start: start, end: start.AddDate(0, 0, 1),
			handler:   enqueued,
			wantCalls: 0,
			check:     func(t *testing.T, err error) { wantBadRequest(t, err, "urn:li:salesContract:<id>") },
		},
		{
			scenario: "LinkedIn's own 400 about the range reaches the caller",
			action:   ExportSeatData, contract: contract, start: start, end: start.AddDate(0, 0, 30),
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				liError(w, 400, 0, "The time range between startAt and endAt must not exceed 90 days")
			},
			wantCalls: 1,
			check: func(t *testing.T, err error) {
				if le := wantErrorStatus(t, err, 400); le.Message != "The time range between startAt and endAt must not exceed 90 days" {
					t.Fatalf("message = %q", le.Message)
				}
			},
		},
		{
			scenario: "member without reporting access is forbidden",
			action:   ExportSeatData, contract: contract, start: start, end: start.AddDate(0, 0, 30),
			handler:   func(n int, w http.ResponseWriter, r *http.Request) { liError(w, 403, 0, "no reporting access") },
			wantCalls: 1,
			check: func(t *testing.T, err error) {
				if !IsForbidden(err) {
					t.Fatalf("IsForbidden(%v) = false", err)
				}
			},
		},
		{
			scenario: "500 is not retried: a second POST would start a second job",
			action:   ExportSeatData, contract: contract, start: start, end: start.AddDate(0, 0, 30),
			handler:   func(n int, w http.ResponseWriter, r *http.Request) { liError(w, 500, 0, "oops") },
			wantCalls: 1,
			check:     func(t *testing.T, err error) { wantErrorStatus(t, err, 500) },
		},
		{
			scenario: "429 is not retried",
			action:   ExportSeatData, contract: contract, start: start, end: start.AddDate(0, 0, 30),
			handler:   func(n int, w http.ResponseWriter, r *http.Request) { liError(w, 429, 0, "throttled") },
			wantCalls: 1,
			check: func(t *testing.T, err error) {
				if !IsThrottled(err) {
					t.Fatalf("IsThrottled(%v) = false", err)
				}
			},
		},
		{
			scenario: "an answer without job id is malformed",
			action:   ExportSeatData, contract: contract, start: start, end: start.AddDate(0, 0, 30),
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 200, map[string]any{"value": map[string]any{"status": "ENQUEUED"}})
			},
			wantCalls: 1,
			check:     func(t *testing.T, err error) { wantMalformed(t, err, "job without id") },
		},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			c, p := newPlatform(t, tt.handler)
			got, err := c.CreateAnalyticsExport(context.Background(), member, tt.action, tt.contract, tt.start, tt.end)
			p.check(t, post(tt.action, tt.start, tt.end), tt.wantCalls)
			if tt.check != nil {
				if err == nil {
					t.Fatalf("got %+v, want an error", got)
				}
				tt.check(t, err)
				return
			}
			if err != nil {
				t.Fatalf("CreateAnalyticsExport: %v", err)
			}
			if got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestAnalyticsExport(t *testing.T) {
	const member = "AQX-member"
	expire := time.Date(2025, 2, 1, 13, 0, 0, 0, time.UTC)
	get := sent{
		Method:        "GET",
		RequestURI:    "/v2/salesAnalyticsExportJobs/77?contract=urn%3Ali%3AsalesContract%3A1001",
		Authorization: "Bearer " + member,
		Restli:        "2.0.0",
	}
	tests := []struct {
		scenario  string
		handler   func(n int, w http.ResponseWriter, r *http.Request)
		want      AnalyticsJob
		wantDone  bool
		wantCalls int
		check     func(t *testing.T, err error)
	}{
		{
			scenario: "processing job is not done",
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 200, map[string]any{"id": 77, "status": "PROCESSING"})
			},
			want:      AnalyticsJob{ID: 77, Status: "PROCESSING"},
			wantCalls: 1,
		},
		{
			scenario: "completed job has its link, expiry in milliseconds and row count",
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 200, map[string]any{"id": 77, "status": "COMPLETED", "downloadUrl": "https://media.example/exports/77.csv?t=abc", "expireAt": expire.UnixMilli(), "rowCount": 1234})
			},
			want:      AnalyticsJob{ID: 77, Status: "COMPLETED", DownloadURL: "https://media.example/exports/77.csv?t=abc", ExpireAt: expire, RowCount: 1234},
			wantDone:  true,
			wantCalls: 1,
		},
		{
			scenario: "expiry given in seconds is read as seconds",
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 200, map[string]any{"id": 77, "status": "COMPLETED", "downloadUrl": "https://media.example/77.csv", "expireAt": expire.Unix(), "rowCount": 3})
			},
			want:      AnalyticsJob{ID: 77, Status: "COMPLETED", DownloadURL: "https://media.example/77.csv", ExpireAt: expire, RowCount: 3},
			wantDone:  true,
			wantCalls: 1,
		},
		{
			scenario: "failed job is done without a link",
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 200, map[string]any{"id": 77, "status": "FAILED_DUE_TO_DATA_DELAY"})
			},
			want:      AnalyticsJob{ID: 77, Status: "FAILED_DUE_TO_DATA_DELAY"},
			wantDone:  true,
			wantCalls: 1,
		},
		{
			scenario: "completed job without a link is malformed",
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 200, map[string]any{"id": 77, "status": "COMPLETED"})
			},
			wantCalls: 1,
			check:     func(t *testing.T, err error) { wantMalformed(t, err, "completed job without downloadUrl") },
		},
		{
			scenario: "an answer about another job is malformed",
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 200, map[string]any{"id": 78, "status": "PROCESSING"})
			},
			wantCalls: 1,
			check:     func(t *testing.T, err error) { wantMalformed(t, err, "asked about job 77, got job 78") },
		},
		{
			scenario:  "unknown job or another contract's is not found, not retried",
			handler:   func(n int, w http.ResponseWriter, r *http.Request) { liError(w, 404, 0, "job not found") },
			wantCalls: 1,
			check: func(t *testing.T, err error) {
				if !IsNotFound(err) {
					t.Fatalf("IsNotFound(%v) = false", err)
				}
			},
		},
		{
			scenario: "502 then the answer succeeds on the retry",
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				if n == 1 {
					w.WriteHeader(502)
					return
				}
				writeJSON(w, 200, map[string]any{"id": 77, "status": "ENQUEUED"})
			},
			want:      AnalyticsJob{ID: 77, Status: "ENQUEUED"},
			wantCalls: 2,
		},
		{
			scenario:  "429 is not retried",
			handler:   func(n int, w http.ResponseWriter, r *http.Request) { liError(w, 429, 0, "throttled") },
			wantCalls: 1,
			check: func(t *testing.T, err error) {
				if !IsThrottled(err) {
					t.Fatalf("IsThrottled(%v) = false", err)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			c, p := newPlatform(t, tt.handler)
			got, err := c.AnalyticsExport(context.Background(), member, 77, "urn:li:salesContract:1001")
			p.check(t, get, tt.wantCalls)
			if tt.check != nil {
				if err == nil {
					t.Fatalf("got %+v, want an error", got)
				}
				tt.check(t, err)
				return
			}
			if err != nil {
				t.Fatalf("AnalyticsExport: %v", err)
			}
			if got.ID != tt.want.ID || got.Status != tt.want.Status || got.DownloadURL != tt.want.DownloadURL ||
				!got.ExpireAt.Equal(tt.want.ExpireAt) || got.RowCount != tt.want.RowCount {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			if got.Done() != tt.wantDone {
				t.Fatalf("Done() = %v, want %v", got.Done(), tt.wantDone)
			}
		})
	}
}

func TestAnalyticsExportRefusesBadArguments(t *testing.T) {
	tests := []struct {
		scenario string
		token    string
		id       int64
		contract string
		says     string
	}{
		{scenario: "empty token", token: "", id: 1, contract: "urn:li:salesContract:1", says: "member token is empty"},
		{scenario: "zero job id", token: "tok", id: 0, contract: "urn:li:salesContract:1", says: "job id must be positive"},
		{scenario: "contract without id", token: "tok", id: 1, contract: "urn:li:salesContract:", says: "is not urn:li:salesContract:<id>"},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			c, p := newPlatform(t, func(n int, w http.ResponseWriter, r *http.Request) {})
			_, err := c.AnalyticsExport(context.Background(), tt.token, tt.id, tt.contract)
			wantBadRequest(t, err, tt.says)
			if calls := p.calls.Load(); calls != 0 {
				t.Fatalf("LinkedIn saw %d calls", calls)
			}
		})
	}
}

func TestAnalyticsJobDone(t *testing.T) {
	tests := []struct {
		scenario string
		status   string
		want     bool
	}{
		{scenario: "enqueued", status: "ENQUEUED", want: false},
		{scenario: "processing", status: "PROCESSING", want: false},
		{scenario: "completed", status: "COMPLETED", want: true},
		{scenario: "file too large", status: "FAILED_DUE_TO_EXCEEDED_FILE_SIZE_ERROR", want: true},
		{scenario: "timed out", status: "FAILED_DUE_TO_TIMED_OUT", want: true},
		{scenario: "internal error", status: "FAILED_DUE_TO_INTERNAL_ERROR", want: true},
		{scenario: "empty", status: "", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			if got := (AnalyticsJob{Status: tt.status}).Done(); got != tt.want {
				t.Fatalf("Done() for %q = %v, want %v", tt.status, got, tt.want)
			}
		})
	}
}
