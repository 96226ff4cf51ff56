package linkedin

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"testing"
	"time"
)

// dynamicsQuery is the CRM instance URN of contoso.crm.dynamics.com as the
// contract writes it in a query: every : ( , ) percent-encoded.
const dynamicsQuery = "urn%3Ali%3AcrmInstance%3A%28DYNAMICS%2Ccontoso.crm.dynamics.com%29"

func TestCreatedValidationExportJobIDComesFromHeaderOrBody(t *testing.T) {
	urn := CRMInstanceURN("DYNAMICS", "contoso.crm.dynamics.com")
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		scenario string
		header   string // X-RestLi-Id; "" sends none
		body     string // the 201's body; "" sends none
		want     int64
		wantErr  string // part of the malformed message; "" expects want
	}{
		{scenario: "header only", header: "4242", want: 4242},
		{scenario: "body only, as the contract declares", body: `{"jobId":4242,"exportStartAt":1735689600000,"status":"PROCESSING"}`, want: 4242},
		{scenario: "header and body agree", header: "4242", body: `{"jobId":4242}`, want: 4242},
		{scenario: "header that is not a number falls back to the body", header: "urn:li:job:1", body: `{"jobId":4242}`, want: 4242},
		{scenario: "body that is not JSON does not hide a good header", header: "4242", body: `<html>created</html>`, want: 4242},
		{scenario: "header and body disagree", header: "4242", body: `{"jobId":7}`, wantErr: "X-RestLi-Id 4242 and the body's jobId 7 differ"},
		{scenario: "neither carries an id", wantErr: `X-RestLi-Id "" is not a job id and the body is empty`},
		{scenario: "body without jobId", body: `{"status":"PROCESSING"}`, wantErr: "the body has no jobId"},
		{scenario: "body with a null jobId", body: `{"jobId":null}`, wantErr: "the body has no jobId"},
		{scenario: "zero header", header: "0", wantErr: `X-RestLi-Id "0" is not a job id`},
		{scenario: "negative header", header: "-4242", wantErr: `X-RestLi-Id "-4242" is not a job id`},
		{scenario: "non-numeric header", header: "urn:li:job:1", wantErr: `X-RestLi-Id "urn:li:job:1" is not a job id`},
		{scenario: "zero body jobId", body: `{"jobId":0}`, wantErr: `the body's jobId "0" is not one`},
		{scenario: "negative body jobId", body: `{"jobId":-4242}`, wantErr: `the body's jobId "-4242" is not one`},
		{scenario: "string body jobId", body: `{"jobId":"4242"}`, wantErr: `the body's jobId "\"4242\"" is not one`},
		{scenario: "fractional body jobId", body: `{"jobId":42.5}`, wantErr: `the body's jobId "42.5" is not one`},
		{scenario: "body that is not JSON and no header", body: `created`, wantErr: "the body is not JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			c, _ := newPlatform(t, func(n int, w http.ResponseWriter, r *http.Request) {
				if tt.header != "" {
					w.Header().Set("X-RestLi-Id", tt.header)
				}
				if tt.body != "" {
					w.Header().Set("Content-Type", "application/json")
				}
				w.WriteHeader(http.StatusCreated)
				_, _ = w.Write([]byte(tt.body))
			})
			got, err := c.CreateValidationExport(context.Background(), "AQV-app-token", urn, start)
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("got job %d, want an error", got)
				}
				wantMalformed(t, err, tt.wantErr)
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("CreateValidationExport = %d, %v; want %d", got, err, tt.want)
			}
		})
	}
}

