package session

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

// TestContextIsReadAsJWTWouldReadIt: the one decoding of a context, whose
// `iss` picks the tenant's keys, refuses exactly what jwt's
// ParseUnverified refuses, with the same kind of refusal (malformed or
// an unverifiable alg), and reads the same issuer, so a context gets the
// refusal it got when jwt parsed it. Only the types of the other claims
// are left for after the tenant is known, where their messages name the
// claim.
func TestContextIsReadAsJWTWouldReadIt(t *testing.T) {
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	const (
		hs      = `{"alg":"HS256","typ":"JWT"}`
		claims  = `{"iss":"https://crm.acme.example","aud":"snapbridge","jti":"j1","viewer":{"id":"u","iss":"nested"}}`
		sigPart = "c2lnbmF0dXJl"
	)
	tests := []struct {
		scenario string
		raw      string
	}{
		{"a well-formed context", enc(hs) + "." + enc(claims) + "." + sigPart},
		{"an empty signature", enc(hs) + "." + enc(claims) + "."},
		{"two segments", enc(hs) + "." + enc(claims)},
		{"four segments", enc(hs) + "." + enc(claims) + "." + sigPart + ".x"},
		{"one segment", "hello"},
		{"only dots", ".."},
		{"a header that is not base64url", "###." + enc(claims) + "." + sigPart},
		{"a padded header", base64.URLEncoding.EncodeToString([]byte(`{"alg":"HS256"}`)) + "." + enc(claims) + "." + sigPart},
		{"a header that is not JSON", enc("alg=HS256") + "." + enc(claims) + "." + sigPart},
		{"a header that is a JSON array", enc(`["HS256"]`) + "." + enc(claims) + "." + sigPart},
		{"a header that is JSON null", enc(`null`) + "." + enc(claims) + "." + sigPart},
		{"no alg", enc(`{"typ":"JWT"}`) + "." + enc(claims) + "." + sigPart},
		{"alg of the wrong type", enc(`{"alg":256}`) + "." + enc(claims) + "." + sigPart},
		{"an alg jwt does not know", enc(`{"alg":"HS1024"}`) + "." + enc(claims) + "." + sigPart},
		{"alg none", enc(`{"alg":"none"}`) + "." + enc(claims) + "." + sigPart},
		{"alg spelled in capitals as a key", enc(`{"ALG":"HS256"}`) + "." + enc(claims) + "." + sigPart},
		{"a payload that is not base64url", enc(hs) + ".%%%." + sigPart},
		{"a payload that is not JSON", enc(hs) + "." + enc(`iss=acme`) + "." + sigPart},
		{"a payload that is a JSON string", enc(hs) + "." + enc(`"acme"`) + "." + sigPart},
		{"a payload cut short", enc(hs) + "." + enc(claims[:40]) + "." + sigPart},
		{"iss of the wrong type", enc(hs) + "." + enc(`{"iss":5}`) + "." + sigPart},
		{"iss null", enc(hs) + "." + enc(`{"iss":null}`) + "." + sigPart},
		{"no iss", enc(hs) + "." + enc(`{"aud":"snapbridge"}`) + "." + sigPart},
		{"iss twice: the last one counts", enc(hs) + "." + enc(`{"iss":"a","iss":"b"}`) + "." + sigPart},
		{"iss spelled in capitals", enc(hs) + "." + enc(`{"ISS":"https://crm.acme.example"}`) + "." + sigPart},
		{"a signature that is not base64url", enc(hs) + "." + enc(claims) + ".***"},
		{"a malformed payload and an unknown alg: malformed wins", enc(`{"alg":"HS1024"}`) + "." + enc(`{`) + "." + sigPart},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			var want jwt.RegisteredClaims
			_, _, wantErr := jwt.NewParser().ParseUnverified(tc.raw, &want)
			u, err := parseContext(tc.raw)
			var refusal *Error
			if err != nil && !errors.As(err, &refusal) {
				t.Fatalf("parseContext error %v is not a refusal", err)
			}
			switch {
			case errors.Is(wantErr, jwt.ErrTokenMalformed):
				if refusal == nil || !strings.Contains(refusal.Message, "not a well-formed JWT") {
					t.Errorf("parseContext error = %v, jwt's = %v", err, wantErr)
				}
			case errors.Is(wantErr, jwt.ErrTokenUnverifiable):
				if refusal == nil || !strings.Contains(refusal.Message, "alg header") {
					t.Errorf("parseContext error = %v, jwt's = %v", err, wantErr)
				}
			case wantErr != nil:
				t.Fatalf("jwt's error %v is of a kind this test does not know", wantErr)
			case err != nil:
				t.Errorf("parseContext error = %v, jwt accepts it", err)
			case u.claims.Issuer != want.Issuer:
				t.Errorf("parseContext reads iss %q, jwt reads %q", u.claims.Issuer, want.Issuer)
			}
		})
	}
	if _, err := parseContext(strings.Repeat("A", 100)); err == nil {
		t.Error("parseContext of garbage succeeded, want an error")
	}
}
