package linkedin

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestSalesAccessToken(t *testing.T) {
	const member = "AQX-member-token-secret"
	tests := []struct {
		scenario  string
		handler   func(n int, w http.ResponseWriter, r *http.Request)
		want      SalesAccessToken
		wantCalls int
		check     func(t *testing.T, err error)
	}{
		{
			scenario: "token and expiry in epoch seconds",
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 200, map[string]any{"elements": []any{map[string]any{"token": "sat-1", "expiryTime": 1900000000}}})
			},
			want:      SalesAccessToken{Token: "sat-1", ExpiresAt: time.Unix(1900000000, 0)},
			wantCalls: 1,
		},
		{
			scenario: "expiry that only milliseconds explain is read as milliseconds",
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 200, map[string]any{"elements": []any{map[string]any{"token": "sat-1", "expiryTime": int64(1900000000123)}}})
			},
			want:      SalesAccessToken{Token: "sat-1", ExpiresAt: time.UnixMilli(1900000000123)},
			wantCalls: 1,
		},
		{
			scenario: "no elements is an error",
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 200, map[string]any{"elements": []any{}})
			},
			wantCalls: 1,
			check: func(t *testing.T, err error) {
				wantErrorStatus(t, err, 200)
				if !errors.Is(err, ErrMalformed) {
					t.Fatalf("error %v is not ErrMalformed", err)
				}
			},
		},
		{
			scenario: "element without expiryTime is an error",
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 200, map[string]any{"elements": []any{map[string]any{"token": "sat-1"}}})
			},
			wantCalls: 1,
			check: func(t *testing.T, err error) {
				if !errors.Is(err, ErrMalformed) {
					t.Fatalf("error %v is not ErrMalformed", err)
				}
			},
		},
		{
			scenario: "bad JSON is a malformed answer carrying LinkedIn's status",
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{"elements":[{"token":`))
			},
			wantCalls: 1,
			check: func(t *testing.T, err error) {
				wantErrorStatus(t, err, 200)
				if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "malformed answer") {
					t.Fatalf("error %q does not say malformed answer", err)
				}
			},
		},
		{
			scenario: "answer over 1 MiB is refused",
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				_, _ = w.Write([]byte(`{"elements":[{"token":"` + strings.Repeat("x", maxBody) + `"}]}`))
			},
			wantCalls: 1,
			check: func(t *testing.T, err error) {
				if !errors.Is(err, ErrMalformed) {
					t.Fatalf("error %v is not ErrMalformed", err)
				}
			},
		},
		{
			scenario: "expired member token is unauthorized and not retried",
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				liError(w, 401, 65600, "Invalid access token")
			},
			wantCalls: 1,
			check: func(t *testing.T, err error) {
				if !IsUnauthorized(err) {
					t.Fatalf("IsUnauthorized(%v) = false", err)
				}
			},
		},
		{
			scenario: "429 is throttled after exactly one call, Retry-After kept",
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", "30")
				liError(w, 429, 0, "Resource level throttle limit reached")
			},
			wantCalls: 1,
			check: func(t *testing.T, err error) {
				le := wantErrorStatus(t, err, 429)
				if !IsThrottled(err) || le.RetryAfter != 30*time.Second {
					t.Fatalf("IsThrottled = %v, RetryAfter = %v; want true, 30s", IsThrottled(err), le.RetryAfter)
				}
			},
		},
		{
			scenario: "500 then 200 succeeds with two calls",
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				if n == 1 {
					liError(w, 500, 0, "Internal Server Error")
					return
				}
				writeJSON(w, 200, map[string]any{"elements": []any{map[string]any{"token": "sat-2", "expiryTime": 1900000000}}})
			},
			want:      SalesAccessToken{Token: "sat-2", ExpiresAt: time.Unix(1900000000, 0)},
			wantCalls: 2,
		},
		{
			scenario: "500 every time gives up after two retries",
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(502)
				_, _ = w.Write([]byte("<html>bad gateway</html>"))
			},
			wantCalls: 3,
			check: func(t *testing.T, err error) {
				le := wantErrorStatus(t, err, 502)
				if le.Message != "Bad Gateway" {
					t.Fatalf("message = %q, want the status text for a non-JSON body", le.Message)
				}
			},
		},
		{
			scenario: "503 asking for a long wait is left to the caller",
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", "120")
				liError(w, 503, 0, "Service Unavailable")
			},
			wantCalls: 1,
			check: func(t *testing.T, err error) {
				if le := wantErrorStatus(t, err, 503); le.RetryAfter != 120*time.Second {
					t.Fatalf("RetryAfter = %v, want 2m", le.RetryAfter)
				}
			},
		},
		{
			scenario: "member token echoed by LinkedIn never reaches the error",
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				liError(w, 401, 0, "token "+member+" expired")
			},
			wantCalls: 1,
			check: func(t *testing.T, err error) {
				if strings.Contains(err.Error(), member) {
					t.Fatalf("error %q contains the member token", err)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			c, up := newUpstream(t, func(n int, w http.ResponseWriter, r *http.Request) {
				// Every call is checked for what LinkedIn requires.
				switch {
				case r.Method != http.MethodGet:
					t.Errorf("method = %s", r.Method)
				case r.URL.EscapedPath() != "/v2/salesAccessTokens":
					t.Errorf("path = %s", r.URL.EscapedPath())
				case r.URL.RawQuery != "q=viewerAndDeveloperApp":
					t.Errorf("query = %s", r.URL.RawQuery)
				case r.Header.Get("Authorization") != "Bearer "+member:
					t.Errorf("Authorization = %q", r.Header.Get("Authorization"))
				case r.Header.Get("X-Restli-Protocol-Version") != "2.0.0":
					t.Errorf("X-Restli-Protocol-Version = %q", r.Header.Get("X-Restli-Protocol-Version"))
				}
				tt.handler(n, w, r)
			})
			got, err := c.SalesAccessToken(context.Background(), member)
			if calls := int(up.calls.Load()); calls != tt.wantCalls {
				t.Errorf("LinkedIn saw %d calls, want %d", calls, tt.wantCalls)
			}
			if tt.check != nil {
				if err == nil {
					t.Fatalf("got %+v, want an error", got)
				}
				tt.check(t, err)
				return
			}
			if err != nil {
				t.Fatalf("SalesAccessToken: %v", err)
			}
			if got.Token != tt.want.Token || !got.ExpiresAt.Equal(tt.want.ExpiresAt) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestSalesAccessTokenRefusesEmptyToken(t *testing.T) {
	tests := []struct {
		scenario string
		token    string
	}{
		{scenario: "empty member token is refused before calling LinkedIn", token: ""},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			c, up := newUpstream(t, func(n int, w http.ResponseWriter, r *http.Request) {})
			if _, err := c.SalesAccessToken(context.Background(), tt.token); err == nil {
				t.Fatal("want an error")
			}
			if up.calls.Load() != 0 {
				t.Fatalf("LinkedIn was called %d times", up.calls.Load())
			}
		})
	}
}
