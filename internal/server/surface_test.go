package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/admin"
	"github.com/snapbridge/snapbridge/internal/session"
	"github.com/snapbridge/snapbridge/internal/tenant"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// How a request is sent: by a script or program, or by a browser loading
// a page (a CRM iframe here).
const (
	byScript = false
	byPage   = true
)

// send sends a request without a body, as a browser navigation when page
// is set, and returns the answer and its body.
func (p *product) send(method, path string, page bool) (*http.Response, []byte) {
	p.t.Helper()
	req, err := http.NewRequest(method, p.srv.URL+path, nil)
	if err != nil {
		p.t.Fatal(err)
	}
	if page {
		req.Header.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
		req.Header.Set("Sec-Fetch-Mode", "navigate")
		req.Header.Set("Sec-Fetch-Dest", "iframe")
	} else {
		req.Header.Set("Accept", "application/json")
	}
	resp, err := p.http.Do(req)
	if err != nil {
		p.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

// frameAncestors returns the sources of a CSP's frame-ancestors directive.
func frameAncestors(csp string) []string {
	for _, d := range strings.Split(csp, ";") {
		if f := strings.Fields(d); len(f) > 0 && f[0] == "frame-ancestors" {
			return f[1:]
		}
	}
	return nil
}

// checkErrorAnswer checks an error answer: the HTML page with the code and
// request id for a page load outside /api/, else the JSON body; never
// Go's plain text; the headers every answer carries.
func checkErrorAnswer(t *testing.T, resp *http.Response, body []byte, page bool, path string, status int, code string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("status %d, want %d: %s", resp.StatusCode, status, body)
	}
	h := resp.Header
	id := h.Get("X-Request-Id")
	if id == "" || h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Content-Security-Policy") == "" {
		t.Errorf("headers lack the request id, nosniff or a CSP: %v", h)
	}
	if status == http.StatusMethodNotAllowed && h.Get("Allow") == "" {
		t.Error("a 405 without Allow")
	}
	if page && !strings.HasPrefix(path, "/api/") {
		if ct := h.Get("Content-Type"); ct != "text/html; charset=utf-8" {
			t.Fatalf("Content-Type %q, want the error page: %s", ct, body)
		}
		for _, want := range []string{"<h1>", "<code>" + code + "</code>", "<code>" + id + "</code>", `name="viewport"`} {
			if !strings.Contains(string(body), want) {
				t.Errorf("the error page lacks %q:\n%s", want, body)
			}
		}
		if strings.Contains(string(body), "<script") {
			t.Error("the error page runs a script")
		}
		return
	}
	if ct := h.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Fatalf("Content-Type %q, want JSON: %s", ct, body)
	}
	var e wire.Error
	if err := json.Unmarshal(body, &e); err != nil || e.Error.Code != code || e.Error.Message == "" {
		t.Errorf("body %s (%v), want the JSON error with code %s", body, err, code)
	}
}

