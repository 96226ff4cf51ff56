package session_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/snapbridge/snapbridge/internal/session"
	"github.com/snapbridge/snapbridge/internal/tenant"
	"github.com/snapbridge/snapbridge/internal/wire"
)

func newEd25519(t testing.TB) ed25519.PrivateKey {
	t.Helper()
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatalf("generate Ed25519 key: %v", err)
	}
	return key
}

func hostContext() *session.HostContext {
	return &session.HostContext{
		Tenant:  &tenant.Tenant{ID: "acme"},
		Viewer:  wire.Viewer{ID: "crm-user-7", Name: "Dana Seller", Email: "dana@acme.example"},
		Records: []wire.Record{{ID: "lead-1", Type: "lead", FirstName: "Ada"}, {ID: "acct-9", Type: "account", Company: "Globex"}},
		Roles:   []string{session.RoleAdmin},
		ID:      "ctx-1",
	}
}

// sessionClaims returns the payload Issue would write, for forging tokens.
func sessionClaims(now time.Time, lifetime time.Duration) jwt.MapClaims {
	return jwt.MapClaims{
		"iss": session.SessionIssuer, "aud": session.SessionAudience, "sub": "crm-user-7",
		"iat": now.Unix(), "exp": now.Add(lifetime).Unix(), "jti": "forged",
		"tnt": "acme", "viewer": map[string]any{"id": "crm-user-7"},
		"records": []any{map[string]any{"id": "lead-1", "type": "lead"}},
	}
}

func TestIssuer(t *testing.T) {
	key := newEd25519(t)
	start := time.Now().Truncate(time.Second)
	tests := []struct {
		scenario string
		// lifetime is passed to NewIssuer.
		lifetime time.Duration
		// token returns the token to verify; issued is the token Issue made.
		token func(t *testing.T, issued string) string
		// after is how long after issuing Verify runs.
		after        time.Duration
		wantCode     string // empty: accepted
		wantLifetime time.Duration
	}{
		{scenario: "round trip", lifetime: 10 * time.Minute,
			token: func(_ *testing.T, issued string) string { return issued }, after: 9 * time.Minute, wantLifetime: 10 * time.Minute},
		{scenario: "default lifetime is 15 minutes",
			token: func(_ *testing.T, issued string) string { return issued }, wantLifetime: 15 * time.Minute},
		{scenario: "lifetime capped at 15 minutes", lifetime: time.Hour,
			token: func(_ *testing.T, issued string) string { return issued }, wantLifetime: 15 * time.Minute},
		{scenario: "expired", lifetime: 10 * time.Minute,
			token: func(_ *testing.T, issued string) string { return issued }, after: 11 * time.Minute, wantCode: session.CodeSessionExpired},
		{scenario: "a capped lifetime expires after 15 minutes", lifetime: time.Hour,
			token: func(_ *testing.T, issued string) string { return issued }, after: 16 * time.Minute, wantCode: session.CodeSessionExpired},
		{scenario: "signed by another key",
			token: func(t *testing.T, _ string) string {
				other, _, err := session.NewIssuer(newEd25519(t), 0, func() time.Time { return start }).Issue(hostContext())
				if err != nil {
					t.Fatalf("Issue: %v", err)
				}
				return other
			},
			wantCode: session.CodeSessionInvalid},
		{scenario: "alg swapped to HS256 with the public key bytes as secret",
			token: func(t *testing.T, _ string) string {
				return sign(t, jwt.SigningMethodHS256, []byte(key.Public().(ed25519.PublicKey)), "", sessionClaims(start, time.Minute))
			},
			wantCode: session.CodeSessionInvalid},
		{scenario: "alg none",
			token: func(t *testing.T, _ string) string {
				return sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, "", sessionClaims(start, time.Minute))
			},
			wantCode: session.CodeSessionInvalid},
		{scenario: "our key but living an hour",
			token: func(t *testing.T, _ string) string {
				return sign(t, jwt.SigningMethodEdDSA, key, "", sessionClaims(start, time.Hour))
			},
			wantCode: session.CodeSessionInvalid},
		{scenario: "our key but a host context's audience",
			token: func(t *testing.T, _ string) string {
				c := sessionClaims(start, time.Minute)
				c["aud"] = "snapbridge"
				return sign(t, jwt.SigningMethodEdDSA, key, "", c)
			},
			wantCode: session.CodeSessionInvalid},
		{scenario: "our key but no records",
			token: func(t *testing.T, _ string) string {
				c := sessionClaims(start, time.Minute)
				delete(c, "records")
				return sign(t, jwt.SigningMethodEdDSA, key, "", c)
			},
			wantCode: session.CodeSessionInvalid},
		{scenario: "tampered records",
			token: func(t *testing.T, issued string) string {
				parts := strings.Split(issued, ".")
				forged := strings.Split(sign(t, jwt.SigningMethodEdDSA, newEd25519(t), "", sessionClaims(start, time.Minute)), ".")
				return parts[0] + "." + forged[1] + "." + parts[2]
			},
			wantCode: session.CodeSessionInvalid},
		{scenario: "empty token", token: func(*testing.T, string) string { return "" }, wantCode: session.CodeSessionInvalid},
		{scenario: "garbage", token: func(*testing.T, string) string { return "not-a-token" }, wantCode: session.CodeSessionInvalid},
		{scenario: "oversized token",
			token:    func(*testing.T, string) string { return strings.Repeat("a", session.MaxSessionBytes+1) },
			wantCode: session.CodeSessionInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			now := start
			iss := session.NewIssuer(key, tc.lifetime, func() time.Time { return now })
			issued, s, err := iss.Issue(hostContext())
			if err != nil {
				t.Fatalf("Issue: %v", err)
			}
			if tc.wantLifetime != 0 && s.ExpiresAt.Sub(start) != tc.wantLifetime {
				t.Fatalf("session lives %s, want %s", s.ExpiresAt.Sub(start), tc.wantLifetime)
			}
			now = start.Add(tc.after)
			got, err := iss.Verify(tc.token(t, issued))
			if tc.wantCode == "" {
				if err != nil {
					t.Fatalf("Verify refused its own session: %v", err)
				}
				if got.ID != s.ID || got.Tenant != "acme" || got.Viewer != s.Viewer || !got.ExpiresAt.Equal(s.ExpiresAt) ||
					len(got.Records) != 2 || got.Records[1] != s.Records[1] || !got.HasRole(session.RoleAdmin) {
					t.Fatalf("Verify = %+v, want %+v", got, s)
				}
				return
			}
			var e *session.Error
			if !errors.As(err, &e) || e.Code != tc.wantCode {
				t.Fatalf("Verify error = %v, want code %s", err, tc.wantCode)
			}
		})
	}
}

