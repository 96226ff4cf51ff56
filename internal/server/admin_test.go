package server_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/admin"
	"github.com/snapbridge/snapbridge/internal/sandbox"
	"github.com/snapbridge/snapbridge/internal/session"
	"github.com/snapbridge/snapbridge/internal/tenant"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// testOperatorKey is the operator key every test server is configured with.
const testOperatorKey = "operator-key-for-server-tests-0123456789"

// newContextSecret is an HS256 secret a CRM rotates to.
const newContextSecret = "the-crm-rotated-to-this-context-secret-42"

// tenantSpec is a tenant wired to the stand-in's demo LinkedIn app.
func (p *product) tenantSpec(id, clientSecret string) admin.TenantSpec {
	return admin.TenantSpec{
		ID: id, Name: "Tenant " + id,
		LinkedIn: admin.LinkedInSpec{ClientID: sandbox.DemoClientID, ClientSecret: clientSecret},
		CRM: tenant.CRM{Partner: sandbox.DemoPartner, InstanceID: sandbox.DemoInstanceID,
			SourceType: sandbox.DemoCRMSourceType, Type: sandbox.DemoCRMType},
		AllowedOrigins: []string{"https://crm." + id + ".example"},
		Context: admin.ContextSpec{Issuer: "https://crm." + id + ".example",
			Keys: []admin.KeySpec{{ID: "k1", Alg: "HS256", Secret: newContextSecret}}},
	}
}

// secretsIn returns which of the test secrets appear in raw.
func (p *product) secretsIn(raw string) []string {
	var found []string
	for _, s := range []string{p.li.opts.ClientSecret, p.li.opts.ContextSecret, sandbox.NoSyncContextSecret(p.li.opts.ContextSecret), newContextSecret,
		sandbox.SalesforceConsumerSecret(p.li.opts.ContextSecret), sandbox.SalesforceContextSecret(p.li.opts.ContextSecret),
		sandbox.HubSpotClientSecret(p.li.opts.ContextSecret), sandbox.HubSpotContextSecret(p.li.opts.ContextSecret),
		sandbox.DynamicsClientSecret(p.li.opts.ContextSecret)} {
		if strings.Contains(raw, s) {
			found = append(found, s[:6]+"…")
		}
	}
	return found
}

