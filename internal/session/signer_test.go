package session_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/snapbridge/snapbridge/internal/session"
	"github.com/snapbridge/snapbridge/internal/tenant"
	"github.com/snapbridge/snapbridge/internal/wire"
)

func TestSignContext(t *testing.T) {
	f := newFixture(t)
	otherRSA, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("generate RSA key: %v", err)
	}
	one := []wire.Record{{ID: "lead-1", Type: "lead"}}
	valid := session.ContextClaims{Viewer: viewer(), Records: one}
	tests := []struct {
		scenario string
		sign     func() (string, error)
		wantErr  string // empty: the token must verify
		wantKid  string
		wantLife time.Duration
	}{
		{scenario: "first HS256 key, default lifetime",
			sign:    func() (string, error) { return session.SignContext(f.tenant(t, "acme"), valid, f.now) },
			wantKid: "hs-1", wantLife: session.DefaultContextLifetime},
		{scenario: "explicit lifetime and admin role",
			sign: func() (string, error) {
				return session.SignContext(f.tenant(t, "acme"), session.ContextClaims{
					Viewer: viewer(), Records: one, Roles: []string{session.RoleAdmin}, Lifetime: 2 * time.Minute}, f.now)
			},
			wantKid: "hs-1", wantLife: 2 * time.Minute},
		{scenario: "RS256 private key",
			sign: func() (string, error) {
				return session.SignContextWith(f.tenant(t, "globex"), "rsa-1", "RS256", f.globexRSA, valid, f.now)
			},
			wantKid: "rsa-1", wantLife: session.DefaultContextLifetime},
		{scenario: "tenant without an HS256 key",
			sign:    func() (string, error) { return session.SignContext(f.tenant(t, "globex"), valid, f.now) },
			wantErr: "has no HS256 key"},
		{scenario: "lifetime above the tenant's maximum",
			sign: func() (string, error) {
				return session.SignContext(f.tenant(t, "acme"), session.ContextClaims{Viewer: viewer(), Records: one, Lifetime: 11 * time.Minute}, f.now)
			},
			wantErr: "at most 10m0s"},
		{scenario: "no records",
			sign: func() (string, error) {
				return session.SignContext(f.tenant(t, "acme"), session.ContextClaims{Viewer: viewer()}, f.now)
			},
			wantErr: "records needs at least one"},
		{scenario: "no viewer id",
			sign: func() (string, error) {
				return session.SignContext(f.tenant(t, "acme"), session.ContextClaims{Records: one}, f.now)
			},
			wantErr: "viewer.id is required"},
		{scenario: "RSA key that is not the tenant's",
			sign: func() (string, error) {
				return session.SignContextWith(f.tenant(t, "globex"), "rsa-1", "RS256", otherRSA, valid, f.now)
			},
			wantErr: "matching key \"rsa-1\""},
		{scenario: "alg that the key is not configured for",
			sign: func() (string, error) {
				return session.SignContextWith(f.tenant(t, "acme"), "rsa-1", "HS256", []byte(f.acmeRSAPEM), valid, f.now)
			},
			wantErr: "configured for RS256, not HS256"},
		{scenario: "unknown key id",
			sign: func() (string, error) {
				return session.SignContextWith(f.tenant(t, "acme"), "hs-9", "HS256", []byte(acmeSecret1), valid, f.now)
			},
			wantErr: "no key \"hs-9\""},
		{scenario: "wrong HS256 secret",
			sign: func() (string, error) {
				return session.SignContextWith(f.tenant(t, "acme"), "hs-2", "HS256", []byte(acmeSecret1), valid, f.now)
			},
			wantErr: "secret does not match"},
		{scenario: "Ed25519 key of the wrong size",
			sign: func() (string, error) {
				return session.SignContextWith(f.tenant(t, "acme"), "ed-1", "EdDSA", f.acmeEd[:12], valid, f.now)
			},
			wantErr: "has 12 bytes"},
		{scenario: "no tenant",
			sign:    func() (string, error) { return session.SignContext((*tenant.Tenant)(nil), valid, f.now) },
			wantErr: "no tenant"},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			raw, err := tc.sign()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("sign error = %v, want one saying %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("sign: %v", err)
			}
			hc, err := f.verifier.Verify(context.Background(), raw)
			if err != nil {
				t.Fatalf("Verify refused a context the reference signer made: %v", err)
			}
			if life := hc.ExpiresAt.Sub(hc.IssuedAt); life != tc.wantLife {
				t.Fatalf("context lives %s, want %s", life, tc.wantLife)
			}
			tok, _, err := jwt.NewParser().ParseUnverified(raw, jwt.MapClaims{})
			if err != nil {
				t.Fatalf("ParseUnverified: %v", err)
			}
			if tok.Header["kid"] != tc.wantKid {
				t.Fatalf("kid = %v, want %s", tok.Header["kid"], tc.wantKid)
			}
		})
	}
}

