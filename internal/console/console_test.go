package console_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/admin"
	"github.com/snapbridge/snapbridge/internal/console"
	"github.com/snapbridge/snapbridge/internal/exports"
	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/session"
	"github.com/snapbridge/snapbridge/internal/store"
	"github.com/snapbridge/snapbridge/internal/store/sqlite"
	"github.com/snapbridge/snapbridge/internal/tenant"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// fixture is a console over two tenants with the real context verifier
// (backed by SQLite for replay) and the real session issuer.
type fixture struct {
	registry *tenant.Registry
	issuer   *session.Issuer
	verifier *session.ContextVerifier
	db       *sqlite.DB
	handler  *console.Console
}

// links is a stand-in for the export service's download links: analytics
// and validation export 1 are completed (the validation one with two
// files), export 2 still running, anything else unknown.
type links struct{}

func (links) Analytics(_ context.Context, tenantID string, id int64) (store.AnalyticsExport, error) {
	switch id {
	case 1, 2:
		return store.AnalyticsExport{ID: id, Tenant: tenantID, Viewer: "seller-7", Contract: "urn:li:contract:1", Action: linkedin.ExportSeatData,
			StartAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), EndAt: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)}, nil
	default:
		return store.AnalyticsExport{}, fmt.Errorf("export %d: %w", id, exports.ErrNotFound)
	}
}

func (links) DownloadURL(_ context.Context, t *tenant.Tenant, id int64) (string, error) {
	switch id {
	case 1:
		return "https://files.example/" + t.ID + "/1.csv", nil
	case 2:
		return "", fmt.Errorf("download export 2: %w", exports.ErrNotReady)
	default:
		return "", fmt.Errorf("export %d: %w", id, exports.ErrNotFound)
	}
}

func (links) ValidationDownloadURL(_ context.Context, tenantID string, id int64, n int) (store.ValidationExport, string, error) {
	j := store.ValidationExport{ID: id, Tenant: tenantID, ExportStartAt: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
		DownloadURLs: []string{"https://files.example/" + tenantID + "/v1.csv", "https://files.example/" + tenantID + "/v2.csv"}}
	switch {
	case id == 2:
		return j, "", fmt.Errorf("download validation export 2: %w", exports.ErrNotReady)
	case id != 1:
		return j, "", fmt.Errorf("validation export %d: %w", id, exports.ErrNotFound)
	case n < 1 || n > len(j.DownloadURLs):
		return j, "", &exports.FieldError{Field: "file", Message: "must be a number from 1 to 2"}
	}
	return j, j.DownloadURLs[n-1], nil
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	reg, err := tenant.NewRegistry([]tenant.Tenant{testTenant("acme"), testTenant("globex")})
	if err != nil {
		t.Fatalf("NewRegistry: %v", err)
	}
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "snapbridge.db"))
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatalf("generate key: %v", err)
	}
	f := &fixture{registry: reg, issuer: session.NewIssuer(key, 15*time.Minute, db, time.Now), db: db,
		verifier: session.NewContextVerifier(reg, db, time.Now)}
	f.handler = console.New(console.Config{Tenants: reg, Contexts: f.verifier,
		Sessions: f.issuer, Links: links{}, Audit: admin.New(admin.Deps{Store: db, Tenants: reg})})
	return f
}

func testTenant(id string) tenant.Tenant {
	return tenant.Tenant{
		ID: id, Name: strings.ToUpper(id[:1]) + id[1:] + " Inc",
		LinkedIn:       tenant.LinkedInApp{ClientID: id + "-client", ClientSecret: id + "-client-secret"},
		CRM:            tenant.CRM{Partner: "MS", InstanceID: id + ".crm.dynamics.com", SourceType: "MSD", Type: "DYNAMICS"},
		AllowedOrigins: []string{"https://crm." + id + ".example"},
		Context: tenant.ContextPolicy{Issuer: "https://crm." + id + ".example",
			Keys: []tenant.ContextKey{{ID: "hs-1", Alg: "HS256", Secret: id + "-secret-0123456789abcdefghijklmnop"}}},
	}
}

// sign returns a context of tenant id for viewer with roles.
func (f *fixture) sign(t *testing.T, id string, roles ...string) string {
	t.Helper()
	tn, _ := f.registry.Get(id)
	raw, err := session.SignContext(tn, session.ContextClaims{
		Viewer:  wire.Viewer{ID: "admin-1", Name: "Ada Admin"},
		Records: []wire.Record{{ID: "c-001", Type: "contact"}},
		Roles:   roles,
	}, time.Now())
	if err != nil {
		t.Fatalf("sign context: %v", err)
	}
	return raw
}

