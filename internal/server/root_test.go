package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/snapbridge/snapbridge/internal/wire"
)

// A newcomer opens the URL `make run` prints, http://127.0.0.1:8080/, in a
// browser: a page of links (demo CRM, operator page, stand-in, README
// sections) that needs no script. A program asking the same URL still gets
// the JSON 404 every unknown path answers.
func TestRootPageGuidesBrowsersAndAnswersJSONToPrograms(t *testing.T) {
	p := startSandboxProduct(t, t.TempDir(), freeAddr(t), "127.0.0.1:0", "127.0.0.1:0")
	for _, tc := range []struct {
		scenario string
		method   string
		headers  map[string]string
		wantPage bool
	}{
		{scenario: "a browser navigation", method: "GET", wantPage: true,
			headers: map[string]string{"Accept": "text/html,application/xhtml+xml,*/*;q=0.8", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}},
		{scenario: "a browser without fetch metadata", method: "GET", wantPage: true, headers: map[string]string{"Accept": "text/html"}},
		{scenario: "a link checker's HEAD", method: "HEAD", wantPage: true, headers: map[string]string{"Accept": "text/html"}},
		{scenario: "curl", method: "GET", headers: map[string]string{"Accept": "*/*"}},
		{scenario: "an API client", method: "GET", headers: map[string]string{"Accept": "application/json"}},
		{scenario: "a script's fetch", method: "GET", headers: map[string]string{"Accept": "text/html", "Sec-Fetch-Mode": "cors", "Sec-Fetch-Dest": "empty"}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, p.srv.URL+"/", nil)
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tc.headers {
				req.Header.Set(k, v)
			}
			resp, err := p.http.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			body := string(raw)
			if !tc.wantPage {
				var e wire.Error
				if resp.StatusCode != http.StatusNotFound || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") ||
					json.Unmarshal(raw, &e) != nil || e.Error.Code != "not_found" {
					t.Fatalf("%d %s %q, want the JSON 404 not_found", resp.StatusCode, resp.Header.Get("Content-Type"), body)
				}
				return
			}
			if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
				t.Fatalf("%d %s, want the page", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "script-src") {
				t.Errorf("Content-Security-Policy = %q, want no framing and no script", csp)
			}
			if tc.method == "HEAD" {
				if len(raw) != 0 {
					t.Errorf("HEAD answered a body of %d bytes", len(raw))
				}
				return
			}
			for _, want := range []string{
				`href="` + p.srv.DemoURL + `/"`, `href="/operator"`, `href="` + p.srv.SandboxURL + `/_sandbox/records?tenant=demo"`,
				"#quickstart", "#try-your-own-tenant-offline", "#embedding-the-widget-for-crm-administrators", "#operator-page",
				`<link rel="stylesheet" href="/web/admin.css">`, "var/operator.key",
			} {
				if !strings.Contains(body, want) {
					t.Errorf("the page lacks %s", want)
				}
			}
			if strings.Contains(body, "<script") {
				t.Error("the page needs a script")
			}
		})
	}
}
