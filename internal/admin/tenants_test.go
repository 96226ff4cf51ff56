package admin

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/snapbridge/snapbridge/internal/keyring"
	"github.com/snapbridge/snapbridge/internal/sandbox"
	"github.com/snapbridge/snapbridge/internal/tenant"
)

// The configuration only seeds: after a restart the database's tenants,
// with admins' edits, win over the file, and their secrets come back from
// the sealed column only.
func TestLoadKeepsStoredTenants(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	edit := spec(sandbox.DemoTenantID)
	edit.ID = ""
	edit.Name = "Renamed by an admin"
	edit.LinkedIn = LinkedInSpec{ClientID: sandbox.DemoClientID}
	edit.Context.Issuer = "https://crm.demo.example"
	edit.Context.Keys = nil
	if _, err := f.svc.UpdateTenant(ctx, "viewer:ada", sandbox.DemoTenantID, edit, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.CreateTenant(ctx, "operator", spec("acme")); err != nil {
		t.Fatal(err)
	}
	restarted := f.start(t)
	for _, tc := range []struct {
		scenario, id, name string
	}{
		{"an edited seed keeps the edit", sandbox.DemoTenantID, "Renamed by an admin"},
		{"an untouched seed is loaded", sandbox.NoSyncTenantID, f.seeds[1].Name},
		{"a tenant created through the API survives", "acme", "Tenant acme"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			got, err := restarted.Tenant(tc.id)
			if err != nil {
				t.Fatal(err)
			}
			if got.Name != tc.name || got.LinkedIn.ClientSecret != clientSecret || got.Context.Keys[0].Secret == "" {
				t.Errorf("tenant %s: name %q, secrets set %v/%v; want name %q with its secrets",
					tc.id, got.Name, got.LinkedIn.ClientSecret != "", got.Context.Keys[0].Secret != "", tc.name)
			}
			row, err := f.db.StoredTenant(ctx, tc.id)
			if err != nil {
				t.Fatal(err)
			}
			for _, secret := range []string{clientSecret, contextSecret, sandbox.NoSyncContextSecret(contextSecret)} {
				if bytes.Contains(row.Config, []byte(secret)) || bytes.Contains(row.Sealed, []byte(secret)) {
					t.Errorf("tenant %s is stored with a secret in clear", tc.id)
				}
			}
		})
	}
}