// An operator creates a tenant over the admin API and proves it works;
// mistakes are named; secrets never come back; the audit log tells the
// story without secrets; a restart keeps the database's tenants and edits.
func TestOperatorCreatesTenantAndTestsConnection(t *testing.T) {
	li := startLinkedIn(t, "")
	p := startProduct(t, li, t.TempDir(), "127.0.0.1:0", nil)
	var created admin.TenantView
	p.call("POST", "/api/v1/admin/tenants", testOperatorKey, p.tenantSpec("acme", li.opts.ClientSecret), http.StatusCreated, &created)
	if !created.LinkedIn.ClientSecretSet || !created.Context.Keys[0].SecretSet || created.Context.Audience != tenant.DefaultAudience {
		t.Fatalf("created = %+v, want secrets flagged as set and defaults applied", created)
	}
	p.call("POST", "/api/v1/admin/tenants", testOperatorKey, p.tenantSpec("wrongsecret", "not-what-linkedin-has-0000000000"), http.StatusCreated, nil)
	// The new tenant's CRM can open the widget at once, no restart.
	p.newSession("acme", "sam", wire.Record{ID: "crm-record-1", Type: "contact"})

	t.Run("test connection", func(t *testing.T) {
		for _, tc := range []struct {
			scenario, tenant string
			body             any
			wantOK           bool
			wantMessage      string
		}{
			{"the new tenant works (no match for a made-up record)", "acme", nil, true, "no match for record"},
			{"a matched record", "acme", map[string]string{"recordId": p.demoRecords("demo", "matched")[0].ID}, true, "matches LinkedIn member"},
			{"a bad client secret is named", "wrongsecret", nil, false, "LinkedIn refused the client id/secret"},
			{"CRM Sync off is named", "nosync", map[string]string{"recordId": p.demoRecords("nosync", "crm_sync_disabled")[0].ID}, false, "CRM Sync is not enabled"},
		} {
			t.Run(tc.scenario, func(t *testing.T) {
				q := p.with(t)
				var rep admin.ConnectionReport
				q.call("POST", "/api/v1/admin/tenants/"+tc.tenant+"/test-connection", testOperatorKey, tc.body, http.StatusOK, &rep)
				all := ""
				for _, s := range rep.Steps {
					all += s.Name + ": " + s.Message + "\n"
				}
				if rep.OK != tc.wantOK || !strings.Contains(all, tc.wantMessage) {
					t.Errorf("report ok=%v:\n%s want ok=%v saying %q", rep.OK, all, tc.wantOK, tc.wantMessage)
				}
			})
		}
	})

	t.Run("validation", func(t *testing.T) {
		for _, tc := range []struct {
			scenario    string
			edit        func(s *admin.TenantSpec)
			token       string
			status      int
			code, field string
		}{
			{"missing client secret", func(s *admin.TenantSpec) { s.LinkedIn.ClientSecret = "" }, testOperatorKey, 400, "invalid_field", "linkedin.clientSecret"},
			{"an origin with a path", func(s *admin.TenantSpec) { s.AllowedOrigins = []string{"https://crm.example/x"} }, testOperatorKey, 400, "invalid_field", "allowedOrigins[0]"},
			{"a short context secret", func(s *admin.TenantSpec) { s.Context.Keys[0].Secret = "short" }, testOperatorKey, 400, "invalid_field", "context.keys[0]"},
			{"a taken id", func(s *admin.TenantSpec) { s.ID = "demo" }, testOperatorKey, 409, "tenant_exists", "id"},
			{"a tenant admin may not create tenants", func(*admin.TenantSpec) {}, p.adminSession("demo", "ada"), 403, "operator_required", ""},
		} {
			t.Run(tc.scenario, func(t *testing.T) {
				q := p.with(t)
				s := q.tenantSpec("fresh", li.opts.ClientSecret)
				tc.edit(&s)
				var e wire.Error
				q.call("POST", "/api/v1/admin/tenants", tc.token, s, tc.status, &e)
				if e.Error.Code != tc.code || e.Error.Field != tc.field || e.Error.Message == "" {
					t.Errorf("error = %+v, want %s on field %q", e.Error, tc.code, tc.field)
				}
				if leaked := q.secretsIn(e.Error.Message); len(leaked) > 0 {
					t.Errorf("the error repeats secrets %v", leaked)
				}
			})
		}
	})

	t.Run("secrets never in a GET", func(t *testing.T) {
		for _, path := range []string{"/api/v1/admin/tenants", "/api/v1/admin/tenants/acme", "/api/v1/admin/tenants/demo", "/api/v1/admin/tenants/sfdc", "/api/v1/admin/tenants/hub", "/api/v1/admin/tenants/dyn",
			"/api/v1/admin/tenants/acme/audit", "/api/v1/admin/tenants/demo/health"} {
			resp, raw := p.do("GET", p.srv.URL+path, testOperatorKey, nil)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: %d %s", path, resp.StatusCode, raw)
			}
			if leaked := p.secretsIn(string(raw)); len(leaked) > 0 {
				t.Errorf("GET %s shows secrets %v", path, leaked)
			}
		}
		var list struct{ Tenants []admin.TenantView }
		p.call("GET", "/api/v1/admin/tenants", testOperatorKey, nil, http.StatusOK, &list)
		// The five demo tenants (demo, nosync, sfdc, hub, dyn), acme and wrongsecret.
		if len(list.Tenants) != 7 {
			t.Errorf("the operator sees %d tenants, want 7", len(list.Tenants))
		}
		p.call("GET", "/api/v1/admin/tenants", p.adminSession("demo", "ada"), nil, http.StatusOK, &list)
		if len(list.Tenants) != 1 || list.Tenants[0].ID != "demo" {
			t.Errorf("a tenant admin sees %+v, want only their tenant", list.Tenants)
		}
	})

	t.Run("audit", func(t *testing.T) {
		var audit struct{ Entries []admin.AuditEntry }
		p.call("GET", "/api/v1/admin/tenants/acme/audit?limit=10", testOperatorKey, nil, http.StatusOK, &audit)
		var actions []string
		for _, e := range audit.Entries {
			actions = append(actions, e.Actor+" "+e.Action)
		}
		if got := strings.Join(actions, ", "); got != "operator tenant.test_connection, operator tenant.test_connection, operator tenant.create" {
			t.Errorf("audit = %s", got)
		}
		p.call("GET", "/api/v1/admin/tenants/acme/audit?limit=0", testOperatorKey, nil, http.StatusBadRequest, nil)
	})

	// An admin edits a seeded tenant; the configuration file still lists
	// the original, which must not win after a restart.
	edit := p.tenantSpec("demo", "")
	edit.ID, edit.Name, edit.AllowedOrigins = "", "Demo, renamed by its admin", p.tenant("demo").AllowedOrigins
	edit.CRM, edit.LinkedIn.ClientID = p.tenant("demo").CRM, p.tenant("demo").LinkedIn.ClientID
	edit.Context = admin.ContextSpec{Issuer: p.tenant("demo").Context.Issuer}
	p.call("PUT", "/api/v1/admin/tenants/demo", p.adminSession("demo", "ada"), edit, http.StatusOK, nil)
	p = p.restart()
	var demo admin.TenantView
	p.call("GET", "/api/v1/admin/tenants/demo", testOperatorKey, nil, http.StatusOK, &demo)
	if demo.Name != "Demo, renamed by its admin" || !demo.LinkedIn.ClientSecretSet {
		t.Errorf("after a restart demo = %q (secret set %v), want the admin's edit", demo.Name, demo.LinkedIn.ClientSecretSet)
	}
	var rep admin.ConnectionReport
	p.call("POST", "/api/v1/admin/tenants/acme/test-connection", testOperatorKey, nil, http.StatusOK, &rep)
	if !rep.OK {
		t.Errorf("after a restart the created tenant no longer works: %+v", rep)
	}
	p.newSession("demo", "sam", p.demoRecords("demo", "matched")[0])
	if leaked := p.secretsLeaked(); len(leaked) > 0 {
		t.Errorf("LinkedIn tokens found in %v", leaked)
	}
}

