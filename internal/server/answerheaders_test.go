package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/snapbridge/snapbridge/internal/session"
)

// TestLookUpAnswerHeadersFollowTheCaller: a widget calling the API from
// another origin (a CRM page, a sandboxed frame's "null") may read the
// answer and its rate-limit headers; the widget calling its own origin
// sends no Origin and gets no CORS headers it has no use for. Every
// answer keeps nosniff, the refusal to be framed, the request id and the
// rate limit.
func TestLookUpAnswerHeadersFollowTheCaller(t *testing.T) {
	p := startBoth(t, nil)
	recs := benchRecords(p, 1)
	s := p.newSession("demo", "crm-user-origin", recs...)
	tests := []struct {
		scenario string
		origin   string // "" sends no Origin
		cors     bool
	}{
		{scenario: "a sandboxed frame", origin: "null", cors: true},
		{scenario: "a CRM page", origin: "https://crm.example", cors: true},
		{scenario: "the widget on its own origin", origin: "", cors: false},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			req, _ := http.NewRequest("GET", p.srv.URL+benchQuery(recs), nil)
			req.Header.Set("Authorization", "Bearer "+s.Token)
			if tc.origin != "" {
				req.Header.Set("Origin", tc.origin)
			}
			resp, err := p.http.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			h := resp.Header
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if h.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") ||
				h.Get("X-Request-Id") == "" || h.Get("X-RateLimit-Remaining") == "" {
				t.Errorf("headers %v lack nosniff, frame-ancestors 'none', the request id or the rate limit", h)
			}
			exposed := h.Get("Access-Control-Expose-Headers")
			gotCORS := h.Get("Access-Control-Allow-Origin") == "*" && strings.Contains(exposed, "X-RateLimit-Remaining") &&
				strings.Contains(exposed, "X-Request-Id")
			if gotCORS != tc.cors || (!tc.cors && (h.Get("Access-Control-Allow-Origin") != "" || exposed != "")) {
				t.Errorf("CORS headers %q / %q, want them: %v", h.Get("Access-Control-Allow-Origin"), exposed, tc.cors)
			}
			if h.Get("Access-Control-Allow-Credentials") != "" {
				t.Error("credentials allowed")
			}
			// Beyond 8 headers the response's header map grows (twice:
			// net/http copies it), the largest cost of a cached look-up.
			if set := len(h) - 2; !tc.cors && set > 8 { // Date and Content-Length are net/http's own
				t.Errorf("the widget's look-up answer sets %d headers, want at most 8: %v", set, h)
			}
		})
	}
}

// TestListViewAnswerComesWithItsLength: the answer for a list view of 50
// records (some 15 KB) is sent with Content-Length, not chunked, so a
// client knows its size and the server sends no closing chunk.
func TestListViewAnswerComesWithItsLength(t *testing.T) {
	p := startBoth(t, nil)
	recs := benchRecords(p, session.MaxRecords)
	s := p.newSession("demo", "crm-user-list", recs...)
	for _, scenario := range []string{"looked up", "cached"} {
		resp, body := p.do("GET", p.srv.URL+benchQuery(recs), s.Token, nil)
		if resp.StatusCode != http.StatusOK || len(body) < 4096 {
			t.Fatalf("%s: status %d, %d bytes", scenario, resp.StatusCode, len(body))
		}
		if resp.ContentLength != int64(len(body)) || len(resp.TransferEncoding) != 0 {
			t.Errorf("%s: Content-Length %d, Transfer-Encoding %v for %d bytes", scenario, resp.ContentLength, resp.TransferEncoding, len(body))
		}
	}
}
