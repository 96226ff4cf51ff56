package problem

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/snapbridge/snapbridge/internal/wire"
)

func TestBrowsersGetThePageAndScriptsTheJSON(t *testing.T) {
	tests := []struct {
		scenario string
		path     string
		header   map[string]string
		page     bool
	}{
		{scenario: "iframe load", path: "/w/x/card", header: map[string]string{"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "iframe"}, page: true},
		{scenario: "top-level load", path: "/admin/x", header: map[string]string{"Sec-Fetch-Dest": "document", "Accept": "text/html"}, page: true},
		{scenario: "browser without fetch metadata", path: "/admin/x", header: map[string]string{"Accept": "text/html,*/*;q=0.8"}, page: true},
		{scenario: "fetch from a script, even accepting HTML", path: "/w/x/card", header: map[string]string{"Sec-Fetch-Mode": "cors", "Sec-Fetch-Dest": "empty", "Accept": "text/html"}},
		{scenario: "program", path: "/admin/x", header: map[string]string{"Accept": "application/json"}},
		{scenario: "no headers at all", path: "/admin/x"},
		{scenario: "the API stays JSON for a browser", path: "/api/v1/x", header: map[string]string{"Sec-Fetch-Mode": "navigate", "Accept": "text/html"}},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, tc.path, nil)
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			rec.Header().Set("X-Request-Id", "req-1")
			Write(rec, req, Answer{Status: http.StatusNotFound, Detail: wire.ErrorDetail{Code: "not_found", Message: "no such page"}})
			if rec.Code != http.StatusNotFound || rec.Header().Get("Cache-Control") != "no-store" || rec.Header().Get("X-Content-Type-Options") != "nosniff" {
				t.Fatalf("status %d headers %v", rec.Code, rec.Header())
			}
			if !tc.page {
				var e wire.Error
				if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" || json.Unmarshal(rec.Body.Bytes(), &e) != nil || e.Error.Code != "not_found" {
					t.Errorf("%s %s, want the JSON error", ct, rec.Body)
				}
				return
			}
			body := rec.Body.String()
			if ct := rec.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" ||
				!strings.Contains(body, "<code>not_found</code>") || !strings.Contains(body, "<code>req-1</code>") {
				t.Errorf("%s %s, want the page with the code and the request id", ct, body)
			}
			if rec.Header().Get("X-Frame-Options") != "DENY" || !strings.Contains(rec.Header().Get("Content-Security-Policy"), "frame-ancestors 'none'") {
				t.Errorf("a page without a tenant may be framed: %v", rec.Header())
			}
		})
	}
}

// The page's only style must be the one its CSP allows, or the seller
// sees an unstyled page.
func TestPageStyleMatchesItsHash(t *testing.T) {
	req := httptest.NewRequest(http.MethodGet, "/w/x/card", nil)
	req.Header.Set("Sec-Fetch-Mode", "navigate")
	rec := httptest.NewRecorder()
	Write(rec, req, Answer{Status: http.StatusNotFound, Detail: wire.ErrorDetail{Code: "unknown_tenant"}, Frame: AnyFrame})
	styles := regexp.MustCompile(`(?s)<style>(.*?)</style>`).FindAllStringSubmatch(rec.Body.String(), -1)
	if len(styles) != 1 {
		t.Fatalf("%d style elements", len(styles))
	}
	sum := sha256.Sum256([]byte(styles[0][1]))
	want := "style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	csp := rec.Header().Get("Content-Security-Policy")
	if !strings.Contains(csp, want) || !strings.Contains(csp, "frame-ancestors *") || rec.Header().Get("X-Frame-Options") != "" {
		t.Errorf("CSP %q, want %s and any framing", csp, want)
	}
}

func TestPageEscapesWhatItShows(t *testing.T) {
	req := httptest.NewRequest(http.MethodGet, "/admin/x", nil)
	req.Header.Set("Accept", "text/html")
	rec := httptest.NewRecorder()
	rec.Header().Set("X-Request-Id", `"><script>alert(1)</script>`)
	Write(rec, req, Answer{Status: http.StatusForbidden, Detail: wire.ErrorDetail{Code: "admin_required"},
		Title: "Administrators only", Text: "Signed in as <b>Mallory</b>", Frame: []string{"https://crm.example"}})
	body := rec.Body.String()
	if strings.Contains(body, "<script>") || strings.Contains(body, "<b>") || !strings.Contains(body, "&lt;b&gt;Mallory") {
		t.Errorf("unescaped:\n%s", body)
	}
	if !strings.Contains(rec.Header().Get("Content-Security-Policy"), "frame-ancestors https://crm.example") {
		t.Errorf("CSP %q, want the tenant's framing", rec.Header().Get("Content-Security-Policy"))
	}
}

func TestHeadGetsNoBody(t *testing.T) {
	for _, accept := range []string{"text/html", "application/json"} {
		req := httptest.NewRequest(http.MethodHead, "/w/x/card", nil)
		req.Header.Set("Accept", accept)
		rec := httptest.NewRecorder()
		Write(rec, req, Answer{Status: http.StatusNotFound, Detail: wire.ErrorDetail{Code: "not_found"}})
		if rec.Code != http.StatusNotFound || rec.Body.Len() != 0 {
			t.Errorf("%s: status %d, %d bytes", accept, rec.Code, rec.Body.Len())
		}
	}
}
