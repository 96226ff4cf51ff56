package session_test

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/snapbridge/snapbridge/internal/session"
	"github.com/snapbridge/snapbridge/internal/tenant"
)

const (
	briefIssuer = "https://crm.brief.example"
	briefSecret = "brief-secret-0123456789abcdefghijklm"
)

// boundsVerifier is a verifier over acme (the default 10-minute maximum
// lifetime) and brief, whose own context.maxLifetime is 2 minutes.
func boundsVerifier(t *testing.T, f *fixture) *session.ContextVerifier {
	t.Helper()
	brief := testTenant("brief", briefIssuer, tenant.ContextKey{ID: "hs-1", Alg: "HS256", Secret: briefSecret})
	brief.Context.MaxLifetime = 2 * time.Minute
	reg, err := tenant.NewRegistry([]tenant.Tenant{
		testTenant("acme", acmeIssuer, tenant.ContextKey{ID: "hs-1", Alg: "HS256", Secret: acmeSecret1}),
		brief,
	})
	if err != nil {
		t.Fatal(err)
	}
	return session.NewContextVerifier(reg, f.db, func() time.Time { return f.now })
}

// signSized signs acme claims padded with an unknown claim (and, where a
// base64 length cannot be hit otherwise, an unknown header) so the token
// is exactly size bytes long.
func signSized(t *testing.T, f *fixture, size int) string {
	t.Helper()
	signPadded := func(header, pad int) string {
		c := f.claims()
		c["pad"] = strings.Repeat("p", pad)
		tok := jwt.NewWithClaims(jwt.SigningMethodHS256, c)
		tok.Header["kid"] = "hs-1"
		if header > 0 {
			tok.Header["x"] = strings.Repeat("x", header)
		}
		s, err := tok.SignedString([]byte(acmeSecret1))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	return sized(t, size, signPadded)
}

// sized finds the token of exactly size bytes that signPadded makes with
// some padding in an unknown header (0–3 bytes) and in an unknown claim.
func sized(t *testing.T, size int, signPadded func(header, pad int) string) string {
	t.Helper()
	for header := 0; header < 4; header++ {
		// Every 3 bytes of padding add 4 characters.
		start := max(0, (size-len(signPadded(header, 0)))*3/4-8)
		for pad := start; pad < start+24; pad++ {
			if s := signPadded(header, pad); len(s) == size {
				return s
			}
		}
	}
	t.Fatalf("no token of exactly %d bytes", size)
	return ""
}

// The limits on a host context hold exactly at their edges: at the limit
// accepted, one past it refused with context_invalid (or
// context_too_large), and dates must be JSON numbers (RFC 7519 §2).
func TestHostContextLimitsHoldAtTheirEdges(t *testing.T) {
	f := newFixture(t)
	v := boundsVerifier(t, f)
	hs := jwt.SigningMethodHS256
	acme := func(edit func(c jwt.MapClaims)) func(t *testing.T) string {
		return func(t *testing.T) string {
			c := f.claims()
			edit(c)
			return sign(t, hs, []byte(acmeSecret1), "hs-1", c)
		}
	}
	brief := func(lifetime time.Duration) func(t *testing.T) string {
		return func(t *testing.T) string {
			c := f.claims()
			c["iss"], c["exp"] = briefIssuer, f.now.Add(lifetime).Unix()
			return sign(t, hs, []byte(briefSecret), "hs-1", c)
		}
	}
	lives := func(d time.Duration) func(t *testing.T) string {
		return acme(func(c jwt.MapClaims) { c["exp"] = f.now.Add(d).Unix() })
	}
	viewerWith := func(field string, n int) func(t *testing.T) string {
		return acme(func(c jwt.MapClaims) {
			c["viewer"] = map[string]any{"id": "crm-user-7", field: strings.Repeat("v", n)}
		})
	}
	recordWith := func(field string, n int) func(t *testing.T) string {
		return acme(func(c jwt.MapClaims) {
			r := map[string]any{"id": "lead-1", "type": "lead"}
			r[field] = strings.Repeat("r", n)
			c["records"] = []any{r}
		})
	}
	for _, tc := range []struct {
		scenario string
		token    func(t *testing.T) string
		wantCode string // empty: accepted
		wantIn   string
	}{
		{"lifetime exactly the 10-minute maximum", lives(10 * time.Minute), "", ""},
		{"lifetime one second over the maximum", lives(10*time.Minute + time.Second), session.CodeContextInvalid, "lives 10m1s"},
		{"exp equal to iat: a context that lives no time", lives(0), session.CodeContextInvalid, "exp must be later than iat"},
		{"exp before iat", acme(func(c jwt.MapClaims) { c["iat"] = f.now.Unix(); c["exp"] = f.now.Add(-time.Second).Unix() }),
			session.CodeContextInvalid, "exp must be later than iat"},
		{"tenant's own 2-minute maximum, exactly", brief(2 * time.Minute), "", ""},
		{"tenant's own 2-minute maximum refuses a 5-minute context", brief(5 * time.Minute), session.CodeContextInvalid, "tenant brief allows at most 2m0s"},
		{"exp as a JSON string", acme(func(c jwt.MapClaims) { c["exp"] = "1999999999" }), session.CodeContextInvalid, "claim exp must be a JSON number"},
		{"iat as a JSON string", acme(func(c jwt.MapClaims) { c["iat"] = "1700000000" }), session.CodeContextInvalid, "claim iat must be a JSON number"},
		{"nbf as a JSON string", acme(func(c jwt.MapClaims) { c["nbf"] = "1700000000" }), session.CodeContextInvalid, "claim nbf must be a JSON number"},
		{"exp as a JSON boolean", acme(func(c jwt.MapClaims) { c["exp"] = true }), session.CodeContextInvalid, "claim exp must be a JSON number"},
		{"jti as a JSON number", acme(func(c jwt.MapClaims) { c["jti"] = 5 }), session.CodeContextInvalid, "claim jti must be a JSON string"},
		{"viewer.id as a JSON number", acme(func(c jwt.MapClaims) { c["viewer"] = map[string]any{"id": 7} }), session.CodeContextInvalid, "claim viewer.id must be a JSON string"},
		{"fractional dates are numbers too", acme(func(c jwt.MapClaims) {
			c["iat"] = float64(f.now.Unix()) + 0.5
			c["exp"] = float64(f.now.Add(time.Minute).Unix()) + 0.5
		}), "", ""},
		{"jti of 128 bytes", acme(func(c jwt.MapClaims) { c["jti"] = strings.Repeat("j", session.MaxIDLen) }), "", ""},
		{"jti of 129 bytes", acme(func(c jwt.MapClaims) { c["jti"] = strings.Repeat("j", session.MaxIDLen+1) }), session.CodeContextInvalid, "jti is longer than 128"},
		{"context of exactly 16 KiB", func(t *testing.T) string { return signSized(t, f, session.MaxContextBytes) }, "", ""},
		{"context one byte over 16 KiB", func(t *testing.T) string { return signSized(t, f, session.MaxContextBytes+1) }, session.CodeContextTooLarge, "at most 16384"},
		{"nbf of 0: valid since 1970", acme(func(c jwt.MapClaims) { c["nbf"] = 0 }), "", ""},
		{"nbf of null: no nbf", acme(func(c jwt.MapClaims) { c["nbf"] = nil }), "", ""},
		{"viewer.id with a space", acme(func(c jwt.MapClaims) { c["viewer"] = map[string]any{"id": "CORP user 7"} }), "", ""},
		{"viewer.id with a unit separator (0x1f)", acme(func(c jwt.MapClaims) { c["viewer"] = map[string]any{"id": "crm\x1fuser"} }),
			session.CodeContextInvalid, "viewer.id contains control characters"},
		{"record id with a space", acme(func(c jwt.MapClaims) { c["records"] = []any{map[string]any{"id": "lead 1", "type": "lead"}} }), "", ""},
		{"record id with DEL (0x7f)", acme(func(c jwt.MapClaims) { c["records"] = []any{map[string]any{"id": "lead\x7f1", "type": "lead"}} }),
			session.CodeContextInvalid, "records[0]: id contains control characters"},
		{"viewer.id of 256 bytes", acme(func(c jwt.MapClaims) { c["viewer"] = map[string]any{"id": strings.Repeat("v", session.MaxFieldLen)} }), "", ""},
		{"viewer.id of 257 bytes", acme(func(c jwt.MapClaims) { c["viewer"] = map[string]any{"id": strings.Repeat("v", session.MaxFieldLen+1)} }),
			session.CodeContextInvalid, "viewer.id is longer than 256"},
		{"viewer.name of 256 bytes", viewerWith("name", session.MaxFieldLen), "", ""},
		{"viewer.name of 257 bytes", viewerWith("name", session.MaxFieldLen+1), session.CodeContextInvalid, "viewer.name is longer than 256"},
		{"viewer.email of 256 bytes", viewerWith("email", session.MaxFieldLen), "", ""},
		{"viewer.email of 257 bytes", viewerWith("email", session.MaxFieldLen+1), session.CodeContextInvalid, "viewer.email is longer than 256"},
		{"record id of 128 bytes", recordWith("id", session.MaxIDLen), "", ""},
		{"record id of 129 bytes", recordWith("id", session.MaxIDLen+1), session.CodeContextInvalid, "records[0]: id is longer than 128"},
		{"record firstName of 256 bytes", recordWith("firstName", session.MaxFieldLen), "", ""},
		{"record firstName of 257 bytes", recordWith("firstName", session.MaxFieldLen+1), session.CodeContextInvalid, "records[0]: firstName is longer than 256"},
		{"record lastName of 256 bytes", recordWith("lastName", session.MaxFieldLen), "", ""},
		{"record lastName of 257 bytes", recordWith("lastName", session.MaxFieldLen+1), session.CodeContextInvalid, "records[0]: lastName is longer than 256"},
		{"record email of 256 bytes", recordWith("email", session.MaxFieldLen), "", ""},
		{"record email of 257 bytes", recordWith("email", session.MaxFieldLen+1), session.CodeContextInvalid, "records[0]: email is longer than 256"},
		{"record company of 256 bytes", recordWith("company", session.MaxFieldLen), "", ""},
		{"record company of 257 bytes", recordWith("company", session.MaxFieldLen+1), session.CodeContextInvalid, "records[0]: company is longer than 256"},
		{"record title of 256 bytes", recordWith("title", session.MaxFieldLen), "", ""},
		{"record title of 257 bytes", recordWith("title", session.MaxFieldLen+1), session.CodeContextInvalid, "records[0]: title is longer than 256"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			raw := tc.token(t)
			hc, err := v.Verify(context.Background(), raw)
			if tc.wantCode == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if hc.ID == "" {
					t.Fatal("accepted without a jti")
				}
				return
			}
			var e *session.Error
			if !errors.As(err, &e) || e.Code != tc.wantCode || !strings.Contains(e.Message, tc.wantIn) {
				t.Fatalf("Verify error = %v, want %s saying %q", err, tc.wantCode, tc.wantIn)
			}
		})
	}
}