// A CRM rotates its context key without downtime: both keys verify while
// two are active, the old one is refused once removed.
func TestContextKeyRotationWithoutDowntime(t *testing.T) {
	li := startLinkedIn(t, "")
	p := startProduct(t, li, t.TempDir(), "127.0.0.1:0", nil)
	token := p.adminSession("demo", "ada")
	rec := p.demoRecords("demo", "matched")[0]
	oldTenant := p.tenant("demo") // a snapshot: it keeps the old key
	sign := func(t *testing.T, tn *tenant.Tenant, kid, secret string) string {
		ctx, err := session.SignContextWith(tn, kid, "HS256", []byte(secret), session.ContextClaims{
			Viewer: wire.Viewer{ID: "sam"}, Records: []wire.Record{rec}}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return ctx
	}
	for _, tc := range []struct {
		scenario string
		step     func(q *product) // the admin's action
		oldOK    bool             // a context signed with the old key
		newOK    bool             // a context signed with the new key
	}{
		{"before rotation only the old key verifies", func(*product) {}, true, false},
		{"a second key is added", func(q *product) {
			var v admin.TenantView
			q.call("POST", "/api/v1/admin/tenants/demo/context-keys", token, admin.KeySpec{ID: "k2", Alg: "HS256", Secret: newContextSecret}, http.StatusCreated, &v)
			if len(v.Context.Keys) != 2 || !v.Context.Keys[1].SecretSet {
				q.t.Errorf("keys = %+v", v.Context.Keys)
			}
		}, true, true},
		{"a third key is refused", func(q *product) {
			var e wire.Error
			q.call("POST", "/api/v1/admin/tenants/demo/context-keys", token, admin.KeySpec{ID: "k3", Alg: "HS256", Secret: newContextSecret + "3"}, http.StatusConflict, &e)
			if e.Error.Code != "context_key_limit" || !strings.Contains(e.Error.Message, "demo-1, k2") {
				q.t.Errorf("error = %+v", e.Error)
			}
		}, true, true},
		{"the old key is removed", func(q *product) {
			q.call("DELETE", "/api/v1/admin/tenants/demo/context-keys/"+sandbox.DemoContextKeyID, token, nil, http.StatusOK, nil)
		}, false, true},
		{"the last key cannot be removed", func(q *product) {
			var e wire.Error
			q.call("DELETE", "/api/v1/admin/tenants/demo/context-keys/k2", token, nil, http.StatusConflict, &e)
			if e.Error.Code != "context_key_last" {
				q.t.Errorf("error = %+v", e.Error)
			}
		}, false, true},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			q := p.with(t)
			tc.step(q)
			newTenant := oldTenant.Clone()
			newTenant.Context.Keys = []tenant.ContextKey{{ID: "k2", Alg: "HS256", Secret: newContextSecret}}
			for _, c := range []struct {
				name string
				ctx  string
				ok   bool
			}{
				{"old key", sign(t, oldTenant, sandbox.DemoContextKeyID, li.opts.ContextSecret), tc.oldOK},
				{"new key", sign(t, &newTenant, "k2", newContextSecret), tc.newOK},
			} {
				want := http.StatusCreated
				if !c.ok {
					want = http.StatusUnauthorized
				}
				if resp, raw := q.do("POST", q.srv.URL+"/api/v1/sessions", "", wire.SessionRequest{Ctx: c.ctx}); resp.StatusCode != want {
					t.Errorf("a context signed with the %s: %d %s, want %d", c.name, resp.StatusCode, raw, want)
				}
			}
		})
	}
	var audit struct{ Entries []admin.AuditEntry }
	p.call("GET", "/api/v1/admin/tenants/demo/audit", token, nil, http.StatusOK, &audit)
	if len(audit.Entries) != 2 || audit.Entries[0].Action != "context_key.remove" || audit.Entries[1].Action != "context_key.add" ||
		audit.Entries[1].Actor != "viewer:ada" || len(p.secretsIn(audit.Entries[1].Detail)) > 0 {
		t.Errorf("audit = %+v", audit.Entries)
	}
}

