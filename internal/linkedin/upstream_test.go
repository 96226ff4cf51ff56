package linkedin

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// upstream is a loopback server standing in for LinkedIn in one test: it
// counts calls and hands each one, numbered from 1, to the test's handler.
type upstream struct {
	calls atomic.Int32
	srv   *httptest.Server
}

// newUpstream starts an upstream and a Client pointed at it, with a short
// per-attempt timeout so timeout tests stay fast.
func newUpstream(t *testing.T, h func(n int, w http.ResponseWriter, r *http.Request)) (*Client, *upstream) {
	t.Helper()
	u := &upstream{}
	u.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h(int(u.calls.Add(1)), w, r)
	}))
	t.Cleanup(u.srv.Close)
	c := New(Config{
		APIBase:  u.srv.URL + "/v2",
		AuthURL:  u.srv.URL + "/oauth/v2/authorization",
		TokenURL: u.srv.URL + "/oauth/v2/accessToken",
		Timeout:  2 * time.Second,
	})
	return c, u
}

// writeJSON answers v with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// liError answers LinkedIn's error body.
func liError(w http.ResponseWriter, status, code int, msg string) {
	body := map[string]any{"status": status, "message": msg}
	if code != 0 {
		body["serviceErrorCode"] = code
	}
	writeJSON(w, status, body)
}

// wantErrorStatus checks err is an *Error with the given HTTP status.
func wantErrorStatus(t *testing.T, err error, status int) *Error {
	t.Helper()
	le, ok := AsError(err)
	if !ok {
		t.Fatalf("error %v is not a *linkedin.Error", err)
	}
	if le.Status != status {
		t.Fatalf("status = %d, want %d (%v)", le.Status, status, err)
	}
	return le
}
