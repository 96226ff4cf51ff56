package tenant

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
)

func validTenant() Tenant {
	return Tenant{
		ID:             "acme",
		LinkedIn:       LinkedInApp{ClientID: "86abc", ClientSecret: "s3cret"},
		CRM:            CRM{Partner: "MS", InstanceID: "acme.crm.dynamics.com", SourceType: "DYN", Type: "DYNAMICS"},
		AllowedOrigins: []string{"https://acme.crm.dynamics.com"},
		Context: ContextPolicy{Issuer: "https://acme.crm.dynamics.com", Keys: []ContextKey{
			{ID: "k1", Alg: "HS256", Secret: strings.Repeat("x", 32)},
		}},
	}
}

func pemOf(t *testing.T, pub any) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// An operator who mistypes the configuration learns which tenant and
// which field to fix, and the server refuses to start.
func TestValidateNamesTenantAndField(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	smallRSA, _ := rsa.GenerateKey(rand.Reader, 1024)
	edPub, _, _ := ed25519.GenerateKey(rand.Reader)
	for _, tc := range []struct {
		scenario string
		mutate   func(*Tenant)
		field    string // "" means valid
	}{
		{"valid HS256", func(*Tenant) {}, ""},
		{"valid RS256 and EdDSA side by side", func(t2 *Tenant) {
			t2.Context.Keys = []ContextKey{{ID: "r", Alg: "RS256", PublicKey: pemOf(t, &rsaKey.PublicKey)}, {ID: "e", Alg: "EdDSA", PublicKey: pemOf(t, edPub)}}
		}, ""},
		{"upper-case id", func(t2 *Tenant) { t2.ID = "Acme" }, "id"},
		{"missing client id", func(t2 *Tenant) { t2.LinkedIn.ClientID = "" }, "linkedin.clientId"},
		{"missing client secret", func(t2 *Tenant) { t2.LinkedIn.ClientSecret = "" }, "linkedin.clientSecret"},
		{"missing partner", func(t2 *Tenant) { t2.CRM.Partner = "" }, "crm.partner"},
		{"no allowed origin", func(t2 *Tenant) { t2.AllowedOrigins = nil }, "allowedOrigins"},
		{"origin with a path", func(t2 *Tenant) { t2.AllowedOrigins = []string{"https://crm.example.com/page"} }, "allowedOrigins[0]"},
		{"any https site may frame", func(t2 *Tenant) { t2.AllowedOrigins = []string{"https://crm.example.com", "https://*"} }, "allowedOrigins[1]"},
		{"wildcard under a TLD", func(t2 *Tenant) { t2.AllowedOrigins = []string{"https://*.com"} }, "allowedOrigins[0]"},
		{"port 99999", func(t2 *Tenant) { t2.AllowedOrigins = []string{"https://a.b:99999"} }, "allowedOrigins[0]"},
		{"origin ending in a quote", func(t2 *Tenant) { t2.AllowedOrigins = []string{`https://a.b"`} }, "allowedOrigins[0]"},
		{"plain http on the internet", func(t2 *Tenant) { t2.AllowedOrigins = []string{"http://a.b"} }, "allowedOrigins[0]"},
		{"missing issuer", func(t2 *Tenant) { t2.Context.Issuer = "" }, "context.issuer"},
		{"lifetime over 10 minutes", func(t2 *Tenant) { t2.Context.MaxLifetime = 11 * 60e9 }, "context.maxLifetime"},
		{"no keys", func(t2 *Tenant) { t2.Context.Keys = nil }, "context.keys"},
		{"short HS256 secret", func(t2 *Tenant) { t2.Context.Keys[0].Secret = "short" }, "context.keys[0]"},
		{"key id with a slash", func(t2 *Tenant) { t2.Context.Keys[0].ID = "a/b" }, "context.keys[0].id"},
		{"key id with a newline", func(t2 *Tenant) { t2.Context.Keys[0].ID = "a\nb" }, "context.keys[0].id"},
		{"key id of 5,000 characters", func(t2 *Tenant) { t2.Context.Keys[0].ID = strings.Repeat("k", 5000) }, "context.keys[0].id"},
		{"duplicate key id", func(t2 *Tenant) { t2.Context.Keys = append(t2.Context.Keys, t2.Context.Keys[0]) }, "context.keys[1].id"},
		{"alg none", func(t2 *Tenant) { t2.Context.Keys[0].Alg = "none" }, "context.keys[0]"},
		{"RSA key declared EdDSA", func(t2 *Tenant) {
			t2.Context.Keys[0] = ContextKey{ID: "r", Alg: "EdDSA", PublicKey: pemOf(t, &rsaKey.PublicKey)}
		}, "context.keys[0]"},
		{"1024-bit RSA", func(t2 *Tenant) {
			t2.Context.Keys[0] = ContextKey{ID: "r", Alg: "RS256", PublicKey: pemOf(t, &smallRSA.PublicKey)}
		}, "context.keys[0]"},
		{"garbage PEM", func(t2 *Tenant) { t2.Context.Keys[0] = ContextKey{ID: "r", Alg: "RS256", PublicKey: "nope"} }, "context.keys[0]"},
		{"bad accent colour", func(t2 *Tenant) { t2.AccentColor = "blue" }, "accentColor"},
		{"light theme", func(t2 *Tenant) { t2.Theme = ThemeLight }, ""},
		{"dark theme", func(t2 *Tenant) { t2.Theme = ThemeDark }, ""},
		{"theme that follows the host", func(t2 *Tenant) { t2.Theme = ThemeHost }, ""},
		{"theme following the operating system", func(t2 *Tenant) { t2.Theme = "system" }, "theme"},
		{"theme in capitals", func(t2 *Tenant) { t2.Theme = "Dark" }, "theme"},
		{"tiny iframe", func(t2 *Tenant) { t2.Display.Width = 10 }, "display.width"},
		{"endless iframe", func(t2 *Tenant) { t2.Display.Height = 9000 }, "display.height"},
		{"narrowest iframe (100 px)", func(t2 *Tenant) { t2.Display.Width = 100 }, ""},
		{"iframe narrower than 100 px", func(t2 *Tenant) { t2.Display.Width = 99 }, "display.width"},
		{"widest iframe (2000 px)", func(t2 *Tenant) { t2.Display.Width = 2000 }, ""},
		{"iframe wider than 2000 px", func(t2 *Tenant) { t2.Display.Width = 2001 }, "display.width"},
		{"shortest iframe (100 px)", func(t2 *Tenant) { t2.Display.Height = 100 }, ""},
		{"iframe shorter than 100 px", func(t2 *Tenant) { t2.Display.Height = 99 }, "display.height"},
		{"tallest iframe (4000 px)", func(t2 *Tenant) { t2.Display.Height = 4000 }, ""},
		{"iframe taller than 4000 px", func(t2 *Tenant) { t2.Display.Height = 4001 }, "display.height"},
		{"negative budget", func(t2 *Tenant) { t2.DailyLookupBudget = -1 }, "dailyLookupBudget"},
		{"client secret that is not UTF-8 (the database would change it)", func(t2 *Tenant) { t2.LinkedIn.ClientSecret = "s3cret\xff" }, "linkedin.clientSecret"},
		{"context secret that is not UTF-8", func(t2 *Tenant) { t2.Context.Keys[0].Secret = strings.Repeat("x", 32) + "\xc3" }, "context.keys[0].secret"},
		{"name that is not UTF-8", func(t2 *Tenant) { t2.Name = "Acme \xe9" }, "name"},
		{"name in any script", func(t2 *Tenant) { t2.Name = "Ünïcödé GmbH – 日本" }, ""},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			tn := validTenant()
			tc.mutate(&tn)
			tn.ApplyDefaults()
			err := tn.Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("valid tenant refused: %v", err)
				}
				return
			}
			fe, ok := err.(*FieldError)
			if !ok {
				t.Fatalf("err = %v, want a *FieldError for %s", err, tc.field)
			}
			if fe.Field != tc.field || !strings.Contains(err.Error(), `tenant "`+tn.ID+`"`) {
				t.Errorf("err = %q (field %q), want field %q named with its tenant", err, fe.Field, tc.field)
			}
			if strings.Contains(err.Error(), strings.Repeat("x", 32)) {
				t.Errorf("the error repeats a secret: %v", err)
			}
		})
	}
}

