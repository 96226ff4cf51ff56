package admin

import (
	"strings"
	"testing"
)

// The audit entry of a settings save says each changed setting's old and
// new value; a secret only that it changed, never its value.
func TestSettingsAuditShowsOldAndNewWithoutSecrets(t *testing.T) {
	const newSecret = "a-brand-new-client-secret-4567"
	const newKeySecret = "a-second-context-secret-0123456789abcd"
	off := false
	for _, tc := range []struct {
		scenario string
		edit     func(s *TenantSpec)
		want     string
	}{
		{"text and numbers show old and new", func(s *TenantSpec) { s.Name = "Acme Corp"; s.DailyLookupBudget = 6000 },
			"name: “Tenant acme” → “Acme Corp”; dailyLookupBudget: 5000 → 6000"},
		{"lists show every value", func(s *TenantSpec) { s.AllowedOrigins = append(s.AllowedOrigins, "https://b.example") },
			"allowedOrigins: https://acme.example → https://acme.example, https://b.example"},
		{"nested settings and durations name their path", func(s *TenantSpec) {
			s.CRM.Partner = "SFDC"
			s.Cache.Matched = Duration(3_600_000_000_000)
		}, "crm.partner: “" + spec("acme").CRM.Partner + "” → “SFDC”; cache.matched: 6h0m0s → 1h0m0s"},
		{"an optional switch reads default when unset", func(s *TenantSpec) { s.Display.InlineMode = &off },
			"display.inlineMode: default → false"},
		{"a new client secret reads changed", func(s *TenantSpec) { s.LinkedIn.ClientSecret = newSecret },
			"linkedin.clientSecret: changed"},
		{"context keys are named, their secrets are not shown", func(s *TenantSpec) {
			s.Context.Keys = []KeySpec{{ID: "k1", Alg: "HS256", Secret: newKeySecret}, {ID: "k2", Alg: "HS256", Secret: newKeySecret}}
		}, "context key k1: key changed; context key k2 (HS256): added"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			f := newFixture(t)
			ctx := t.Context()
			if _, err := f.svc.CreateTenant(ctx, "operator", spec("acme")); err != nil {
				t.Fatal(err)
			}
			s := spec("acme")
			tc.edit(&s)
			if _, err := f.svc.UpdateTenant(ctx, "viewer:ada", "acme", s, 0); err != nil {
				t.Fatal(err)
			}
			entries, err := f.svc.Audit(ctx, "acme", 1)
			if err != nil || len(entries) != 1 || entries[0].Action != "tenant.update" {
				t.Fatalf("audit = %+v, %v", entries, err)
			}
			if got := entries[0].Detail; got != tc.want {
				t.Errorf("detail = %q\nwant     %q", got, tc.want)
			}
			for _, secret := range []string{clientSecret, contextSecret, newSecret, newKeySecret} {
				if strings.Contains(entries[0].Detail, secret) {
					t.Errorf("audit detail %q carries a secret", entries[0].Detail)
				}
			}
		})
	}
}

// Saving the settings form unchanged writes no audit entry and does not
// move the tenant's revision, so nobody else's open form goes stale.
func TestSaveThatChangesNothingWritesNoEntry(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	created, err := f.svc.CreateTenant(ctx, "operator", spec("acme"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		scenario string
		edit     func(s *TenantSpec)
	}{
		{"the same spec again", func(s *TenantSpec) {}},
		{"secrets left empty keep the stored ones", func(s *TenantSpec) { s.LinkedIn.ClientSecret = ""; s.Context.Keys = nil }},
		{"defaults written out", func(s *TenantSpec) { s.DailyLookupBudget = 5000; s.Context.Audience = "snapbridge" }},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			s := spec("acme")
			tc.edit(&s)
			got, err := f.svc.UpdateTenant(ctx, "viewer:ada", "acme", s, created.Revision)
			if err != nil {
				t.Fatal(err)
			}
			if got.Revision != created.Revision {
				t.Errorf("revision %d → %d for a save that changed nothing", created.Revision, got.Revision)
			}
			entries, err := f.svc.Audit(ctx, "acme", 10)
			if err != nil || len(entries) != 1 || entries[0].Action != "tenant.create" {
				t.Errorf("audit = %+v, %v; want only the creation", entries, err)
			}
		})
	}
}