// TestNoPathOrMethodAnswersGoDefaultText walks every surface of the server
// with unknown paths and wrong methods: each answer is our JSON error, or
// our error page when a browser loads it, never "404 page not found".
func TestNoPathOrMethodAnswersGoDefaultText(t *testing.T) {
	p := startBoth(t, nil)
	tests := []struct {
		scenario string
		method   string
		path     string
		page     bool
		status   int
		code     string
	}{
		{"unknown path under a console", "GET", "/admin/demo/x", byScript, 404, "not_found"},
		{"unknown path under a console, in the CRM", "GET", "/admin/demo/x", byPage, 404, "not_found"},
		{"POST to a console", "POST", "/admin/demo", byScript, 405, "method_not_allowed"},
		{"DELETE of a console, in the CRM", "DELETE", "/admin/demo", byPage, 405, "method_not_allowed"},
		{"GET of a download link", "GET", "/admin/demo/exports/1/link", byScript, 405, "method_not_allowed"},
		{"download link without a session", "POST", "/admin/demo/exports/1/link", byScript, 401, "session_required"},
		{"unknown API path", "GET", "/api/v1/nope", byScript, 404, "not_found"},
		{"unknown API path stays JSON in a browser", "GET", "/api/v1/nope", byPage, 404, "not_found"},
		{"wrong method on an API route", "PATCH", "/api/v1/sessions", byScript, 405, "method_not_allowed"},
		{"unknown widget path", "GET", "/w/demo/nope", byScript, 404, "not_found"},
		{"unknown widget path, in the CRM", "GET", "/w/demo/nope", byPage, 404, "not_found"},
		{"PUT to a widget page", "PUT", "/w/demo/card", byScript, 405, "method_not_allowed"},
		{"POST to a widget list, in the CRM", "POST", "/w/demo/list", byPage, 405, "method_not_allowed"},
		{"unknown operator path", "GET", "/operator/x", byPage, 404, "not_found"},
		{"POST to the operator page", "POST", "/operator", byScript, 405, "method_not_allowed"},
		{"a path under embed.js", "GET", "/embed.js/x", byScript, 404, "not_found"},
		{"POST to embed.js", "POST", "/embed.js", byScript, 405, "method_not_allowed"},
		{"a missing static file", "GET", "/web/nope.css", byScript, 404, "not_found"},
		{"a missing static file, in a browser", "GET", "/web/nope.css", byPage, 404, "not_found"},
		{"a path under a console asset", "GET", "/web/admin.js/x", byScript, 404, "not_found"},
		{"DELETE of a console asset", "DELETE", "/web/admin.css", byScript, 405, "method_not_allowed"},
		{"POST to the operator script", "POST", "/web/operator.js", byScript, 405, "method_not_allowed"},
		{"DELETE of the health check", "DELETE", "/healthz", byScript, 405, "method_not_allowed"},
		{"POST to the readiness check", "POST", "/readyz", byScript, 405, "method_not_allowed"},
		{"a trailing slash is not redirected", "GET", "/healthz/", byScript, 404, "not_found"},
		{"a trailing slash, in a browser", "GET", "/operator/", byPage, 404, "not_found"},
		{"unknown OAuth path, in the popup", "GET", "/oauth/nope", byPage, 404, "not_found"},
		{"POST to the OAuth start", "POST", "/oauth/linkedin/start", byScript, 405, "method_not_allowed"},
		{"the root, by a script (a browser gets the root page)", "GET", "/", byScript, 404, "not_found"},
		{"POST to the root", "POST", "/", byPage, 405, "method_not_allowed"},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			p := p.with(t)
			resp, body := p.send(tc.method, tc.path, tc.page)
			if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
				t.Fatalf("Go's default text: %s", body)
			}
			checkErrorAnswer(t, resp, body, tc.page, tc.path, tc.status, tc.code)
		})
	}
}

