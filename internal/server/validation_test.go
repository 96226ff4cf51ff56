package server_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/snapbridge/snapbridge/internal/admin"
	"github.com/snapbridge/snapbridge/internal/config"
	"github.com/snapbridge/snapbridge/internal/sandbox"
	"github.com/snapbridge/snapbridge/internal/server"
	"github.com/snapbridge/snapbridge/internal/tenant"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// demoSpec returns the demo tenant's settings as the admin API shows
// them, ready to be edited and sent back with PUT.
func (p *product) demoSpec() admin.TenantSpec {
	p.t.Helper()
	var view admin.TenantView
	p.call("GET", "/api/v1/admin/tenants/demo", testOperatorKey, nil, http.StatusOK, &view)
	raw, err := json.Marshal(view)
	if err != nil {
		p.t.Fatal(err)
	}
	var spec admin.TenantSpec
	if err := json.Unmarshal(raw, &spec); err != nil {
		p.t.Fatal(err)
	}
	return spec
}

// widgetCSP returns the Content-Security-Policy of the demo widget page.
func (p *product) widgetCSP() string {
	p.t.Helper()
	ctx := p.signedContext("demo", "csp-check", p.demoRecords("demo", "matched")[0])
	resp, _ := p.do("HEAD", p.srv.URL+"/w/demo/card?ctx="+url.QueryEscape(ctx), "", nil)
	if resp.StatusCode != http.StatusOK {
		p.t.Fatalf("HEAD widget page: %d", resp.StatusCode)
	}
	return resp.Header.Get("Content-Security-Policy")
}

// An operator or tenant admin who lists a wildcard or something that is
// not an origin gets a 400 naming the origin's index, and nothing is
// saved: the widget's frame-ancestors stay what they were.
func TestHostileAllowedOriginsAreRefusedAndNothingSaved(t *testing.T) {
	li := startLinkedIn(t, "")
	p := startProduct(t, li, t.TempDir(), "127.0.0.1:0", nil)
	before := p.demoSpec()
	cspBefore := p.widgetCSP()
	tenantAdmin := p.adminSession("demo", "ada")
	for _, origin := range []string{
		"https://*", "https://*.com", "https://*.co.uk", "https://a.b:99999", "https://a.b:0", `https://a.b"`,
		"https://a.b/path", "https://user@a.b", "http://a.b", "javascript:alert(1)", "'self'",
		"https://a.b; script-src *",
	} {
		for _, who := range []struct{ name, token string }{{"operator", testOperatorKey}, {"tenant admin", tenantAdmin}} {
			t.Run(who.name+" "+origin, func(t *testing.T) {
				q := p.with(t)
				spec := q.demoSpec()
				spec.AllowedOrigins = append(spec.AllowedOrigins, origin)
				var e wire.Error
				q.call("PUT", "/api/v1/admin/tenants/demo", who.token, spec, http.StatusBadRequest, &e)
				if e.Error.Code != "invalid_field" || e.Error.Field != "allowedOrigins[1]" {
					t.Errorf("error = %+v, want invalid_field on allowedOrigins[1]", e.Error)
				}
			})
		}
		t.Run("create "+origin, func(t *testing.T) {
			q := p.with(t)
			spec := q.tenantSpec("fresh", li.opts.ClientSecret)
			spec.AllowedOrigins = []string{origin}
			var e wire.Error
			q.call("POST", "/api/v1/admin/tenants", testOperatorKey, spec, http.StatusBadRequest, &e)
			if e.Error.Code != "invalid_field" || e.Error.Field != "allowedOrigins[0]" {
				t.Errorf("error = %+v, want invalid_field on allowedOrigins[0]", e.Error)
			}
		})
	}
	if after := p.demoSpec(); strings.Join(after.AllowedOrigins, " ") != strings.Join(before.AllowedOrigins, " ") {
		t.Errorf("origins after refused edits = %v, want %v", after.AllowedOrigins, before.AllowedOrigins)
	}
	if csp := p.widgetCSP(); csp != cspBefore {
		t.Errorf("widget CSP changed to %q", csp)
	}
	p.call("GET", "/api/v1/admin/tenants/fresh", testOperatorKey, nil, http.StatusNotFound, nil)
	var audit struct{ Entries []admin.AuditEntry }
	p.call("GET", "/api/v1/admin/tenants/demo/audit", testOperatorKey, nil, http.StatusOK, &audit)
	if len(audit.Entries) != 0 {
		t.Errorf("refused edits were audited: %+v", audit.Entries)
	}

	// What is accepted is stored and served as browsers write origins.
	spec := p.demoSpec()
	spec.AllowedOrigins = append(spec.AllowedOrigins, "HTTPS://CRM.Demo.EXAMPLE:443")
	var view admin.TenantView
	p.call("PUT", "/api/v1/admin/tenants/demo", tenantAdmin, spec, http.StatusOK, &view)
	if got := view.AllowedOrigins[len(view.AllowedOrigins)-1]; got != "https://crm.demo.example" {
		t.Errorf("stored origin = %q, want https://crm.demo.example", got)
	}
	if csp := p.widgetCSP(); !strings.Contains(csp, "frame-ancestors "+strings.Join(view.AllowedOrigins, " ")) {
		t.Errorf("widget CSP = %q, want frame-ancestors %v", csp, view.AllowedOrigins)
	}
}