// Updates replace settings, keep secrets the admin left out, and are
// audited without secrets; bad input names its field.
func TestUpdateTenant(t *testing.T) {
	newSecret := "a-brand-new-client-secret-4567"
	for _, tc := range []struct {
		scenario string
		edit     func(s *TenantSpec)
		field    string // FieldError expected on this field
		check    func(t *testing.T, got *tenant.Tenant)
	}{
		{"omitted secrets keep their stored values", func(s *TenantSpec) {
			s.LinkedIn.ClientSecret = ""
			s.Context.Keys[0].Secret = ""
			s.Name = "ACME"
		}, "", func(t *testing.T, got *tenant.Tenant) {
			if got.Name != "ACME" || got.LinkedIn.ClientSecret != clientSecret || got.Context.Keys[0].Secret != contextSecret {
				t.Errorf("got name %q; secrets kept %v/%v", got.Name, got.LinkedIn.ClientSecret == clientSecret, got.Context.Keys[0].Secret == contextSecret)
			}
		}},
		{"omitted keys keep the current keys", func(s *TenantSpec) { s.Context.Keys = nil; s.Name = "ACME" }, "", func(t *testing.T, got *tenant.Tenant) {
			if len(got.Context.Keys) != 1 || got.Context.Keys[0].ID != "k1" {
				t.Errorf("keys = %v", got.Context.Keys)
			}
		}},
		{"a new client secret replaces the old", func(s *TenantSpec) { s.LinkedIn.ClientSecret = newSecret }, "", func(t *testing.T, got *tenant.Tenant) {
			if got.LinkedIn.ClientSecret != newSecret {
				t.Error("the new client secret was not stored")
			}
		}},
		{"zero values take their defaults", func(s *TenantSpec) { s.DailyLookupBudget = 0; s.AccentColor = ""; s.Name = "ACME" }, "", func(t *testing.T, got *tenant.Tenant) {
			if got.DailyLookupBudget != tenant.DefaultDailyLookupBudget || got.AccentColor != tenant.DefaultAccentColor {
				t.Errorf("budget %d, colour %q", got.DailyLookupBudget, got.AccentColor)
			}
		}},
		{"an admin picks the dark theme", func(s *TenantSpec) { s.Theme = tenant.ThemeDark }, "", func(t *testing.T, got *tenant.Tenant) {
			if got.Theme != tenant.ThemeDark || ViewOf(got).Theme != tenant.ThemeDark {
				t.Errorf("theme stored %q, shown %q", got.Theme, ViewOf(got).Theme)
			}
		}},
		{"a theme the widget does not know names its field", func(s *TenantSpec) { s.Theme = "system" }, "theme", nil},
		{"the id cannot change", func(s *TenantSpec) { s.ID = "other" }, "id", nil},
		{"a bad origin names its field", func(s *TenantSpec) { s.AllowedOrigins = []string{"not a url"} }, "allowedOrigins[0]", nil},
		{"three keys are too many", func(s *TenantSpec) {
			s.Context.Keys = append(s.Context.Keys, KeySpec{ID: "k2", Alg: "HS256", Secret: contextSecret}, KeySpec{ID: "k3", Alg: "HS256", Secret: contextSecret})
		}, "context.keys", nil},
		{"another tenant's issuer is refused", func(s *TenantSpec) { s.Context.Issuer = "https://crm.demo.example" }, "context.issuer", nil},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			f := newFixture(t)
			ctx := t.Context()
			if _, err := f.svc.CreateTenant(ctx, "operator", spec("acme")); err != nil {
				t.Fatal(err)
			}
			s := spec("acme")
			tc.edit(&s)
			got, err := f.svc.UpdateTenant(ctx, "apikey:k", "acme", s, 0)
			if tc.field != "" {
				var fe *tenant.FieldError
				if !errors.As(err, &fe) || fe.Field != tc.field {
					t.Fatalf("err = %v, want a field error on %s", err, tc.field)
				}
				if cur, _ := f.svc.Tenant("acme"); cur.Name != "Tenant acme" || cur.Context.Issuer != "https://crm.acme.example" {
					t.Errorf("a refused update changed the tenant: %+v", cur)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, got)
			entries, err := f.svc.Audit(ctx, "acme", 10)
			if err != nil || len(entries) != 2 || entries[0].Action != "tenant.update" || entries[0].Actor != "apikey:k" {
				t.Fatalf("audit = %+v, %v; want the update on top", entries, err)
			}
			for _, e := range entries {
				for _, secret := range []string{clientSecret, contextSecret, newSecret} {
					if strings.Contains(e.Detail, secret) {
						t.Errorf("audit detail %q carries a secret", e.Detail)
					}
				}
			}
		})
	}
}

// Creating a tenant refuses a taken id and validates like start-up.
func TestCreateTenant(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		spec     func() TenantSpec
		wantErr  error
		field    string
	}{
		{"a valid tenant", func() TenantSpec { return spec("acme") }, nil, ""},
		{"a taken id", func() TenantSpec { return spec(sandbox.DemoTenantID) }, tenant.ErrExists, "id"},
		{"no client secret", func() TenantSpec { s := spec("acme"); s.LinkedIn.ClientSecret = ""; return s }, nil, "linkedin.clientSecret"},
		{"a short HS256 secret", func() TenantSpec { s := spec("acme"); s.Context.Keys[0].Secret = "short"; return s }, nil, "context.keys[0]"},
		{"an upper-case id", func() TenantSpec { s := spec("acme"); s.ID = "ACME"; return s }, nil, "id"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			f := newFixture(t)
			got, err := f.svc.CreateTenant(t.Context(), "operator", tc.spec())
			if tc.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				if got.Context.Audience != tenant.DefaultAudience || got.Display.Width != tenant.DefaultWidth {
					t.Errorf("defaults not applied: %+v", got)
				}
				if _, err := f.db.StoredTenant(t.Context(), "acme"); err != nil {
					t.Errorf("not stored: %v", err)
				}
				return
			}
			var fe *tenant.FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field || (tc.wantErr != nil && !errors.Is(err, tc.wantErr)) {
				t.Fatalf("err = %v, want a field error on %s (%v)", err, tc.field, tc.wantErr)
			}
		})
	}
}

