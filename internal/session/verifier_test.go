package session_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/snapbridge/snapbridge/internal/session"
	"github.com/snapbridge/snapbridge/internal/wire"
)

func TestVerifyContext(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	hs := jwt.SigningMethodHS256
	// with returns valid acme claims changed by edit.
	with := func(edit func(c jwt.MapClaims)) jwt.MapClaims {
		c := f.claims()
		edit(c)
		return c
	}
	tests := []struct {
		scenario string
		token    func(t *testing.T) string
		// verifyFirst verifies the token once before the checked call.
		verifyFirst bool
		wantCode    string // empty: accepted
		wantIn      string // part of the message
		wantRecords int
	}{
		{
			scenario: "valid HS256 context signed with SignContext",
			token: func(t *testing.T) string {
				s, err := session.SignContext(f.tenant(t, "acme"), session.ContextClaims{
					Viewer:  viewer(),
					Records: []wire.Record{{ID: "lead-1", Type: "lead"}, {ID: "acct-9", Type: "account"}},
				}, f.now)
				if err != nil {
					t.Fatalf("SignContext: %v", err)
				}
				return s
			},
			wantRecords: 2,
		},
		{
			scenario: "valid RS256 context",
			token: func(t *testing.T) string {
				s, err := session.SignContextWith(f.tenant(t, "acme"), "rsa-1", "RS256", f.acmeRSA,
					session.ContextClaims{Viewer: viewer(), Records: []wire.Record{{ID: "c-1", Type: "contact"}}}, f.now)
				if err != nil {
					t.Fatalf("SignContextWith: %v", err)
				}
				return s
			},
			wantRecords: 1,
		},
		{
			scenario: "valid EdDSA context",
			token: func(t *testing.T) string {
				s, err := session.SignContextWith(f.tenant(t, "acme"), "ed-1", "EdDSA", f.acmeEd,
					session.ContextClaims{Viewer: viewer(), Records: []wire.Record{{ID: "c-1", Type: "contact"}}}, f.now)
				if err != nil {
					t.Fatalf("SignContextWith: %v", err)
				}
				return s
			},
			wantRecords: 1,
		},
		{
			scenario:    "second active key during a rotation",
			token:       func(t *testing.T) string { return sign(t, hs, []byte(acmeSecret2), "hs-2", f.claims()) },
			wantRecords: 1,
		},
		{
			scenario:    "no kid: every key of the alg is tried",
			token:       func(t *testing.T) string { return sign(t, hs, []byte(acmeSecret2), "", f.claims()) },
			wantRecords: 1,
		},
		{
			scenario: "expired only within the 30s leeway",
			token: func(t *testing.T) string {
				return sign(t, hs, []byte(acmeSecret1), "hs-1", with(func(c jwt.MapClaims) {
					c["iat"] = f.now.Add(-5 * time.Minute).Unix()
					c["exp"] = f.now.Add(-10 * time.Second).Unix()
				}))
			},
			wantRecords: 1,
		},
		{
			scenario: "50 records, the most a list view may send",
			token: func(t *testing.T) string {
				return sign(t, hs, []byte(acmeSecret1), "hs-1", with(func(c jwt.MapClaims) { c["records"] = records(50, 8) }))
			},
			wantRecords: 50,
		},
		{
			scenario: "alg none",
			token: func(t *testing.T) string {
				return sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, "", f.claims())
			},
			wantCode: session.CodeContextInvalid,
			wantIn:   "alg \"none\" is not accepted",
		},
		{
			scenario: "HS256 signed with the RSA public key PEM as secret, tenant with RS256 only",
			token: func(t *testing.T) string {
				return sign(t, hs, []byte(f.globexPEM), "rsa-1", with(func(c jwt.MapClaims) { c["iss"] = globexIssuer }))
			},
			wantCode: session.CodeContextInvalid,
			wantIn:   "alg \"HS256\" is not accepted for tenant globex",
		},
		{
			scenario: "HS256 signed with the RSA public key PEM as secret, naming the RSA kid",
			token:    func(t *testing.T) string { return sign(t, hs, []byte(f.acmeRSAPEM), "rsa-1", f.claims()) },
			wantCode: session.CodeContextInvalid,
			wantIn:   "verifies RS256 only",
		},
		{
			scenario: "HS256 signed with the RSA public key PEM as secret, no kid",
			token:    func(t *testing.T) string { return sign(t, hs, []byte(f.acmeRSAPEM), "", f.claims()) },
			wantCode: session.CodeContextInvalid,
			wantIn:   "signature does not verify",
		},
		{
			scenario: "RS256 token naming an HS256-only key",
			token: func(t *testing.T) string {
				return sign(t, jwt.SigningMethodRS256, f.acmeRSA, "hs-1", f.claims())
			},
			wantCode: session.CodeContextInvalid,
			wantIn:   "verifies HS256 only",
		},
		{
			scenario: "signed with another tenant's key under the same kid",
			token:    func(t *testing.T) string { return sign(t, hs, []byte(initechSecret), "hs-1", f.claims()) },
			wantCode: session.CodeContextInvalid,
			wantIn:   "signature does not verify",
		},
		{
			scenario: "signed with another tenant's RSA key",
			token:    func(t *testing.T) string { return sign(t, jwt.SigningMethodRS256, f.globexRSA, "rsa-1", f.claims()) },
			wantCode: session.CodeContextInvalid,
			wantIn:   "signature does not verify",
		},
		{
			scenario: "unknown kid",
			token:    func(t *testing.T) string { return sign(t, hs, []byte(acmeSecret1), "hs-9", f.claims()) },
			wantCode: session.CodeContextInvalid,
			wantIn:   "kid \"hs-9\" is not an active key",
		},
		{
			scenario: "expired",
			token: func(t *testing.T) string {
				return sign(t, hs, []byte(acmeSecret1), "hs-1", with(func(c jwt.MapClaims) {
					c["iat"] = f.now.Add(-6 * time.Minute).Unix()
					c["exp"] = f.now.Add(-time.Minute).Unix()
				}))
			},
			wantCode: session.CodeContextExpired,
			wantIn:   "expired at",
		},
		{
			scenario: "issued in the future",
			token: func(t *testing.T) string {
				return sign(t, hs, []byte(acmeSecret1), "hs-1", with(func(c jwt.MapClaims) {
					c["iat"] = f.now.Add(2 * time.Minute).Unix()
					c["exp"] = f.now.Add(6 * time.Minute).Unix()
				}))
			},
			wantCode: session.CodeContextInvalid,
			wantIn:   "iat is in the future",
		},
		{
			scenario: "nbf in the future",
			token: func(t *testing.T) string {
				return sign(t, hs, []byte(acmeSecret1), "hs-1", with(func(c jwt.MapClaims) { c["nbf"] = f.now.Add(2 * time.Minute).Unix() }))
			},
			wantCode: session.CodeContextInvalid,
			wantIn:   "nbf is in the future",
		},
		{
			scenario: "too long-lived: exp-iat is 11 minutes",
			token: func(t *testing.T) string {
				return sign(t, hs, []byte(acmeSecret1), "hs-1", with(func(c jwt.MapClaims) { c["exp"] = f.now.Add(11 * time.Minute).Unix() }))
			},
			wantCode: session.CodeContextInvalid,
			wantIn:   "lives 11m0s",
		},
		{
			scenario: "wrong aud",
			token: func(t *testing.T) string {
				return sign(t, hs, []byte(acmeSecret1), "hs-1", with(func(c jwt.MapClaims) { c["aud"] = "someone-else" }))
			},
			wantCode: session.CodeContextInvalid,
			wantIn:   "aud must be \"snapbridge\"",
		},
		{
			scenario: "missing aud",
			token: func(t *testing.T) string {
				return sign(t, hs, []byte(acmeSecret1), "hs-1", with(func(c jwt.MapClaims) { delete(c, "aud") }))
			},
			wantCode: session.CodeContextInvalid,
			wantIn:   "aud must be \"snapbridge\"",
		},
		{
			scenario: "unknown issuer",
			token: func(t *testing.T) string {
				return sign(t, hs, []byte(acmeSecret1), "hs-1", with(func(c jwt.MapClaims) { c["iss"] = "https://crm.unknown.example" }))
			},
			wantCode: session.CodeUnknownTenant,
			wantIn:   "no tenant has the issuer",
		},
		{
			scenario: "missing iss",
			token: func(t *testing.T) string {
				return sign(t, hs, []byte(acmeSecret1), "hs-1", with(func(c jwt.MapClaims) { delete(c, "iss") }))
			},
			wantCode: session.CodeContextInvalid,
			wantIn:   "iss is required",
		},
		{
			scenario: "missing jti",
			token: func(t *testing.T) string {
				return sign(t, hs, []byte(acmeSecret1), "hs-1", with(func(c jwt.MapClaims) { delete(c, "jti") }))
			},
			wantCode: session.CodeContextInvalid,
			wantIn:   "jti is required",
		},
		{
			scenario: "jti longer than 128 bytes",
			token: func(t *testing.T) string {
				return sign(t, hs, []byte(acmeSecret1), "hs-1", with(func(c jwt.MapClaims) { c["jti"] = strings.Repeat("j", 129) }))
			},
			wantCode: session.CodeContextInvalid,
			wantIn:   "jti is longer than 128",
		},
		{
			scenario: "missing viewer",
			token: func(t *testing.T) string {
				return sign(t, hs, []byte(acmeSecret1), "hs-1", with(func(c jwt.MapClaims) { delete(c, "viewer") }))
			},
			wantCode: session.CodeContextInvalid,
			wantIn:   "viewer is required",
		},
		{
			scenario: "viewer without id",
			token: func(t *testing.T) string {
				return sign(t, hs, []byte(acmeSecret1), "hs-1", with(func(c jwt.MapClaims) { c["viewer"] = map[string]any{"name": "Dana"} }))
			},
			wantCode: session.CodeContextInvalid,
			wantIn:   "viewer.id is required",
		},
		{
			scenario: "missing records",
			token: func(t *testing.T) string {
				return sign(t, hs, []byte(acmeSecret1), "hs-1", with(func(c jwt.MapClaims) { delete(c, "records") }))
			},
			wantCode: session.CodeContextInvalid,
			wantIn:   "records needs at least one",
		},
		{
			scenario: "missing iat",
			token: func(t *testing.T) string {
				return sign(t, hs, []byte(acmeSecret1), "hs-1", with(func(c jwt.MapClaims) { delete(c, "iat") }))
			},
			wantCode: session.CodeContextInvalid,
			wantIn:   "iat is required",
		},
		{
			scenario: "missing exp",
			token: func(t *testing.T) string {
				return sign(t, hs, []byte(acmeSecret1), "hs-1", with(func(c jwt.MapClaims) { delete(c, "exp") }))
			},
			wantCode: session.CodeContextInvalid,
			wantIn:   "exp is required",
		},
		{
			scenario: "record type that is not contact, lead or account",
			token: func(t *testing.T) string {
				return sign(t, hs, []byte(acmeSecret1), "hs-1", with(func(c jwt.MapClaims) {
					c["records"] = []any{map[string]any{"id": "opp-1", "type": "opportunity"}}
				}))
			},
			wantCode: session.CodeContextInvalid,
			wantIn:   "records[0]: type must be one of",
		},
		{
			scenario: "record without id",
			token: func(t *testing.T) string {
				return sign(t, hs, []byte(acmeSecret1), "hs-1", with(func(c jwt.MapClaims) {
					c["records"] = []any{map[string]any{"type": "lead"}}
				}))
			},
			wantCode: session.CodeContextInvalid,
			wantIn:   "records[0]: id is required",
		},
		{
			scenario: "records of the wrong JSON type",
			token: func(t *testing.T) string {
				return sign(t, hs, []byte(acmeSecret1), "hs-1", with(func(c jwt.MapClaims) { c["records"] = "lead-1" }))
			},
			wantCode: session.CodeContextInvalid,
			wantIn:   "claim records must be a JSON array",
		},
		{
			scenario: "51 records",
			token: func(t *testing.T) string {
				return sign(t, hs, []byte(acmeSecret1), "hs-1", with(func(c jwt.MapClaims) { c["records"] = records(51, 8) }))
			},
			wantCode: session.CodeContextInvalid,
			wantIn:   "51 records, at most 50",
		},
		{
			scenario: "unknown role",
			token: func(t *testing.T) string {
				return sign(t, hs, []byte(acmeSecret1), "hs-1", with(func(c jwt.MapClaims) { c["roles"] = []string{"superuser"} }))
			},
			wantCode: session.CodeContextInvalid,
			wantIn:   "roles[0] is not one of",
		},
		{
			scenario: "oversized token: 50 records with long fields",
			token: func(t *testing.T) string {
				return sign(t, hs, []byte(acmeSecret1), "hs-1", with(func(c jwt.MapClaims) { c["records"] = records(50, 200) }))
			},
			wantCode: session.CodeContextTooLarge,
			wantIn:   "at most 16384",
		},
		{
			scenario: "oversized garbage is refused before parsing",
			token:    func(t *testing.T) string { return strings.Repeat("A", session.MaxContextBytes+1) },
			wantCode: session.CodeContextTooLarge,
			wantIn:   "at most 16384",
		},
		{
			scenario: "empty context",
			token:    func(t *testing.T) string { return "" },
			wantCode: session.CodeContextInvalid,
			wantIn:   "empty",
		},
		{
			scenario: "unknown alg header",
			token: func(t *testing.T) string {
				parts := strings.Split(sign(t, hs, []byte(acmeSecret1), "hs-1", f.claims()), ".")
				return base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS1024","typ":"JWT"}`)) + "." + parts[1] + "." + parts[2]
			},
			wantCode: session.CodeContextInvalid,
			wantIn:   "alg header is missing",
		},
		{
			scenario: "not a JWT",
			token:    func(t *testing.T) string { return "hello.world" },
			wantCode: session.CodeContextInvalid,
			wantIn:   "not a well-formed JWT",
		},
		{
			scenario: "tampered payload keeps the old signature",
			token: func(t *testing.T) string {
				parts := strings.Split(sign(t, hs, []byte(acmeSecret1), "hs-1", f.claims()), ".")
				c := f.claims()
				c["viewer"] = map[string]any{"id": "crm-admin-1"}
				c["roles"] = []string{"admin"}
				payload, err := json.Marshal(c)
				if err != nil {
					t.Fatalf("marshal: %v", err)
				}
				return parts[0] + "." + base64.RawURLEncoding.EncodeToString(payload) + "." + parts[2]
			},
			wantCode: session.CodeContextInvalid,
			wantIn:   "signature does not verify",
		},
		{
			scenario:    "reused jti",
			token:       func(t *testing.T) string { return sign(t, hs, []byte(acmeSecret1), "hs-1", f.claims()) },
			verifyFirst: true,
			wantCode:    session.CodeContextReplayed,
			wantIn:      "already used",
		},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			raw := tc.token(t)
			if tc.verifyFirst {
				if _, err := f.verifier.Verify(ctx, raw); err != nil {
					t.Fatalf("first Verify: %v", err)
				}
			}
			hc, err := f.verifier.Verify(ctx, raw)
			if tc.wantCode == "" {
				if err != nil {
					t.Fatalf("Verify refused a valid context: %v", err)
				}
				if hc.Tenant.ID != "acme" || hc.Viewer.ID != "crm-user-7" || len(hc.Records) != tc.wantRecords || hc.ID == "" {
					t.Fatalf("Verify = tenant %s viewer %q %d records id %q; want acme, crm-user-7, %d records, an id",
						hc.Tenant.ID, hc.Viewer.ID, len(hc.Records), hc.ID, tc.wantRecords)
				}
				return
			}
			var e *session.Error
			if !errors.As(err, &e) {
				t.Fatalf("Verify error = %v (%T), want *session.Error with code %s", err, err, tc.wantCode)
			}
			if e.Code != tc.wantCode {
				t.Fatalf("Verify code = %s (%s), want %s", e.Code, e.Message, tc.wantCode)
			}
			t.Logf("%s: %s", e.Code, e.Message)
			if !strings.Contains(e.Message, tc.wantIn) {
				t.Fatalf("Verify message = %q, want it to say %q", e.Message, tc.wantIn)
			}
			for _, part := range strings.Split(raw, ".") {
				if len(part) > 16 && strings.Contains(e.Message, part) {
					t.Fatalf("message %q echoes part of the token", e.Message)
				}
			}
		})
	}
}