func TestIssuerRefusesBadInput(t *testing.T) {
	tests := []struct {
		scenario string
		key      ed25519.PrivateKey
		hc       *session.HostContext
	}{
		{scenario: "no host context", key: newEd25519(t)},
		{scenario: "host context without tenant", key: newEd25519(t), hc: &session.HostContext{
			Viewer: wire.Viewer{ID: "v"}, Records: []wire.Record{{ID: "r", Type: "lead"}}}},
		{scenario: "host context without records", key: newEd25519(t), hc: &session.HostContext{
			Tenant: &tenant.Tenant{ID: "acme"}, Viewer: wire.Viewer{ID: "v"}}},
		{scenario: "no key", hc: hostContext()},
		{scenario: "truncated key", key: newEd25519(t)[:10], hc: hostContext()},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			iss := session.NewIssuer(tc.key, 0, nil)
			if token, s, err := iss.Issue(tc.hc); err == nil {
				t.Fatalf("Issue = %q, %+v; want an error", token, s)
			}
			if _, err := iss.Verify("a.b.c"); err == nil {
				t.Fatal("Verify accepted garbage")
			}
		})
	}
}

func TestSessionRecordAndRole(t *testing.T) {
	s := &session.Session{
		Records: []wire.Record{{ID: "lead-1", Type: "lead"}, {ID: "acct-9", Type: "account", Company: "Globex"}},
		Roles:   []string{session.RoleAdmin},
	}
	tests := []struct {
		scenario  string
		recordID  string
		wantFound bool
		wantType  string
	}{
		{scenario: "a record the context named", recordID: "acct-9", wantFound: true, wantType: "account"},
		{scenario: "a record the context did not name", recordID: "lead-2"},
		{scenario: "an empty id", recordID: ""},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			r, ok := s.Record(tc.recordID)
			if ok != tc.wantFound || r.Type != tc.wantType {
				t.Fatalf("Record(%q) = %+v, %v; want type %q, %v", tc.recordID, r, ok, tc.wantType, tc.wantFound)
			}
		})
	}
	if !s.HasRole(session.RoleAdmin) || s.HasRole("owner") || (&session.Session{}).HasRole(session.RoleAdmin) {
		t.Fatal("HasRole does not reflect the roles the context granted")
	}
}

func BenchmarkVerifySession(b *testing.B) {
	iss := session.NewIssuer(newEd25519(b), 0, nil)
	token, _, err := iss.Issue(hostContext())
	if err != nil {
		b.Fatalf("Issue: %v", err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := iss.Verify(token); err != nil {
			b.Fatalf("Verify: %v", err)
		}
	}
}
