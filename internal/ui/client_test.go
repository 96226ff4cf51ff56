//go:build !js

package ui

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// fakeAPI answers like the snapbridge server would, recording requests.
type fakeAPI struct {
	status int
	body   string
	got    *http.Request
	gotRaw []byte
}

func (f *fakeAPI) server(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.got = r.Clone(context.Background())
		f.gotRaw = make([]byte, r.ContentLength)
		r.Body.Read(f.gotRaw)
		w.WriteHeader(f.status)
		w.Write([]byte(f.body))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestClientAssociations(t *testing.T) {
	tests := []struct {
		scenario  string
		force     bool
		status    int
		body      string
		wantQuery string
		wantErr   problem
		wantCount int
	}{
		{scenario: "answers are decoded and the bearer token sent", status: 200,
			body:      `{"associations":[{"recordId":"a","status":"matched"},{"recordId":"b","status":"no_match"}]}`,
			wantQuery: "records=a%2Cb", wantCount: 2},
		{scenario: "forceRefresh is passed on", force: true, status: 200, body: `{"associations":[]}`,
			wantQuery: "forceRefresh=true&records=a%2Cb"},
		{scenario: "429 is throttled", status: 429, body: `{"error":{"code":"throttled","message":"budget used"}}`,
			wantQuery: "records=a%2Cb", wantErr: problemThrottled},
		{scenario: "401 is an expired session", status: 401, body: `{"error":{"code":"invalid_session","message":"expired"}}`,
			wantQuery: "records=a%2Cb", wantErr: problemExpired},
		{scenario: "a proxy's HTML 502 is still unavailable", status: 502, body: `<html>Bad gateway</html>`,
			wantQuery: "records=a%2Cb", wantErr: problemUnavailable},
		{scenario: "a 403 is another failure, with the server's words", status: 403, body: `{"error":{"code":"forbidden_record","message":"not in your context"}}`,
			wantQuery: "records=a%2Cb", wantErr: problemOther},
		{scenario: "a garbled 200 is an error, not an empty answer", status: 200, body: `{"associations":`,
			wantQuery: "records=a%2Cb", wantErr: problemUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			api := &fakeAPI{status: tt.status, body: tt.body}
			srv := api.server(t)
			got, err := NewClient(srv.URL, "s3cret").Associations(context.Background(), []string{"a", "b"}, tt.force)
			if kind, _ := classify(err); kind != tt.wantErr {
				t.Fatalf("error kind = %v (%v), want %v", kind, err, tt.wantErr)
			}
			if len(got) != tt.wantCount {
				t.Errorf("got %d associations, want %d", len(got), tt.wantCount)
			}
			if api.got.URL.Path != "/api/v1/associations" || api.got.URL.RawQuery != tt.wantQuery {
				t.Errorf("request = %s?%s, want /api/v1/associations?%s", api.got.URL.Path, api.got.URL.RawQuery, tt.wantQuery)
			}
			if auth := api.got.Header.Get("Authorization"); auth != "Bearer s3cret" {
				t.Errorf("Authorization = %q", auth)
			}
			if err != nil && strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error message leaks the token: %v", err)
			}
		})
	}
}

func TestClientSalesAccessToken(t *testing.T) {
	exp := time.Date(2026, 5, 4, 12, 30, 0, 0, time.UTC)
	tests := []struct {
		scenario    string
		status      int
		body        string
		wantErr     problem
		wantConnect string
	}{
		{scenario: "a token and iframe URL come back", status: 200,
			body: `{"token":"sat","expiresAt":"2026-05-04T12:30:00Z","iframeUrl":"https://www.linkedin.com/sales/widget/profile-matching?sat=x"}`},
		{scenario: "409 not connected carries the connect URL", status: 409,
			body:    `{"error":{"code":"linkedin_not_connected","message":"connect first","connectUrl":"/oauth/linkedin/start?s=1"}}`,
			wantErr: problemNotConnected, wantConnect: "/oauth/linkedin/start?s=1"},
		{scenario: "503 is unavailable", status: 503, body: `{"error":{"code":"linkedin_unavailable","message":"down"}}`, wantErr: problemUnavailable},
		{scenario: "429 is throttled", status: 429, body: `{"error":{"code":"throttled","message":"slow down"}}`, wantErr: problemThrottled},
		{scenario: "a javascript: iframe URL is refused", status: 200,
			body: `{"token":"sat","expiresAt":"2026-05-04T12:30:00Z","iframeUrl":"javascript:alert(1)"}`, wantErr: problemUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			api := &fakeAPI{status: tt.status, body: tt.body}
			srv := api.server(t)
			sat, err := NewClient(srv.URL, "s3cret").SalesAccessToken(context.Background(), "rec-1")
			kind, apiErr := classify(err)
			if kind != tt.wantErr {
				t.Fatalf("error kind = %v (%v), want %v", kind, err, tt.wantErr)
			}
			var body map[string]string
			if err := json.Unmarshal(api.gotRaw, &body); err != nil || body["recordId"] != "rec-1" {
				t.Errorf("request body = %s (%v), want recordId rec-1", api.gotRaw, err)
			}
			if api.got.Method != http.MethodPost || api.got.Header.Get("Content-Type") != "application/json" {
				t.Errorf("request = %s %s", api.got.Method, api.got.Header.Get("Content-Type"))
			}
			if tt.wantConnect != "" && apiErr.Detail.ConnectURL != tt.wantConnect {
				t.Errorf("connect URL = %q", apiErr.Detail.ConnectURL)
			}
			if err == nil && !sat.ExpiresAt.Equal(exp) {
				t.Errorf("expiresAt = %v", sat.ExpiresAt)
			}
		})
	}
}

func TestClassifyNetworkFailureAsUnavailable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close() // nothing listens any more
	_, err := NewClient(srv.URL, "t").Associations(context.Background(), []string{"a"}, false)
	if kind, _ := classify(err); kind != problemUnavailable {
		t.Fatalf("kind = %v (%v), want unavailable", kind, err)
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		t.Fatalf("a network failure is not an API answer: %v", err)
	}
}