func TestVerifyContextReplayAcrossRestart(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	raw := sign(t, jwt.SigningMethodHS256, []byte(acmeSecret1), "hs-1", f.claims())
	if _, err := f.verifier.Verify(ctx, raw); err != nil {
		t.Fatalf("first Verify: %v", err)
	}
	if err := f.db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	f.open(t)
	_, err := f.verifier.Verify(ctx, raw)
	var e *session.Error
	if !errors.As(err, &e) || e.Code != session.CodeContextReplayed {
		t.Fatalf("Verify after restart = %v, want %s", err, session.CodeContextReplayed)
	}
}

func TestVerifyContextRememberedOnlyWhenAccepted(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	claims := f.claims()
	bad := f.claims()
	bad["jti"] = claims["jti"]
	bad["records"] = []any{map[string]any{"id": "x", "type": "opportunity"}}
	if _, err := f.verifier.Verify(ctx, sign(t, jwt.SigningMethodHS256, []byte(acmeSecret1), "hs-1", bad)); err == nil {
		t.Fatal("Verify accepted a context with a bad record type")
	}
	if _, err := f.verifier.Verify(ctx, sign(t, jwt.SigningMethodHS256, []byte(acmeSecret1), "hs-1", claims)); err != nil {
		t.Fatalf("a refused context burned its jti: %v", err)
	}
}

