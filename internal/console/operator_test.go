package console_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/snapbridge/snapbridge/internal/console"
	"github.com/snapbridge/snapbridge/internal/tenant"
	"github.com/snapbridge/snapbridge/internal/wire"
)

func operatorDo(enabled bool, method, target string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	console.NewOperator(console.OperatorConfig{Enabled: enabled}).ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	return rec
}

func TestOperatorPage(t *testing.T) {
	tests := []struct {
		scenario string
		enabled  bool
		want     []string
		notWant  []string
	}{
		{scenario: "with an operator key the page offers sign-in and the new tenant form", enabled: true,
			want: []string{`<script src="/web/operator.js" defer>`, `data-api="/api/v1/admin"`, `data-operator="on"`,
				`<input id="op-key" type="password"`, "Sign in", "New tenant", `<label for="t-origins">Allowed origins (one per line)<span class="req" aria-hidden="true"> *</span></label><textarea id="t-origins" required`,
				`data-sign="snapbridge context sign"`, "At least 32 bytes",
				`id="t-key-generate"`, `<option value="SFDC">`, `<option value="EdDSA">`},
			notWant: []string{"No operator key is configured"}},
		{scenario: "without an operator key the page says so and how to set one", enabled: false,
			want:    []string{`data-operator="off"`, "No operator key is configured", "SNAPBRIDGE_OPERATOR_KEY", "at least 32 characters", "var/operator.key"},
			notWant: []string{"operator.js", `id="op-key"`, `id="tenant-form"`}},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			rec := operatorDo(tc.enabled, http.MethodGet, "/operator")
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d, want 200", rec.Code)
			}
			body := rec.Body.String()
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(body, w) {
					t.Errorf("page has %q", w)
				}
			}
			h := rec.Header()
			csp := h.Get("Content-Security-Policy")
			if !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
				t.Errorf("CSP %q: want no framing and scripts from self only", csp)
			}
			if got := h.Get("X-Frame-Options"); got != "DENY" {
				t.Errorf("X-Frame-Options %q, want DENY", got)
			}
			if got := h.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control %q, want no-store", got)
			}
			if strings.Contains(body, "<script>") {
				t.Error("page carries an inline script, which the CSP would block")
			}
		})
	}
}

func TestOperatorRoutes(t *testing.T) {
	tests := []struct {
		scenario, method, path string
		status                 int
		ctype                  string
		bodyEmpty              bool
	}{
		{scenario: "the script", method: http.MethodGet, path: "/web/operator.js", status: http.StatusOK, ctype: "text/javascript; charset=utf-8"},
		{scenario: "HEAD of the page has no body", method: http.MethodHead, path: "/operator", status: http.StatusOK,
			ctype: "text/html; charset=utf-8", bodyEmpty: true},
		{scenario: "the page is not posted to", method: http.MethodPost, path: "/operator", status: http.StatusMethodNotAllowed},
		{scenario: "nothing else", method: http.MethodGet, path: "/operator/x", status: http.StatusNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			rec := operatorDo(true, tc.method, tc.path)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d", rec.Code, tc.status)
			}
			if tc.ctype != "" && rec.Header().Get("Content-Type") != tc.ctype {
				t.Errorf("Content-Type %q, want %q", rec.Header().Get("Content-Type"), tc.ctype)
			}
			if tc.bodyEmpty && rec.Body.Len() != 0 {
				t.Errorf("HEAD answered %d bytes of body", rec.Body.Len())
			}
		})
	}
}

// TestOperatorScriptKeepsKeyInMemory reads the script for the places a key
// could leak to: browser storage, cookies and the address bar.
func TestOperatorScriptKeepsKeyInMemory(t *testing.T) {
	script := operatorDo(true, http.MethodGet, "/web/operator.js").Body.String()
	tests := []struct {
		scenario string
		pattern  string
	}{
		{"no local storage", `localStorage`},
		{"no session storage", `sessionStorage`},
		{"no indexedDB", `indexedDB`},
		{"no cookie", `document\.cookie`},
		{"no key in the address bar", `history\.(push|replace)State|location\.(href|search|hash)\s*=`},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			if loc := regexp.MustCompile(tc.pattern).FindStringIndex(script); loc != nil {
				t.Errorf("operator.js uses %q", script[loc[0]:loc[1]])
			}
		})
	}
}