// Automation uses an API key until it is revoked; principals only reach
// their own tenant, and a session without the admin role none.
func TestAdminAuthorization(t *testing.T) {
	li := startLinkedIn(t, "")
	p := startProduct(t, li, t.TempDir(), "127.0.0.1:0", nil)
	demoAdmin := p.adminSession("demo", "ada")
	var key admin.NewAPIKey
	p.call("POST", "/api/v1/admin/tenants/demo/api-keys", demoAdmin, map[string]string{"name": "CI"}, http.StatusCreated, &key)
	revoked := admin.NewAPIKey{}
	p.call("POST", "/api/v1/admin/tenants/demo/api-keys", demoAdmin, map[string]string{"name": "old script"}, http.StatusCreated, &revoked)
	p.call("DELETE", "/api/v1/admin/tenants/demo/api-keys/"+revoked.ID, key.Key, nil, http.StatusNoContent, nil)
	seller := p.newSession("demo", "sam", p.demoRecords("demo", "matched")[0]).Token
	nosyncAdmin := p.adminSession("nosync", "bo")

	for _, tc := range []struct {
		scenario, method, path, token string
		status                        int
		code                          string
	}{
		{"an API key reads its tenant", "GET", "/api/v1/admin/tenants/demo", key.Key, 200, ""},
		{"an API key reads its health", "GET", "/api/v1/admin/tenants/demo/health", key.Key, 200, ""},
		{"an API key of another tenant", "GET", "/api/v1/admin/tenants/nosync", key.Key, 403, "tenant_forbidden"},
		{"a revoked API key", "GET", "/api/v1/admin/tenants/demo", revoked.Key, 401, "api_key_invalid"},
		{"a made-up API key", "GET", "/api/v1/admin/tenants/demo", "sbk_0123456789abcdef_nope", 401, "api_key_invalid"},
		{"a seller without the admin role", "GET", "/api/v1/admin/tenants/demo", seller, 403, "admin_required"},
		{"the admin of another tenant", "GET", "/api/v1/admin/tenants/demo", nosyncAdmin, 403, "tenant_forbidden"},
		{"the admin of another tenant revoking a key", "DELETE", "/api/v1/admin/tenants/demo/api-keys/" + key.ID, nosyncAdmin, 403, "tenant_forbidden"},
		{"a wrong operator key", "GET", "/api/v1/admin/tenants", testOperatorKey + "x", 401, "admin_credentials_invalid"},
		{"no credentials", "GET", "/api/v1/admin/tenants", "", 401, "session_required"},
		{"the operator on any tenant", "GET", "/api/v1/admin/tenants/nosync/audit", testOperatorKey, 200, ""},
		{"an unknown tenant", "GET", "/api/v1/admin/tenants/ghost", testOperatorKey, 404, "unknown_tenant"},
		{"revoking an unknown key", "DELETE", "/api/v1/admin/tenants/demo/api-keys/nope", key.Key, 404, "api_key_not_found"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			q := p.with(t)
			var e wire.Error
			q.call(tc.method, tc.path, tc.token, nil, tc.status, &e)
			if tc.code != "" && e.Error.Code != tc.code {
				t.Errorf("code = %q, want %q", e.Error.Code, tc.code)
			}
		})
	}

	var keys struct{ APIKeys []admin.APIKeyView }
	resp, raw := p.do("GET", p.srv.URL+"/api/v1/admin/tenants/demo/api-keys", key.Key, nil)
	if resp.StatusCode != http.StatusOK || strings.Contains(string(raw), key.Key[len(key.Key)-20:]) {
		t.Fatalf("GET api-keys: %d, or it shows a secret: %s", resp.StatusCode, raw)
	}
	p.call("GET", "/api/v1/admin/tenants/demo/api-keys", key.Key, nil, http.StatusOK, &keys)
	// Both keys may share a creation millisecond, so find them by name.
	byName := map[string]admin.APIKeyView{}
	for _, k := range keys.APIKeys {
		byName[k.Name] = k
	}
	if ci, old := byName["CI"], byName["old script"]; len(keys.APIKeys) != 2 || !ci.Active || ci.LastUsedAt == nil || old.Active || old.RevokedAt == nil {
		t.Errorf("keys = %+v, want CI active and used, the old script revoked", keys.APIKeys)
	}
	var audit struct{ Entries []admin.AuditEntry }
	p.call("GET", "/api/v1/admin/tenants/demo/audit", testOperatorKey, nil, http.StatusOK, &audit)
	var got []string
	for _, e := range audit.Entries {
		got = append(got, e.Actor+" "+e.Action)
		if strings.Contains(e.Detail, key.Key) || strings.Contains(e.Detail, revoked.Key) {
			t.Errorf("audit %q carries a key", e.Detail)
		}
	}
	want := "apikey:" + key.ID + " api_key.revoke, viewer:ada api_key.create, viewer:ada api_key.create"
	if strings.Join(got, ", ") != want {
		t.Errorf("audit = %v, want %s", got, want)
	}
}