// TestSellerInTheCRMSeesAnErrorPage: a CRM iframe pointing at an unknown
// tenant, or a console link with a context snapbridge refuses, shows a page
// saying what is wrong and whom to tell, not raw JSON; scripts still get JSON.
func TestSellerInTheCRMSeesAnErrorPage(t *testing.T) {
	p := startBoth(t, nil)
	demoOrigins := p.tenant("demo").AllowedOrigins
	seller := p.signedContext("demo", "u-page", p.demoRecords("demo", "matched")[0])
	tests := []struct {
		scenario string
		path     string
		page     bool
		status   int
		code     string
		says     string
		frame    []string
	}{
		{scenario: "widget of an unknown tenant", path: "/w/nosuch-crm/card?ctx=x", page: byPage,
			status: 404, code: "unknown_tenant", says: "This CRM is not set up for snapbridge yet", frame: []string{"*"}},
		{scenario: "widget list of an unknown tenant", path: "/w/nosuch-crm/list", page: byPage,
			status: 404, code: "unknown_tenant", says: "Tell your CRM administrator", frame: []string{"*"}},
		{scenario: "the widget's script asking about an unknown tenant", path: "/w/nosuch-crm/card", page: byScript,
			status: 404, code: "unknown_tenant"},
		{scenario: "console of an unknown tenant", path: "/admin/nosuch-crm?ctx=x", page: byPage,
			status: 404, code: "unknown_tenant", says: "This CRM is not set up for snapbridge yet", frame: []string{"*"}},
		{scenario: "console with a broken context", path: "/admin/demo?ctx=not.a.context", page: byPage,
			status: 401, code: session.CodeContextInvalid, says: "sign-in was not accepted", frame: demoOrigins},
		{scenario: "console with a seller's context", path: "/admin/demo?ctx=" + url.QueryEscape(seller), page: byPage,
			status: 403, code: "admin_required", says: "Administrators only", frame: demoOrigins},
		{scenario: "a program asking for the console with a broken context", path: "/admin/demo?ctx=not.a.context", page: byScript,
			status: 401, code: session.CodeContextInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			p := p.with(t)
			resp, body := p.send("GET", tc.path, tc.page)
			checkErrorAnswer(t, resp, body, tc.page, tc.path, tc.status, tc.code)
			if !tc.page {
				return
			}
			if !strings.Contains(string(body), tc.says) {
				t.Errorf("the page does not say %q:\n%s", tc.says, body)
			}
			if strings.Contains(string(body), "nosuch-crm") || strings.Contains(string(body), "not.a.context") {
				t.Errorf("the page repeats what the link said:\n%s", body)
			}
			if got := frameAncestors(resp.Header.Get("Content-Security-Policy")); !slices.Equal(got, tc.frame) {
				t.Errorf("frame-ancestors %v, want %v", got, tc.frame)
			}
			if resp.Header.Get("X-Frame-Options") != "" {
				t.Errorf("X-Frame-Options %q keeps the CRM from showing the page", resp.Header.Get("X-Frame-Options"))
			}
		})
	}
	// A known tenant's widget with a broken context is the widget's own
	// page, whose error card names the code to quote, sent as a 401.
	t.Run("widget with a broken context", func(t *testing.T) {
		p := p.with(t)
		resp, body := p.send("GET", "/w/demo/card?ctx=not.a.context", byPage)
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(body), "Error code: "+session.CodeContextInvalid) {
			t.Errorf("status %d, the card does not name the code:\n%.2000s", resp.StatusCode, body)
		}
		if got := frameAncestors(resp.Header.Get("Content-Security-Policy")); !slices.Equal(got, demoOrigins) {
			t.Errorf("frame-ancestors %v, want %v", got, demoOrigins)
		}
	})
	// A script fetching the same URL is no seller: it gets the JSON error.
	t.Run("widget with a broken context, fetched by a script", func(t *testing.T) {
		p := p.with(t)
		resp, body := p.send("GET", "/w/demo/card?ctx=not.a.context", !byPage)
		var e wire.Error
		if resp.StatusCode != http.StatusUnauthorized || json.Unmarshal(body, &e) != nil || e.Error.Code != session.CodeContextInvalid {
			t.Errorf("status %d %q, want 401 JSON context_invalid: %.500s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
	})
}

// oneTimeValues counts the stored connect handles and OAuth states.
func (p *product) oneTimeValues() int {
	p.t.Helper()
	return countRows(p.t, p.srv.Config, `SELECT count(*) FROM oauth_states`)
}

// TestHeadAnswersLikeGetAndChangesNothing: link checkers and proxies send
// HEAD. It answers where GET does, with GET's headers and no body, and
// spends nothing: the console link and the widget still open, the connect
// link still leads to LinkedIn, no OAuth state is stored.
func TestHeadAnswersLikeGetAndChangesNothing(t *testing.T) {
	p := startBoth(t, nil)
	rec := p.demoRecords("demo", "matched")[0]
	var nc wire.Error
	p.call("POST", "/api/v1/sales-access-token", p.newSession("demo", "u-head", rec).Token, nil, http.StatusConflict, &nc)
	connect, err := url.Parse(nc.Error.ConnectURL)
	if err != nil || nc.Error.ConnectURL == "" {
		t.Fatalf("connect URL %q: %v", nc.Error.ConnectURL, err)
	}
	adminCtx, err := session.SignContext(p.tenant("demo"), session.ContextClaims{
		Viewer: wire.Viewer{ID: "ada", Name: "Ada Admin"}, Records: []wire.Record{rec}, Roles: []string{session.RoleAdmin},
	}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	sellerCtx := p.signedContext("demo", "u-head-widget", rec)

	tests := []struct {
		scenario string
		path     string
		ctype    string
		// afterwards does what GET is for, and must still work.
		afterwards func(p *product)
	}{
		{scenario: "health check", path: "/healthz", ctype: "application/json; charset=utf-8"},
		{scenario: "readiness check", path: "/readyz", ctype: "application/json; charset=utf-8"},
		{scenario: "operator page", path: "/operator", ctype: "text/html; charset=utf-8"},
		{scenario: "console script", path: "/web/admin.js", ctype: "text/javascript; charset=utf-8"},
		{scenario: "embed script", path: "/embed.js", ctype: "text/javascript; charset=utf-8"},
		{scenario: "connect link", path: connect.RequestURI(), ctype: "text/html; charset=utf-8",
			afterwards: func(p *product) {
				resp, _ := p.send("GET", connect.RequestURI(), byPage)
				if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), p.li.URL+"/oauth/v2/authorization") {
					p.t.Errorf("after HEAD the connect link answers %d to %q", resp.StatusCode, resp.Header.Get("Location"))
				}
			}},
		{scenario: "console link", path: "/admin/demo?ctx=" + url.QueryEscape(adminCtx), ctype: "text/html; charset=utf-8",
			afterwards: func(p *product) {
				resp, body := p.send("GET", "/admin/demo?ctx="+url.QueryEscape(adminCtx), byPage)
				if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "data-session=") {
					p.t.Errorf("after HEAD the console link answers %d:\n%.300s", resp.StatusCode, body)
				}
			}},
		{scenario: "widget page", path: "/w/demo/card?ctx=" + url.QueryEscape(sellerCtx), ctype: "text/html; charset=utf-8",
			afterwards: func(p *product) {
				p.call("POST", "/api/v1/sessions", "", wire.SessionRequest{Ctx: sellerCtx}, http.StatusCreated, nil)
			}},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			p := p.with(t)
			stored := p.oneTimeValues()
			resp, body := p.send("HEAD", tc.path, byPage)
			if resp.StatusCode != http.StatusOK || len(body) != 0 {
				t.Fatalf("HEAD: status %d, %d bytes of body", resp.StatusCode, len(body))
			}
			if ct := resp.Header.Get("Content-Type"); ct != tc.ctype {
				t.Errorf("HEAD: Content-Type %q, want %q", ct, tc.ctype)
			}
			if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Content-Security-Policy") == "" {
				t.Errorf("HEAD lacks the security headers: %v", resp.Header)
			}
			if n := p.oneTimeValues(); n != stored {
				t.Errorf("HEAD changed the stored one-time values from %d to %d", stored, n)
			}
			if tc.afterwards != nil {
				tc.afterwards(p)
			} else if get, _ := p.send("GET", tc.path, byPage); get.StatusCode != resp.StatusCode {
				t.Errorf("GET answers %d, HEAD %d", get.StatusCode, resp.StatusCode)
			}
		})
	}
}