func TestCRMInstanceURN(t *testing.T) {
	tests := []struct {
		scenario string
		crmType  string
		instance string
		want     string
	}{
		{scenario: "Dynamics org host", crmType: "DYNAMICS", instance: "contoso.crm.dynamics.com", want: "urn:li:crmInstance:(DYNAMICS,contoso.crm.dynamics.com)"},
		{scenario: "Salesforce org id", crmType: "SFDC", instance: "00D5e000000abcd", want: "urn:li:crmInstance:(SFDC,00D5e000000abcd)"},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			if got := CRMInstanceURN(tt.crmType, tt.instance); got != tt.want {
				t.Fatalf("CRMInstanceURN = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCreateValidationExport(t *testing.T) {
	const app = "AQV-app-token"
	urn := CRMInstanceURN("DYNAMICS", "contoso.crm.dynamics.com")
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	post := sent{
		Method:        "POST",
		RequestURI:    "/v2/crmDataValidationExportJobs?crmInstanceId=" + dynamicsQuery,
		Authorization: "Bearer " + app,
		Restli:        "2.0.0",
		ContentType:   "application/json",
		Body:          fmt.Sprintf(`{"exportStartAt":%d}`, start.UnixMilli()),
	}
	created := func(id string) func(n int, w http.ResponseWriter, r *http.Request) {
		return func(n int, w http.ResponseWriter, r *http.Request) {
			if id != "" {
				w.Header().Set("X-RestLi-Id", id)
			}
			w.WriteHeader(201)
		}
	}
	tests := []struct {
		scenario  string
		urn       string
		start     time.Time
		handler   func(n int, w http.ResponseWriter, r *http.Request)
		want      int64
		wantCalls int
		check     func(t *testing.T, err error)
	}{
		{
			scenario: "201 gives the job id from X-RestLi-Id",
			urn:      urn, start: start,
			handler:   created("4242"),
			want:      4242,
			wantCalls: 1,
		},
		{
			scenario: "unknown CRM instance is LinkedIn's clear 400",
			urn:      urn, start: start,
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				liError(w, 400, CodeCRMSyncUnknown, "cannot determine CRM Sync status")
			},
			wantCalls: 1,
			check: func(t *testing.T, err error) {
				if le := wantErrorStatus(t, err, 400); le.ServiceErrorCode != CodeCRMSyncUnknown || le.Message != "cannot determine CRM Sync status" {
					t.Fatalf("got %+v", le)
				}
			},
		},
		{
			scenario: "app token without r_sales_nav_validation is forbidden",
			urn:      urn, start: start,
			handler:   func(n int, w http.ResponseWriter, r *http.Request) { liError(w, 403, 0, "Not enough permissions") },
			wantCalls: 1,
			check: func(t *testing.T, err error) {
				if !IsForbidden(err) {
					t.Fatalf("IsForbidden(%v) = false", err)
				}
			},
		},
		{
			scenario: "500 is not retried: a second POST would start a second job",
			urn:      urn, start: start,
			handler:   func(n int, w http.ResponseWriter, r *http.Request) { liError(w, 500, 0, "oops") },
			wantCalls: 1,
			check:     func(t *testing.T, err error) { wantErrorStatus(t, err, 500) },
		},
		{
			scenario: "an instance that is not a crmInstance URN is refused",
			urn:      "contoso.crm.dynamics.com", start: start,
			handler:   created("1"),
			wantCalls: 0,
			check:     func(t *testing.T, err error) { wantBadRequest(t, err, "is not urn:li:crmInstance:(<type>,<id>)") },
		},
		{
			scenario: "an instance URN without id is refused",
			urn:      CRMInstanceURN("DYNAMICS", ""), start: start,
			handler:   created("1"),
			wantCalls: 0,
			check:     func(t *testing.T, err error) { wantBadRequest(t, err, "is not urn:li:crmInstance:(<type>,<id>)") },
		},
		{
			scenario:  "missing exportStartAt is refused",
			urn:       urn,
			handler:   created("1"),
			wantCalls: 0,
			check:     func(t *testing.T, err error) { wantBadRequest(t, err, "exportStartAt is required") },
		},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			c, p := newPlatform(t, tt.handler)
			got, err := c.CreateValidationExport(context.Background(), app, tt.urn, tt.start)
			p.check(t, post, tt.wantCalls)
			if tt.check != nil {
				if err == nil {
					t.Fatalf("got %d, want an error", got)
				}
				tt.check(t, err)
				return
			}
			if err != nil {
				t.Fatalf("CreateValidationExport: %v", err)
			}
			if got != tt.want {
				t.Fatalf("job id = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestValidationExport(t *testing.T) {
	const app = "AQV-app-token"
	urn := CRMInstanceURN("DYNAMICS", "contoso.crm.dynamics.com")
	startAt := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	endAt := time.Date(2025, 1, 8, 9, 30, 0, 0, time.UTC)
	expire := time.Date(2025, 1, 9, 9, 30, 0, 0, time.UTC)
	get := sent{
		Method:        "GET",
		RequestURI:    "/v2/crmDataValidationExportJobs/4242?crmInstanceId=" + dynamicsQuery,
		Authorization: "Bearer " + app,
		Restli:        "2.0.0",
	}
	tests := []struct {
		scenario  string
		handler   func(n int, w http.ResponseWriter, r *http.Request)
		want      ValidationJob
		wantDone  bool
		wantCalls int
		check     func(t *testing.T, err error)
	}{
		{
			scenario: "processing job knows only its start",
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 200, map[string]any{"jobId": 4242, "exportStartAt": startAt.UnixMilli(), "status": "PROCESSING"})
			},
			want:      ValidationJob{ID: 4242, Status: "PROCESSING", ExportStartAt: startAt},
			wantCalls: 1,
		},
		{
			scenario: "completed job has files and says where the next export starts",
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 200, map[string]any{
					"jobId": 4242, "exportStartAt": startAt.UnixMilli(), "exportEndAt": endAt.UnixMilli(), "status": "COMPLETED",
					"downloadUrls":      []string{"https://media.example/v/1.csv", "https://media.example/v/2.csv"},
					"nextExportStartAt": endAt.UnixMilli(), "expireAt": expire.UnixMilli(),
				})
			},
			want: ValidationJob{
				ID: 4242, Status: "COMPLETED", ExportStartAt: startAt, ExportEndAt: endAt, NextExportStartAt: endAt, ExpireAt: expire,
				DownloadURLs: []string{"https://media.example/v/1.csv", "https://media.example/v/2.csv"},
			},
			wantDone:  true,
			wantCalls: 1,
		},
		{
			scenario: "failed job is done",
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 200, map[string]any{"jobId": 4242, "exportStartAt": startAt.UnixMilli(), "status": "FAILED_DUE_TO_INTERNAL_ERROR"})
			},
			want:      ValidationJob{ID: 4242, Status: "FAILED_DUE_TO_INTERNAL_ERROR", ExportStartAt: startAt},
			wantDone:  true,
			wantCalls: 1,
		},
		{
			scenario: "answer without status is malformed",
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 200, map[string]any{"jobId": 4242})
			},
			wantCalls: 1,
			check:     func(t *testing.T, err error) { wantMalformed(t, err, "job without status") },
		},
		{
			scenario: "answer about another job is malformed",
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 200, map[string]any{"jobId": 1, "status": "PROCESSING"})
			},
			wantCalls: 1,
			check:     func(t *testing.T, err error) { wantMalformed(t, err, "asked about job 4242, got job 1") },
		},
		{
			scenario:  "unknown job is not found, not retried",
			handler:   func(n int, w http.ResponseWriter, r *http.Request) { liError(w, 404, 0, "no such job") },
			wantCalls: 1,
			check: func(t *testing.T, err error) {
				if !IsNotFound(err) {
					t.Fatalf("IsNotFound(%v) = false", err)
				}
			},
		},
		{
			scenario: "500 twice then the answer succeeds on the last retry",
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				if n < 3 {
					liError(w, 500, 0, "oops")
					return
				}
				writeJSON(w, 200, map[string]any{"jobId": 4242, "exportStartAt": startAt.UnixMilli(), "status": "PROCESSING"})
			},
			want:      ValidationJob{ID: 4242, Status: "PROCESSING", ExportStartAt: startAt},
			wantCalls: 3,
		},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			c, p := newPlatform(t, tt.handler)
			got, err := c.ValidationExport(context.Background(), app, urn, 4242)
			p.check(t, get, tt.wantCalls)
			if tt.check != nil {
				if err == nil {
					t.Fatalf("got %+v, want an error", got)
				}
				tt.check(t, err)
				return
			}
			if err != nil {
				t.Fatalf("ValidationExport: %v", err)
			}
			if got.ID != tt.want.ID || got.Status != tt.want.Status || !got.ExportStartAt.Equal(tt.want.ExportStartAt) ||
				!got.ExportEndAt.Equal(tt.want.ExportEndAt) || !got.NextExportStartAt.Equal(tt.want.NextExportStartAt) ||
				!got.ExpireAt.Equal(tt.want.ExpireAt) || !reflect.DeepEqual(got.DownloadURLs, tt.want.DownloadURLs) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			if got.Done() != tt.wantDone {
				t.Fatalf("Done() = %v, want %v", got.Done(), tt.wantDone)
			}
		})
	}
}