// The health page shows what the widget met at LinkedIn: CRM Sync state,
// cache use and today's budget.
func TestHealthShowsWhatSellersMet(t *testing.T) {
	li := startLinkedIn(t, "")
	p := startProduct(t, li, t.TempDir(), "127.0.0.1:0", nil)
	for _, tc := range []struct {
		scenario, tenant, outcome, crmSync string
	}{
		{"CRM Sync on", "demo", "matched", admin.CRMSyncEnabled},
		{"CRM Sync off", "nosync", "crm_sync_disabled", admin.CRMSyncDisabled},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			q := p.with(t)
			var h admin.Health
			q.call("GET", "/api/v1/admin/tenants/"+tc.tenant+"/health", testOperatorKey, nil, http.StatusOK, &h)
			if h.CRMSync != admin.CRMSyncUnknown || h.Budget.Used != 0 {
				t.Fatalf("before any look-up: %+v", h)
			}
			s := q.newSession(tc.tenant, "sam", q.demoRecords(tc.tenant, tc.outcome)[0])
			for range 2 {
				q.call("GET", "/api/v1/associations", s.Token, nil, http.StatusOK, nil)
			}
			q.call("GET", "/api/v1/admin/tenants/"+tc.tenant+"/health", testOperatorKey, nil, http.StatusOK, &h)
			if h.CRMSync != tc.crmSync || h.Budget.Used != 1 || h.Budget.Limit != tenant.DefaultDailyLookupBudget ||
				h.Associations.Hits != 1 || h.Associations.Misses != 1 || h.Associations.HitRate != 0.5 || h.ConnectedViewers != 0 {
				t.Errorf("health = %+v, want crmSync %s, one look-up, one hit", h, tc.crmSync)
			}
		})
	}
}