// TestWidgetIsFramedByExactlyTheTenantsOrigins: the widget page lets the
// tenant's CRM origins frame it, all of them and nothing else, and follows
// the admin's edit of the origins from the next page on.
func TestWidgetIsFramedByExactlyTheTenantsOrigins(t *testing.T) {
	const second = "https://second.crm.example"
	p := startBoth(t, func(tn *tenant.Tenant) {
		if tn.ID == "demo" {
			tn.AllowedOrigins = append(tn.AllowedOrigins, second)
		}
	})
	rec := p.demoRecords("demo", "matched")[0]
	pageFrame := func() []string {
		resp, body := p.send("GET", "/w/demo/card?ctx="+url.QueryEscape(p.signedContext("demo", "u-frame", rec)), byPage)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("widget page: status %d: %.300s", resp.StatusCode, body)
		}
		if resp.Header.Get("X-Frame-Options") != "" {
			t.Errorf("X-Frame-Options %q on the widget page", resp.Header.Get("X-Frame-Options"))
		}
		got := frameAncestors(resp.Header.Get("Content-Security-Policy"))
		slices.Sort(got)
		return got
	}
	want := slices.Sorted(slices.Values([]string{p.tenant("demo").AllowedOrigins[0], second}))
	if got := pageFrame(); !slices.Equal(got, want) {
		t.Fatalf("frame-ancestors %v, want exactly %v", got, want)
	}

	demo := p.tenant("demo")
	edit := p.tenantSpec("demo", "")
	edit.ID, edit.Name = "", demo.Name
	edit.AllowedOrigins = []string{"https://new.crm.example", "https://other.crm.example:8443"}
	edit.CRM, edit.LinkedIn.ClientID = demo.CRM, demo.LinkedIn.ClientID
	edit.Context = admin.ContextSpec{Issuer: demo.Context.Issuer}
	p.call("PUT", "/api/v1/admin/tenants/demo", testOperatorKey, edit, http.StatusOK, nil)
	if got := pageFrame(); !slices.Equal(got, edit.AllowedOrigins) {
		t.Fatalf("after the edit frame-ancestors %v, want exactly %v", got, edit.AllowedOrigins)
	}
	// The widget's error pages show in the same iframe.
	resp, _ := p.send("GET", "/w/demo/nope", byPage)
	if got := frameAncestors(resp.Header.Get("Content-Security-Policy")); !slices.Equal(got, edit.AllowedOrigins) {
		t.Errorf("the widget's error page: frame-ancestors %v, want %v", got, edit.AllowedOrigins)
	}
}