func TestVerifyContextStoreFailureIsNotARefusal(t *testing.T) {
	f := newFixture(t)
	if err := f.db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	_, err := f.verifier.Verify(context.Background(), sign(t, jwt.SigningMethodHS256, []byte(acmeSecret1), "hs-1", f.claims()))
	var e *session.Error
	if err == nil || errors.As(err, &e) {
		t.Fatalf("Verify with a closed store = %v, want a non-refusal error", err)
	}
}

func BenchmarkVerifyContextHS256(b *testing.B) {
	f := newFixture(b)
	ctx := context.Background()
	tokens := make([]string, b.N)
	for i := range tokens {
		tokens[i] = sign(b, jwt.SigningMethodHS256, []byte(acmeSecret1), "hs-1", f.claims())
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := f.verifier.Verify(ctx, tokens[i]); err != nil {
			b.Fatalf("Verify: %v", err)
		}
	}
}

// BenchmarkVerifyContextHS256Checks is BenchmarkVerifyContextHS256 without
// the store's write: what verifying a context costs in CPU (the tenant
// read, the signature, the claims), which the jti's commit hides there.
func BenchmarkVerifyContextHS256Checks(b *testing.B) {
	f := newFixture(b)
	verifier := session.NewContextVerifier(f.registry, freshIDs{}, func() time.Time { return f.now })
	token := sign(b, jwt.SigningMethodHS256, []byte(acmeSecret1), "hs-1", f.claims())
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := verifier.Verify(ctx, token); err != nil {
			b.Fatalf("Verify: %v", err)
		}
	}
}

