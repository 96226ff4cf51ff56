package session_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"database/sql"
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

// hostContext verifies a fresh acme context (viewer crm-user-7, two
// records, the admin role) with f's verifier, which keeps its records in
// f's store, as every session's context is. edits change its claims.
func (f *fixture) hostContext(t testing.TB, edits ...func(jwt.MapClaims)) *session.HostContext {
	t.Helper()
	c := f.claims()
	c["records"] = []any{map[string]any{"id": "lead-1", "type": "lead", "firstName": "Ada"},
		map[string]any{"id": "acct-9", "type": "account", "company": "Globex"}}
	c["roles"] = []any{session.RoleAdmin}
	for _, edit := range edits {
		edit(c)
	}
	hc, err := f.verifier.Verify(context.Background(), sign(t, jwt.SigningMethodHS256, []byte(acmeSecret1), "hs-1", c))
	if err != nil {
		t.Fatalf("verify context: %v", err)
	}
	return hc
}

// issuer returns an issuer over f's store with key, lifetime and clock.
func (f *fixture) issuer(key ed25519.PrivateKey, lifetime time.Duration, now func() time.Time) *session.Issuer {
	return session.NewIssuer(key, lifetime, f.db, now)
}

// claimsOf returns the payload of a token, unverified, to forge others
// from it.
func claimsOf(t testing.TB, token string) jwt.MapClaims {
	t.Helper()
	c := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(token, c); err != nil {
		t.Fatalf("read token: %v", err)
	}
	return c
}

// sessionClaims returns the payload of issued with iat now and exp
// now+lifetime, for forging tokens.
func sessionClaims(t testing.TB, issued string, now time.Time, lifetime time.Duration) jwt.MapClaims {
	c := claimsOf(t, issued)
	c["iat"], c["exp"] = now.Unix(), now.Add(lifetime).Unix()
	return c
}

func TestIssuer(t *testing.T) {
	f := newFixture(t)
	key := newEd25519(t)
	start := f.now
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
				other, _, err := f.issuer(newEd25519(t), 0, func() time.Time { return start }).Issue(f.hostContext(t))
				if err != nil {
					t.Fatalf("Issue: %v", err)
				}
				return other
			},
			wantCode: session.CodeSessionInvalid},
		{scenario: "alg swapped to HS256 with the public key bytes as secret",
			token: func(t *testing.T, issued string) string {
				return sign(t, jwt.SigningMethodHS256, []byte(key.Public().(ed25519.PublicKey)), "", sessionClaims(t, issued, start, time.Minute))
			},
			wantCode: session.CodeSessionInvalid},
		{scenario: "alg none",
			token: func(t *testing.T, issued string) string {
				return sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, "", sessionClaims(t, issued, start, time.Minute))
			},
			wantCode: session.CodeSessionInvalid},
		{scenario: "our key but living an hour",
			token: func(t *testing.T, issued string) string {
				return sign(t, jwt.SigningMethodEdDSA, key, "", sessionClaims(t, issued, start, time.Hour))
			},
			wantCode: session.CodeSessionInvalid},
		{scenario: "our key but a host context's audience",
			token: func(t *testing.T, issued string) string {
				c := sessionClaims(t, issued, start, time.Minute)
				c["aud"] = "snapbridge"
				return sign(t, jwt.SigningMethodEdDSA, key, "", c)
			},
			wantCode: session.CodeSessionInvalid},
		{scenario: "our key but no record set",
			token: func(t *testing.T, issued string) string {
				c := sessionClaims(t, issued, start, time.Minute)
				delete(c, "ctx")
				return sign(t, jwt.SigningMethodEdDSA, key, "", c)
			},
			wantCode: session.CodeSessionInvalid},
		{scenario: "our key but another session's record set under this digest",
			token: func(t *testing.T, issued string) string {
				c := sessionClaims(t, issued, start, time.Minute)
				c["ctx"] = f.hostContext(t, func(c jwt.MapClaims) { c["records"] = records(2, 3) }).ID
				return sign(t, jwt.SigningMethodEdDSA, key, "", c)
			},
			wantCode: session.CodeSessionInvalid},
		{scenario: "our key but another tenant's record set",
			token: func(t *testing.T, issued string) string {
				c := sessionClaims(t, issued, start, time.Minute)
				c["tnt"] = "globex"
				return sign(t, jwt.SigningMethodEdDSA, key, "", c)
			},
			wantCode: session.CodeSessionExpired},
		{scenario: "tampered record set reference",
			token: func(t *testing.T, issued string) string {
				parts := strings.Split(issued, ".")
				c := claimsOf(t, issued)
				c["ctx"] = f.hostContext(t).ID
				forged := strings.Split(sign(t, jwt.SigningMethodEdDSA, newEd25519(t), "", c), ".")
				return parts[0] + "." + forged[1] + "." + parts[2]
			},
			wantCode: session.CodeSessionInvalid},
		{scenario: "a token of the earlier format, records inside, is answered as expired",
			token: func(t *testing.T, issued string) string {
				c := sessionClaims(t, issued, start, time.Minute)
				delete(c, "ctx")
				delete(c, "rsd")
				c["viewer"] = map[string]any{"id": "crm-user-7"}
				c["records"] = []any{map[string]any{"id": "lead-1", "type": "lead"}}
				return sign(t, jwt.SigningMethodEdDSA, key, "", c)
			},
			wantCode: session.CodeSessionExpired},
		{scenario: "empty token", token: func(*testing.T, string) string { return "" }, wantCode: session.CodeSessionInvalid},
		{scenario: "garbage", token: func(*testing.T, string) string { return "not-a-token" }, wantCode: session.CodeSessionInvalid},
		{scenario: "oversized token",
			token:    func(*testing.T, string) string { return strings.Repeat("a", session.MaxSessionBytes+1) },
			wantCode: session.CodeSessionInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			now := start
			clock := func() time.Time { return now }
			issued, s, err := f.issuer(key, tc.lifetime, clock).Issue(f.hostContext(t))
			if err != nil {
				t.Fatalf("Issue: %v", err)
			}
			if tc.wantLifetime != 0 && s.ExpiresAt.Sub(start) != tc.wantLifetime {
				t.Fatalf("session lives %s, want %s", s.ExpiresAt.Sub(start), tc.wantLifetime)
			}
			now = start.Add(tc.after)
			// Another instance: it has not seen the session, so it reads
			// the records from the store.
			got, err := f.issuer(key, tc.lifetime, clock).Verify(context.Background(), tc.token(t, issued))
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

// A store row whose records were changed after the session was issued
// never yields them: the token's digest no longer matches.
func TestSessionRefusesRecordsSwappedInTheStore(t *testing.T) {
	f := newFixture(t)
	key := newEd25519(t)
	hc := f.hostContext(t)
	issued, _, err := f.issuer(key, 0, func() time.Time { return f.now }).Issue(hc)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", "file:"+f.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	swapped := `{"viewer":{"id":"crm-user-7"},"records":[{"id":"ceo-1","type":"contact"}]}`
	if res, err := raw.Exec(`UPDATE used_jtis SET records = ? WHERE tenant = 'acme' AND jti = ?`, []byte(swapped), hc.ID); err != nil {
		t.Fatal(err)
	} else if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("updated %d rows, want the session's one", n)
	}
	_, err = f.issuer(key, 0, func() time.Time { return f.now }).Verify(context.Background(), issued)
	var e *session.Error
	if !errors.As(err, &e) || e.Code != session.CodeSessionInvalid {
		t.Fatalf("Verify with swapped records = %v, want %s", err, session.CodeSessionInvalid)
	}
}