// TestHeadOnTheAPIReadsNothing: the API is for scripts; a HEAD there would
// still do what its GET does (write a download to the audit log, stream
// an archive, spend look-ups), so it is refused like any method a route
// does not take, and leaves no trace.
func TestHeadOnTheAPIReadsNothing(t *testing.T) {
	p := startBoth(t, nil)
	s := p.newSession("demo", "head-seller", p.demoRecords("demo", "matched")[0])
	auditCount := func() int {
		var audit struct {
			Entries []json.RawMessage `json:"entries"`
		}
		p.call("GET", "/api/v1/admin/tenants/demo/audit?limit=500", testOperatorKey, nil, http.StatusOK, &audit)
		return len(audit.Entries)
	}
	before := auditCount()
	p.li.ResetStats()
	for _, tc := range []struct{ scenario, path, token string }{
		{"compliance archive", "/api/v1/admin/tenants/demo/compliance/archive", testOperatorKey},
		{"export download", "/api/v1/admin/tenants/demo/exports/1/download", testOperatorKey},
		{"forced look-up", "/api/v1/associations?forceRefresh=true", s.Token},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			resp, _ := p.with(t).do("HEAD", p.srv.URL+tc.path, tc.token, nil)
			if resp.StatusCode != http.StatusMethodNotAllowed {
				t.Errorf("HEAD %s: status %d, want 405", tc.path, resp.StatusCode)
			}
		})
	}
	if after := auditCount(); after != before {
		t.Errorf("HEAD requests wrote %d audit entries", after-before)
	}
	if n := p.li.Stats()["profileAssociations.batch"] + p.li.Stats()["profileAssociations.get"]; n != 0 {
		t.Errorf("a HEAD look-up made %d LinkedIn calls", n)
	}
}