// TestOperatorFormNamesEveryField makes tenants the server refuses, one
// field at a time, and checks the page has the input each field error
// points at (as operator.js finds it), so no error lands nowhere.
func TestOperatorFormNamesEveryField(t *testing.T) {
	page := operatorDo(true, http.MethodGet, "/operator").Body.String()
	tests := []struct {
		scenario string
		spoil    func(*tenant.Tenant)
		input    string
	}{
		{"bad id", func(t *tenant.Tenant) { t.ID = "Not An Id" }, "id"},
		{"no client id", func(t *tenant.Tenant) { t.LinkedIn.ClientID = "" }, "linkedin.clientId"},
		{"no client secret", func(t *tenant.Tenant) { t.LinkedIn.ClientSecret = "" }, "linkedin.clientSecret"},
		{"no CRM type", func(t *tenant.Tenant) { t.CRM.Type = "" }, "crm.type"},
		{"no CRM instance", func(t *tenant.Tenant) { t.CRM.InstanceID = "" }, "crm.instanceId"},
		{"no partner", func(t *tenant.Tenant) { t.CRM.Partner = "" }, "crm.partner"},
		{"no source type", func(t *tenant.Tenant) { t.CRM.SourceType = "" }, "crm.sourceType"},
		{"no origin", func(t *tenant.Tenant) { t.AllowedOrigins = nil }, "allowedOrigins"},
		{"second origin with a path", func(t *tenant.Tenant) {
			t.AllowedOrigins = []string{"https://crm.acme.example", "https://crm.acme.example/page"}
		}, "allowedOrigins"},
		{"no issuer", func(t *tenant.Tenant) { t.Context.Issuer = "" }, "context.issuer"},
		{"no key", func(t *tenant.Tenant) { t.Context.Keys = nil }, "context.keys.id"},
		{"key without id", func(t *tenant.Tenant) { t.Context.Keys[0].ID = "" }, "context.keys.id"},
		{"short secret", func(t *tenant.Tenant) { t.Context.Keys[0].Secret = "short" }, "context.keys.secret"},
		{"bad PEM", func(t *tenant.Tenant) { t.Context.Keys[0] = tenant.ContextKey{ID: "k1", Alg: "EdDSA", PublicKey: "x"} }, "context.keys.publicKey"},
		{"unknown algorithm", func(t *tenant.Tenant) { t.Context.Keys[0].Alg = "none" }, "context.keys.alg"},
	}
	keyPart := regexp.MustCompile(`^(secret|publicKey|alg): `)
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			tn := testTenant("acme")
			tc.spoil(&tn)
			tn.ApplyDefaults()
			var fe *tenant.FieldError
			if err := tn.Validate(); !errors.As(err, &fe) {
				t.Fatalf("Validate: %v, want a field error", err)
			}
			path := regexp.MustCompile(`\[\d+\]`).ReplaceAllString(fe.Field, "")
			if path == "context.keys" {
				path = "context.keys.id"
				if m := keyPart.FindStringSubmatch(fe.Reason); m != nil {
					path = "context.keys." + m[1]
				}
			}
			if path != tc.input {
				t.Errorf("field %q (%s) points at %q, want %q", fe.Field, fe.Reason, path, tc.input)
			}
			if !strings.Contains(page, `data-field="`+path+`"`) {
				t.Errorf("the form has no input for %q", path)
			}
		})
	}
}

// In sandbox mode the page asks for a record the stand-in matches, to
// print a `context sign` command that shows a matched card; outside it
// the path does not exist.
func TestOperatorSampleRecordOnlyInSandbox(t *testing.T) {
	sample := func(id string) (wire.Record, bool) {
		return wire.Record{ID: "rec-" + id, Type: "contact", FirstName: "Katherine"}, id == "acme"
	}
	for _, tc := range []struct {
		scenario string
		cfg      console.OperatorConfig
		target   string
		status   int
		want     string
	}{
		{"a tenant the stand-in knows", console.OperatorConfig{Enabled: true, SampleRecord: sample}, "/operator/sample-record?tenant=acme",
			http.StatusOK, `{"record":{"id":"rec-acme","type":"contact","firstName":"Katherine"}}`},
		{"a tenant it does not", console.OperatorConfig{Enabled: true, SampleRecord: sample}, "/operator/sample-record?tenant=other",
			http.StatusNotFound, `"code":"not_found"`},
		{"outside sandbox mode", console.OperatorConfig{Enabled: true}, "/operator/sample-record?tenant=acme",
			http.StatusNotFound, `"code":"not_found"`},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			rec := httptest.NewRecorder()
			console.NewOperator(tc.cfg).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tc.target, nil))
			if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.want) {
				t.Errorf("%d %s, want %d with %s", rec.Code, rec.Body.String(), tc.status, tc.want)
			}
		})
	}
}