// A session token refers to its records: fifty records of realistic
// size make a token under 1 KiB, while the answer still lists them all.
func TestFiftyRecordSessionTokenIsUnderOneKilobyte(t *testing.T) {
	f := newFixture(t)
	c := f.claims()
	c["records"] = records(session.MaxRecords, 20)
	hc, err := f.verifier.Verify(context.Background(), sign(t, jwt.SigningMethodHS256, []byte(acmeSecret1), "hs-1", c))
	if err != nil {
		t.Fatal(err)
	}
	token, s, err := f.issuer(newEd25519(t), 0, func() time.Time { return f.now }).Issue(hc)
	if err != nil {
		t.Fatal(err)
	}
	if len(token) > 1024 || len(s.Records) != session.MaxRecords {
		t.Fatalf("a %d-record session token is %d bytes, want at most 1024", len(s.Records), len(token))
	}
}

func TestIssuerRefusesBadInput(t *testing.T) {
	f := newFixture(t)
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
		{scenario: "host context not verified, so its records were never stored", key: newEd25519(t), hc: &session.HostContext{
			Tenant: &tenant.Tenant{ID: "acme"}, Viewer: wire.Viewer{ID: "v"}, Records: []wire.Record{{ID: "r", Type: "lead"}}, ID: "ctx-1"}},
		{scenario: "no key", hc: f.hostContext(t)},
		{scenario: "truncated key", key: newEd25519(t)[:10], hc: f.hostContext(t)},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			iss := session.NewIssuer(tc.key, 0, f.db, nil)
			if token, s, err := iss.Issue(tc.hc); err == nil {
				t.Fatalf("Issue = %q, %+v; want an error", token, s)
			}
			if _, err := iss.Verify(context.Background(), "a.b.c"); err == nil {
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
	f := newFixture(b)
	iss := f.issuer(newEd25519(b), 0, nil)
	token, _, err := iss.Issue(f.hostContext(b))
	if err != nil {
		b.Fatalf("Issue: %v", err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := iss.Verify(context.Background(), token); err != nil {
			b.Fatalf("Verify: %v", err)
		}
	}
}

// A session outlives nothing: up to its expiry every instance accepts it
// (the store keeps its records at least that long); past its expiry and
// the leeway, neither the instance that issued it (and remembers it) nor
// another one does.
func TestSessionOutlivesNothing(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		after    time.Duration // from the session's expiry
		wantCode string
	}{
		{scenario: "at its expiry", after: 0},
		{scenario: "within the leeway after its expiry", after: 4 * time.Second},
		{scenario: "past the leeway", after: 6 * time.Second, wantCode: session.CodeSessionExpired},
		{scenario: "an hour later", after: time.Hour, wantCode: session.CodeSessionExpired},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			f := newFixture(t)
			key := newEd25519(t)
			now := f.now
			clock := func() time.Time { return now }
			issuing := f.issuer(key, 0, clock)
			token, s, err := issuing.Issue(f.hostContext(t))
			if err != nil {
				t.Fatal(err)
			}
			now = s.ExpiresAt.Add(tc.after)
			for name, iss := range map[string]*session.Issuer{"issuing": issuing, "other": f.issuer(key, 0, clock)} {
				_, err := iss.Verify(context.Background(), token)
				var e *session.Error
				switch {
				case tc.wantCode == "" && err != nil:
					t.Errorf("the %s instance refused the session: %v", name, err)
				case tc.wantCode != "" && (!errors.As(err, &e) || e.Code != tc.wantCode):
					t.Errorf("the %s instance answered %v, want %s", name, err, tc.wantCode)
				}
			}
		})
	}
}
