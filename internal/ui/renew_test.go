//go:build !js

package ui

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestExpiredSessionIsRenewedAndTheCallSentAgain(t *testing.T) {
	tests := []struct {
		scenario   string
		renew      func(ctx context.Context) (string, error) // nil: no host page
		wantErr    problem
		wantRenews int
		wantCalls  int
	}{
		{scenario: "the host gives a fresh context: the call succeeds with the new session",
			renew: func(context.Context) (string, error) { return "new-session", nil }, wantRenews: 1, wantCalls: 2},
		{scenario: "the host cannot renew: the seller is told the view expired",
			renew: func(context.Context) (string, error) { return "", errors.New("no context") }, wantErr: problemExpired,
			wantRenews: 1, wantCalls: 1},
		{scenario: "a renewed session that is refused too is not renewed again",
			renew: func(context.Context) (string, error) { return "also-expired", nil }, wantErr: problemExpired,
			wantRenews: 1, wantCalls: 2},
		{scenario: "without a host page (plain iframe) the expiry is the answer", wantErr: problemExpired, wantCalls: 1},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			calls := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls++
				if r.Header.Get("Authorization") != "Bearer new-session" {
					w.WriteHeader(http.StatusUnauthorized)
					w.Write([]byte(`{"error":{"code":"session_expired","message":"the widget session has expired"}}`))
					return
				}
				w.Write([]byte(`{"associations":[{"recordId":"a","status":"matched"}]}`))
			}))
			t.Cleanup(srv.Close)
			c := NewClient(srv.URL, "old-session")
			renews := 0
			if tc.renew != nil {
				c.SetRenew(func(ctx context.Context) (string, error) { renews++; return tc.renew(ctx) })
			}
			_, err := c.Associations(context.Background(), []string{"a"}, false)
			if kind, _ := classify(err); kind != tc.wantErr {
				t.Fatalf("error kind = %v (%v), want %v", kind, err, tc.wantErr)
			}
			if renews != tc.wantRenews || calls != tc.wantCalls {
				t.Fatalf("%d renewals and %d calls, want %d and %d", renews, calls, tc.wantRenews, tc.wantCalls)
			}
		})
	}
}