// A context key id must fit a URL segment, so a key that is added can
// always be removed again (a '/' in it used to make rotation stuck).
func TestContextKeyIDsThatCouldNotBeDeletedAreRefused(t *testing.T) {
	li := startLinkedIn(t, "")
	p := startProduct(t, li, t.TempDir(), "127.0.0.1:0", nil)
	for _, tc := range []struct{ scenario, kid string }{
		{"a slash", "a/b"},
		{"a newline", "k\n1"},
		{"5,000 characters", strings.Repeat("k", 5000)},
		{"a space", "my key"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			q := p.with(t)
			var e wire.Error
			q.call("POST", "/api/v1/admin/tenants/demo/context-keys", testOperatorKey,
				admin.KeySpec{ID: tc.kid, Alg: "HS256", Secret: newContextSecret}, http.StatusBadRequest, &e)
			if e.Error.Code != "invalid_field" || e.Error.Field != "context.keys[1].id" || len(e.Error.Message) > 500 {
				t.Errorf("error = %.300v, want a short invalid_field on context.keys[1].id", e.Error)
			}
			if keys := p.tenant("demo").Context.Keys; len(keys) != 1 {
				t.Errorf("keys after a refused add: %d", len(keys))
			}
		})
	}
}

// A tenant an older version stored with a key id like "a/b" and a
// wildcard origin still starts: the wildcard is not served and is logged,
// and the admin can remove the old key with its id percent-encoded.
func TestStoredTenantWithOldKeyIDAndWildcardOriginCanBeRepaired(t *testing.T) {
	li := startLinkedIn(t, "")
	p := startProduct(t, li, t.TempDir(), "127.0.0.1:0", nil)
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	p.call("POST", "/api/v1/admin/tenants/demo/context-keys", testOperatorKey,
		admin.KeySpec{ID: "ed", Alg: "EdDSA", PublicKey: pemKey}, http.StatusCreated, nil)
	origins := p.tenant("demo").AllowedOrigins

	// Write what an older version accepted straight into the database.
	ctx := context.Background()
	rows, err := p.srv.DB.StoredTenants(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range rows {
		if row.ID != "demo" {
			continue
		}
		var cfg map[string]any
		if err := json.Unmarshal(row.Config, &cfg); err != nil {
			t.Fatal(err)
		}
		cfg["allowedOrigins"] = []any{"https://*", origins[0]}
		cfg["context"].(map[string]any)["keys"].([]any)[1].(map[string]any)["id"] = "a/b"
		if row.Config, err = json.Marshal(cfg); err != nil {
			t.Fatal(err)
		}
		if _, err := p.srv.DB.UpdateTenant(ctx, row, row.Revision); err != nil {
			t.Fatal(err)
		}
	}
	p = p.restart()

	if csp := p.widgetCSP(); strings.Contains(csp, "*") || !strings.Contains(csp, "frame-ancestors "+origins[0]) {
		t.Errorf("widget CSP = %q, want frame-ancestors %s only", csp, origins[0])
	}
	if logs := p.logs.String(); !strings.Contains(logs, "https://*") || !strings.Contains(logs, `"kid":"a/b"`) {
		t.Errorf("the start-up log does not name the dropped origin and the old key id")
	}
	var view admin.TenantView
	p.call("GET", "/api/v1/admin/tenants/demo", testOperatorKey, nil, http.StatusOK, &view)
	if len(view.Context.Keys) != 2 || view.Context.Keys[1].ID != "a/b" || strings.Join(view.AllowedOrigins, " ") != origins[0] {
		t.Fatalf("loaded demo = keys %+v origins %v", view.Context.Keys, view.AllowedOrigins)
	}
	// Editing other settings keeps working while the old key is there.
	spec := p.demoSpec()
	spec.Name = "Demo, still editable"
	p.call("PUT", "/api/v1/admin/tenants/demo", testOperatorKey, spec, http.StatusOK, nil)

	p.call("DELETE", "/api/v1/admin/tenants/demo/context-keys/"+url.PathEscape("a/b"), testOperatorKey, nil, http.StatusOK, &view)
	if len(view.Context.Keys) != 1 || view.Context.Keys[0].ID != sandbox.DemoContextKeyID {
		t.Errorf("keys after removing a/b: %+v", view.Context.Keys)
	}
	var e wire.Error
	p.call("DELETE", "/api/v1/admin/tenants/demo/context-keys/"+url.PathEscape("a/b"), testOperatorKey, nil, http.StatusNotFound, &e)
	if e.Error.Code != "context_key_not_found" {
		t.Errorf("removing it twice: %+v", e.Error)
	}
}

// The configuration file gets the same checks as the admin API: a tenant
// that lets any site frame the widget, or has a key id that could never be
// deleted, stops the server at start with the field named.
func TestConfiguredTenantsGetTheSameChecks(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		edit     func(tn *tenant.Tenant)
		field    string
	}{
		{"any https site may frame", func(tn *tenant.Tenant) { tn.AllowedOrigins = []string{"https://*"} }, "allowedOrigins[0]"},
		{"port 99999", func(tn *tenant.Tenant) { tn.AllowedOrigins = []string{"https://crm.acme.example:99999"} }, "allowedOrigins[0]"},
		{"a key id with a slash", func(tn *tenant.Tenant) { tn.Context.Keys[0].ID = "a/b" }, "context.keys[0].id"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			cfg := config.Defaults()
			tn := tenant.Tenant{ID: "acme", LinkedIn: tenant.LinkedInApp{ClientID: "c", ClientSecret: "s"},
				CRM:            tenant.CRM{Partner: "MS", InstanceID: "acme", SourceType: "DYN", Type: "DYNAMICS"},
				AllowedOrigins: []string{"https://crm.acme.example"},
				Context: tenant.ContextPolicy{Issuer: "https://crm.acme.example",
					Keys: []tenant.ContextKey{{ID: "k1", Alg: "HS256", Secret: newContextSecret}}}}
			tc.edit(&tn)
			cfg.Tenants = []tenant.Tenant{tn}
			_, err := server.Tenants(cfg)
			var fe *tenant.FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field {
				t.Errorf("err = %v, want a field error on %s", err, tc.field)
			}
		})
	}
}