// A widget session is only ever accepted in the form this server issued:
// signed by our key is not enough when the issuer, the lifetime or the
// token's spelling differ.
func TestSessionTokenOnlyInTheFormWeIssued(t *testing.T) {
	f := newFixture(t)
	key := newEd25519(t)
	start := f.now
	iss := f.issuer(key, 0, func() time.Time { return start })
	issued, _, err := iss.Issue(f.hostContext(t))
	if err != nil {
		t.Fatal(err)
	}
	ours := func(edit func(c jwt.MapClaims)) string {
		c := sessionClaims(t, issued, start, time.Minute)
		edit(c)
		return sign(t, jwt.SigningMethodEdDSA, key, "", c)
	}
	for _, tc := range []struct {
		scenario string
		token    string
		ok       bool
	}{
		{"the token as issued", issued, true},
		{"our key, our claims", ours(func(jwt.MapClaims) {}), true},
		{"our key but another issuer", ours(func(c jwt.MapClaims) { c["iss"] = "https://crm.acme.example" }), false},
		{"our key but no issuer", ours(func(c jwt.MapClaims) { delete(c, "iss") }), false},
		{"our key, exactly the 15-minute maximum", ours(func(c jwt.MapClaims) { c["exp"] = start.Add(session.MaxSessionLifetime).Unix() }), true},
		{"our key, one second over the maximum", ours(func(c jwt.MapClaims) { c["exp"] = start.Add(session.MaxSessionLifetime + time.Second).Unix() }), false},
		{"the issued token with its signature spelled another way", respell(t, issued), false},
		{"our key, a token of exactly MaxSessionBytes", sessionSized(t, key, issued, start, session.MaxSessionBytes), true},
		{"our key, a token one byte over MaxSessionBytes", sessionSized(t, key, issued, start, session.MaxSessionBytes+1), false},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			_, err := iss.Verify(context.Background(), tc.token)
			if tc.ok {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var e *session.Error
			if !errors.As(err, &e) || e.Code != session.CodeSessionInvalid {
				t.Fatalf("Verify error = %v, want %s", err, session.CodeSessionInvalid)
			}
		})
	}
}