// Values a hostile token names (its issuer, its kid) are quoted in the
// refusal cut to 64 characters, so a token cannot flood messages and logs.
func TestRefusalsCutHostileValues(t *testing.T) {
	f := newFixture(t)
	long := strings.Repeat("i", 64)
	for _, tc := range []struct {
		scenario string
		iss, kid string
		wantIn   string
		notIn    string
	}{
		{scenario: "an unknown issuer of 64 characters is quoted whole", iss: long, kid: "hs-1", wantIn: `"` + long + `"`},
		{scenario: "an unknown issuer of 65 characters is cut at 64", iss: long + "j", kid: "hs-1", wantIn: `"` + long + `…"`, notIn: long + "j"},
		{scenario: "an unknown kid of 65 characters is cut at 64", iss: acmeIssuer, kid: long + "k", wantIn: `"` + long + `…"`, notIn: long + "k"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			c := f.claims()
			c["iss"] = tc.iss
			_, err := f.verifier.Verify(context.Background(), sign(t, jwt.SigningMethodHS256, []byte(acmeSecret1), tc.kid, c))
			var e *session.Error
			if !errors.As(err, &e) {
				t.Fatalf("Verify error = %v, want a refusal", err)
			}
			if msg := err.Error(); !strings.Contains(msg, tc.wantIn) || tc.notIn != "" && strings.Contains(msg, tc.notIn) {
				t.Fatalf("refusal %q, want it to quote %s", msg, tc.wantIn)
			}
		})
	}
}