func TestApplyDefaults(t *testing.T) {
	tn := validTenant()
	tn.ApplyDefaults()
	if tn.Name != "acme" || tn.CRM.OrgID != tn.CRM.InstanceID || tn.Context.Audience != "snapbridge" ||
		tn.Display.Modules != "TopCard2,RelatedLeads" || tn.Display.Version != "2.1" || !tn.Display.Inline() ||
		tn.Display.Width != 300 || tn.Display.Height != 336 || tn.Cache.Matched.Hours() != 6 || tn.Cache.NoMatch.Minutes() != 15 ||
		tn.DailyLookupBudget != 5000 || tn.AccentColor != "#0a66c2" || tn.Theme != ThemeHost {
		t.Errorf("defaults not applied: %+v", tn)
	}
	off := false
	tn.Display.InlineMode = &off
	if tn.Display.Inline() {
		t.Error("inlineMode: false is ignored")
	}
}

func TestRegistryRefusesDuplicates(t *testing.T) {
	a, b := validTenant(), validTenant()
	b.ID = "other"
	if _, err := NewRegistry([]Tenant{a, b}); err == nil || !strings.Contains(err.Error(), "context.issuer") {
		t.Errorf("two tenants with one issuer: err = %v", err)
	}
	b.Context.Issuer = "https://other.example"
	r, err := NewRegistry([]Tenant{a, b})
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := r.ByIssuer("https://other.example"); !ok || got.ID != "other" {
		t.Errorf("ByIssuer = %v, %v", got, ok)
	}
	if _, err := NewRegistry([]Tenant{a, a}); err == nil {
		t.Error("duplicate ids accepted")
	}
}