// sessionSized signs our session claims, padded with an unknown claim and
// header, so the token is exactly size bytes long.
func sessionSized(t *testing.T, key any, issued string, start time.Time, size int) string {
	t.Helper()
	return sized(t, size, func(header, pad int) string {
		c := sessionClaims(t, issued, start, time.Minute)
		c["pad"] = strings.Repeat("p", pad)
		tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, c)
		if header > 0 {
			tok.Header["x"] = strings.Repeat("x", header)
		}
		s, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// respell sets the unused low bits of the signature's last base64url
// character: a lenient decoder reads the same signature from it.
func respell(t *testing.T, token string) string {
	t.Helper()
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(alphabet, token[len(token)-1])
	// An HS256 signature is 32 bytes: 43 characters, 2 bits to spare (an
	// Ed25519 one of an earlier release 64 bytes, 86 characters, 4 bits).
	if last < 0 || last&0x3 != 0 {
		t.Fatalf("unexpected last signature character %q", token[len(token)-1])
	}
	other := token[:len(token)-1] + string(alphabet[last|1])
	parts := strings.Split(other, ".")
	a, err1 := base64.RawURLEncoding.DecodeString(parts[2])
	b, err2 := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[2])
	if err1 != nil || err2 != nil || string(a) != string(b) {
		t.Fatal("the respelled signature does not decode to the same bytes")
	}
	return other
}