// session returns a console session token of tenant id with roles.
func (f *fixture) session(t *testing.T, id string, roles ...string) string {
	t.Helper()
	hc, err := f.verifier.Verify(context.Background(), f.sign(t, id, roles...))
	if err != nil {
		t.Fatalf("verify context: %v", err)
	}
	tok, _, err := f.issuer.Issue(hc)
	if err != nil {
		t.Fatalf("issue session: %v", err)
	}
	return tok
}

func (f *fixture) do(method, target, bearer string) *httptest.ResponseRecorder {
	return f.send(httptest.NewRequest(method, target, nil), bearer)
}

// navigate loads target as a browser does a page.
func (f *fixture) navigate(method, target string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, nil)
	req.Header.Set("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
	req.Header.Set("Sec-Fetch-Mode", "navigate")
	req.Header.Set("Sec-Fetch-Dest", "iframe")
	return f.send(req, "")
}

func (f *fixture) send(req *http.Request, bearer string) *httptest.ResponseRecorder {
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	rec := httptest.NewRecorder()
	f.handler.ServeHTTP(rec, req)
	return rec
}

func TestAdminOpensConsole(t *testing.T) {
	f := newFixture(t)
	replayed := f.sign(t, "acme", session.RoleAdmin)
	if rec := f.navigate(http.MethodGet, "/admin/acme?ctx="+url.QueryEscape(replayed)); rec.Code != http.StatusOK {
		t.Fatalf("first use of the context: status %d", rec.Code)
	}
	tests := []struct {
		scenario string
		target   func() string
		method   string
		status   int
		want     []string
	}{
		{scenario: "admin of the tenant gets the console with a session",
			target: func() string { return "/admin/acme?ctx=" + url.QueryEscape(f.sign(t, "acme", session.RoleAdmin)) },
			status: http.StatusOK,
			want: []string{`data-session="ey`, `data-api="/api/v1/admin/tenants/acme"`, `data-links="/admin/acme/exports/"`, `data-validation-links="/admin/acme/validation-exports/"`, `<script src="/web/admin.js" defer>`, "Acme Inc", "Analytics exports", "Compliance archive", `Signed in as <span id="viewer-name">Ada Admin</span>`,
				`id="settings-form"`, `<label for="set-client-secret">New client secret</label>`, "Context keys", "add the new key, switch the CRM to sign with it, then remove the old one"}},
		{scenario: "viewer without the admin role is told why",
			target: func() string { return "/admin/acme?ctx=" + url.QueryEscape(f.sign(t, "acme")) },
			status: http.StatusForbidden, want: []string{"Administrators only", "Ada Admin (admin-1)", "without the admin role for Acme Inc"}},
		{scenario: "admin context of another tenant is refused",
			target: func() string { return "/admin/acme?ctx=" + url.QueryEscape(f.sign(t, "globex", session.RoleAdmin)) },
			status: http.StatusUnauthorized, want: []string{"sign-in was not accepted", "context_invalid"}},
		{scenario: "a context used once is refused the second time",
			target: func() string { return "/admin/acme?ctx=" + url.QueryEscape(replayed) },
			status: http.StatusUnauthorized, want: []string{"This link has expired", "context_replayed"}},
		{scenario: "a forged context is refused",
			target: func() string { return "/admin/acme?ctx=eyJhbGciOiJIUzI1NiJ9.e30.AAAA" },
			status: http.StatusUnauthorized, want: []string{"sign-in was not accepted"}},
		{scenario: "no context says to open the console from the CRM",
			target: func() string { return "/admin/acme" },
			status: http.StatusBadRequest, want: []string{"Open the console from your CRM"}},
		{scenario: "a reload gets the page without a session, to take the one admin.js kept",
			target: func() string { return "/admin/acme?resume" },
			status: http.StatusOK, want: []string{`data-session=""`, `data-api="/api/v1/admin/tenants/acme"`, `<script src="/web/admin.js" defer>`, "Acme Inc",
				`id="session-missing"`}},
		{scenario: "unknown tenant",
			target: func() string { return "/admin/nosuch?ctx=x" },
			status: http.StatusNotFound, want: []string{"No such tenant", "unknown_tenant"}},
		{scenario: "the page only answers GET",
			target: func() string { return "/admin/acme" }, method: http.MethodPost,
			status: http.StatusMethodNotAllowed},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			method := tc.method
			if method == "" {
				method = http.MethodGet
			}
			rec := f.navigate(method, tc.target())
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d; body:\n%s", rec.Code, tc.status, rec.Body)
			}
			for _, w := range tc.want {
				if !strings.Contains(rec.Body.String(), w) {
					t.Errorf("page lacks %q:\n%s", w, rec.Body)
				}
			}
			if method != http.MethodGet {
				return
			}
			h := rec.Header()
			if got := h.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control %q, want no-store", got)
			}
			csp := h.Get("Content-Security-Policy")
			wantAncestors, wantScripts := "frame-ancestors https://crm.acme.example", "script-src 'self'"
			if tc.status == http.StatusNotFound {
				// Fixed words only, so the unknown tenant's CRM may show them.
				wantAncestors = "frame-ancestors *"
				if strings.Contains(rec.Body.String(), "nosuch") {
					t.Error("the page repeats the tenant id of the link")
				}
			}
			if tc.status != http.StatusOK {
				wantScripts = "default-src 'none'" // the error page runs no script
			}
			if !strings.Contains(csp, wantAncestors) || !strings.Contains(csp, wantScripts) || strings.Contains(csp, "unsafe-inline") {
				t.Errorf("CSP %q: want %s and %s", csp, wantAncestors, wantScripts)
			}
			if ct := h.Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("Content-Type %q, want the HTML page", ct)
			}
			if strings.Contains(rec.Body.String(), "<script>") {
				t.Error("page carries an inline script, which the CSP would block")
			}
		})
	}
}