// After the key ring gains a newer key, rotation re-seals every tenant's
// secrets with it, so the old key can be dropped and tenants still load.
func TestRotateSecrets(t *testing.T) {
	f := newFixture(t)
	newer, err := keyring.GenerateKey("k2")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		scenario string
		ring     []keyring.Key
		want     int
	}{
		{"every tenant moves to the new key", []keyring.Key{newer, f.key}, len(f.seeds)},
		{"a second run has nothing to do", []keyring.Key{newer, f.key}, 0},
		{"the old key can then be dropped", []keyring.Key{newer}, 0},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			ring, err := keyring.New(tc.ring...)
			if err != nil {
				t.Fatal(err)
			}
			f.ring = ring
			n, err := New(Deps{Store: f.db, Ring: ring}).RotateSecrets(t.Context())
			if err != nil || n != tc.want {
				t.Fatalf("rotated %d (%v), want %d", n, err, tc.want)
			}
			got, err := f.start(t).Tenant(sandbox.DemoTenantID)
			if err != nil || got.LinkedIn.ClientSecret != clientSecret {
				t.Errorf("after rotation the demo tenant loads %v with its secret: %v", err == nil, got != nil && got.LinkedIn.ClientSecret == clientSecret)
			}
			sf, err := f.start(t).Tenant(sandbox.SalesforceTenantID)
			if err != nil || len(sf.Salesforce().ConsumerSecrets) != 1 || sf.Salesforce().ConsumerSecrets[0] != sandbox.SalesforceConsumerSecret(contextSecret) {
				t.Errorf("after rotation the Salesforce tenant lost its consumer secret: %v", err)
			}
		})
	}
}

// In sandbox mode the server registers every stored tenant's LinkedIn app
// with the stand-in through OnTenantSaved; a refused change is not told.
func TestOnTenantSavedHearsEveryStoredChange(t *testing.T) {
	f := newFixture(t)
	var heard []string
	f.svc.OnTenantSaved = func(_ context.Context, t *tenant.Tenant) {
		heard = append(heard, t.ID+":"+t.Name+":"+t.LinkedIn.ClientSecret)
	}
	ctx := t.Context()
	bad := spec("broken")
	bad.AllowedOrigins = nil
	if _, err := f.svc.CreateTenant(ctx, "operator", bad); err == nil {
		t.Fatal("a tenant without allowed origins was created")
	}
	if _, err := f.svc.CreateTenant(ctx, "operator", spec("acme")); err != nil {
		t.Fatal(err)
	}
	edit := spec("acme")
	edit.Name = "Acme renamed"
	if _, err := f.svc.UpdateTenant(ctx, "operator", "acme", edit, 0); err != nil {
		t.Fatal(err)
	}
	want := []string{"acme:Tenant acme:" + clientSecret, "acme:Acme renamed:" + clientSecret}
	if strings.Join(heard, "|") != strings.Join(want, "|") {
		t.Fatalf("heard %q, want %q", heard, want)
	}
}

// An admin who clears the theme of a dark tenant gets the default, which
// follows the CRM page, and the audit log says so.
func TestEmptyThemeFollowsTheHost(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	dark := spec("acme")
	dark.Theme = tenant.ThemeDark
	if _, err := f.svc.CreateTenant(ctx, "operator", dark); err != nil {
		t.Fatal(err)
	}
	cleared := spec("acme")
	cleared.Theme = ""
	got, err := f.svc.UpdateTenant(ctx, "apikey:k", "acme", cleared, 0)
	if err != nil || got.Theme != tenant.ThemeHost {
		t.Fatalf("UpdateTenant = %v, theme %q; want %q", err, got.Theme, tenant.ThemeHost)
	}
	entries, err := f.svc.Audit(ctx, "acme", 10)
	if err != nil || len(entries) != 2 || !strings.Contains(entries[0].Detail, "theme: “dark” → “host”") {
		t.Fatalf("audit = %+v, %v; want the theme change on top", entries, err)
	}
}