func TestSignContextUsesAFreshJTI(t *testing.T) {
	f := newFixture(t)
	c := session.ContextClaims{Viewer: viewer(), Records: []wire.Record{{ID: "lead-1", Type: "lead"}}}
	seen := map[string]bool{}
	for range 3 {
		raw, err := session.SignContext(f.tenant(t, "acme"), c, f.now)
		if err != nil {
			t.Fatalf("SignContext: %v", err)
		}
		hc, err := f.verifier.Verify(context.Background(), raw)
		if err != nil {
			t.Fatalf("Verify: %v (a repeated jti would be refused as replayed)", err)
		}
		if seen[hc.ID] {
			t.Fatalf("jti %s repeated", hc.ID)
		}
		seen[hc.ID] = true
	}
}

// A signed context lives up to its tenant's context.maxLifetime — 10
// minutes when unset, and never more — and carries the tenant's audience,
// "snapbridge" when unset. Tenants here are built by hand, as a CRM
// integrator's own program may, without the registry's defaults.
func TestSignContextFollowsTheTenantsPolicy(t *testing.T) {
	now := time.Now().Truncate(time.Second)
	policy := func(maxLifetime time.Duration, audience string) *tenant.Tenant {
		tn := testTenant("plain", "https://crm.plain.example", tenant.ContextKey{ID: "hs-1", Alg: "HS256", Secret: acmeSecret1})
		tn.Context.MaxLifetime, tn.Context.Audience = maxLifetime, audience
		return &tn
	}
	for _, tc := range []struct {
		scenario string
		tenant   *tenant.Tenant
		lifetime time.Duration
		wantErr  string // empty: signed
		wantAud  string
	}{
		{"unset maximum: 10 minutes, exactly", policy(0, ""), 10 * time.Minute, "", tenant.DefaultAudience},
		{"unset maximum: 10 minutes and a second", policy(0, ""), 10*time.Minute + time.Second, "at most 10m0s", ""},
		{"own 2-minute maximum, exactly", policy(2*time.Minute, ""), 2 * time.Minute, "", tenant.DefaultAudience},
		{"own 2-minute maximum and a second", policy(2*time.Minute, ""), 2*time.Minute + time.Second, "at most 2m0s", ""},
		{"a maximum above 10 minutes is held to 10", policy(20*time.Minute, ""), 10*time.Minute + time.Second, "at most 10m0s", ""},
		{"a negative lifetime", policy(0, ""), -time.Minute, "must be positive", ""},
		{"the tenant's own audience", policy(0, "plain-widget"), time.Minute, "", "plain-widget"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			raw, err := session.SignContext(tc.tenant, session.ContextClaims{
				Viewer: viewer(), Records: []wire.Record{{ID: "lead-1", Type: "lead"}}, Lifetime: tc.lifetime}, now)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("SignContext error = %v, want one saying %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("SignContext: %v", err)
			}
			var c jwt.RegisteredClaims
			if _, _, err := jwt.NewParser().ParseUnverified(raw, &c); err != nil {
				t.Fatalf("ParseUnverified: %v", err)
			}
			if life := c.ExpiresAt.Sub(c.IssuedAt.Time); life != tc.lifetime {
				t.Fatalf("context lives %s, want %s", life, tc.lifetime)
			}
			if len(c.Audience) != 1 || c.Audience[0] != tc.wantAud {
				t.Fatalf("aud = %q, want %q", c.Audience, tc.wantAud)
			}
		})
	}
}