// TestConsoleDownloadLink: the console's Download and "File n" buttons get
// the file's link, each written to the audit log as the console's viewer
// with the same action and detail as the admin API's download routes.
func TestConsoleDownloadLink(t *testing.T) {
	f := newFixture(t)
	admin := f.session(t, "acme", session.RoleAdmin)
	const analyticsDetail = "analytics export 1 of viewer seller-7: seat of urn:li:contract:1, from 2026-01-01T00:00:00Z to 2026-02-01T00:00:00Z"
	tests := []struct {
		scenario string
		path     string
		bearer   string
		status   int
		code     string
		field    string
		url      string
		// action and detail of the audit entry the link leaves; none without.
		action, detail string
	}{
		{scenario: "completed export gives its file link", path: "/admin/acme/exports/1/link", bearer: admin,
			status: http.StatusOK, url: "https://files.example/acme/1.csv", action: "export.download", detail: analyticsDetail},
		{scenario: "running export has nothing to download yet", path: "/admin/acme/exports/2/link", bearer: admin,
			status: http.StatusConflict, code: "export_not_ready"},
		{scenario: "unknown export", path: "/admin/acme/exports/9/link", bearer: admin,
			status: http.StatusNotFound, code: "export_not_found"},
		{scenario: "id that is not a number", path: "/admin/acme/exports/x1/link", bearer: admin,
			status: http.StatusBadRequest, code: "invalid_id"},
		{scenario: "no session", path: "/admin/acme/exports/1/link",
			status: http.StatusUnauthorized, code: "session_required"},
		{scenario: "garbage session", path: "/admin/acme/exports/1/link", bearer: "not-a-token",
			status: http.StatusUnauthorized, code: "session_invalid"},
		{scenario: "session without the admin role", path: "/admin/acme/exports/1/link", bearer: f.session(t, "acme"),
			status: http.StatusForbidden, code: "admin_required"},
		{scenario: "admin of another tenant", path: "/admin/acme/exports/1/link", bearer: f.session(t, "globex", session.RoleAdmin),
			status: http.StatusForbidden, code: "tenant_forbidden"},
		{scenario: "validation export file 2", path: "/admin/acme/validation-exports/1/link?file=2", bearer: admin,
			status: http.StatusOK, url: "https://files.example/acme/v2.csv", action: "validation_export.download",
			detail: "CRM data validation export 1, file 2 of 2, from 2026-03-01T00:00:00Z to now"},
		{scenario: "validation export without a file number gives file 1", path: "/admin/acme/validation-exports/1/link", bearer: admin,
			status: http.StatusOK, url: "https://files.example/acme/v1.csv", action: "validation_export.download",
			detail: "CRM data validation export 1, file 1 of 2, from 2026-03-01T00:00:00Z to now"},
		{scenario: "validation export file it does not have", path: "/admin/acme/validation-exports/1/link?file=3", bearer: admin,
			status: http.StatusBadRequest, code: "invalid_field", field: "file"},
		{scenario: "validation export file that is not a number", path: "/admin/acme/validation-exports/1/link?file=one", bearer: admin,
			status: http.StatusBadRequest, code: "invalid_field", field: "file"},
		{scenario: "validation export file given twice", path: "/admin/acme/validation-exports/1/link?file=1&file=2", bearer: admin,
			status: http.StatusBadRequest, code: "invalid_field", field: "file"},
		{scenario: "running validation export", path: "/admin/acme/validation-exports/2/link", bearer: admin,
			status: http.StatusConflict, code: "export_not_ready"},
		{scenario: "unknown validation export", path: "/admin/acme/validation-exports/9/link", bearer: admin,
			status: http.StatusNotFound, code: "export_not_found"},
		{scenario: "validation export of another tenant's admin", path: "/admin/acme/validation-exports/1/link", bearer: f.session(t, "globex", session.RoleAdmin),
			status: http.StatusForbidden, code: "tenant_forbidden"},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			before := f.audit(t)
			rec := f.do(http.MethodPost, tc.path, tc.bearer)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d; body %s", rec.Code, tc.status, rec.Body)
			}
			var body struct {
				URL   string           `json:"url"`
				Error wire.ErrorDetail `json:"error"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatalf("answer is not JSON: %v: %s", err, rec.Body)
			}
			if body.URL != tc.url || body.Error.Code != tc.code || body.Error.Field != tc.field {
				t.Errorf("answer url %q code %q field %q, want %q %q %q", body.URL, body.Error.Code, body.Error.Field, tc.url, tc.code, tc.field)
			}
			if tc.code != "" && body.Error.Message == "" {
				t.Error("error without a message")
			}
			if got := rec.Header().Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control %q, want no-store", got)
			}
			added := f.audit(t)[len(before):]
			switch {
			case tc.action == "" && len(added) > 0:
				t.Errorf("a refused link left audit entries %+v", added)
			case tc.action != "" && len(added) != 1:
				t.Fatalf("audit entries %+v, want one %s", added, tc.action)
			case tc.action != "":
				e := added[0]
				if e.Tenant != "acme" || e.Actor != "viewer:admin-1" || e.Action != tc.action || e.Detail != tc.detail {
					t.Errorf("audit entry %+v, want acme viewer:admin-1 %s %q", e, tc.action, tc.detail)
				}
			}
		})
	}
	for _, path := range []string{"/admin/acme/exports/1/link", "/admin/acme/validation-exports/1/link"} {
		if rec := f.do(http.MethodGet, path, admin); rec.Code != http.StatusMethodNotAllowed {
			t.Errorf("GET of %s: status %d, want 405", path, rec.Code)
		}
	}
}

// TestConsoleRefusesDownloadLinkItCannotAudit: when the audit log cannot
// be written the console gives no link, so no file leaves untraced.
func TestConsoleRefusesDownloadLinkItCannotAudit(t *testing.T) {
	f := newFixture(t)
	admin := f.session(t, "acme", session.RoleAdmin)
	f.db.Close()
	for _, path := range []string{"/admin/acme/exports/1/link", "/admin/acme/validation-exports/1/link?file=1"} {
		t.Run(path, func(t *testing.T) {
			rec := f.do(http.MethodPost, path, admin)
			if rec.Code != http.StatusInternalServerError || strings.Contains(rec.Body.String(), "files.example") {
				t.Fatalf("status %d body %s, want 500 without the link", rec.Code, rec.Body)
			}
			var body struct{ Error wire.ErrorDetail }
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Error.Code != "internal" || !strings.Contains(body.Error.Message, "audit log") {
				t.Errorf("answer %s (%v), want code internal naming the audit log", rec.Body, err)
			}
		})
	}
}

// audit returns acme's audit log, oldest first.
func (f *fixture) audit(t *testing.T) []store.AuditEntry {
	t.Helper()
	entries, err := f.db.Audit(context.Background(), "acme", 0)
	if err != nil {
		t.Fatalf("read audit log: %v", err)
	}
	slices.Reverse(entries)
	return entries
}

func TestConsoleAssets(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		scenario, path, ctype, contains string
		status                          int
	}{
		{"script", "/web/admin.js", "text/javascript; charset=utf-8", "snapbridge:connected", http.StatusOK},
		{"stylesheet", "/web/admin.css", "text/css; charset=utf-8", "prefers-color-scheme: dark", http.StatusOK},
		{"nothing else under /web", "/web/widget.css", "", "", http.StatusNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			rec := f.do(http.MethodGet, tc.path, "")
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d", rec.Code, tc.status)
			}
			if tc.status != http.StatusOK {
				return
			}
			if got := rec.Header().Get("Content-Type"); got != tc.ctype {
				t.Errorf("Content-Type %q, want %q", got, tc.ctype)
			}
			if !strings.Contains(rec.Body.String(), tc.contains) {
				t.Errorf("%s lacks %q", tc.path, tc.contains)
			}
		})
	}
}
