package session

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

// TestContextIssuerIsReadAsJWTWouldReadIt: the cheap read of `iss` that
// picks the tenant's keys refuses exactly what jwt's ParseUnverified
// refuses, with the same kind of error (malformed or unverifiable), and
// reads the same issuer, so a context gets the refusal it got before the
// read was made cheap. Only the types of the other claims are left to the
// tenant's parser, whose messages name the claim.
func TestContextIssuerIsReadAsJWTWouldReadIt(t *testing.T) {
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
			got, err := issuerOf(tc.raw)
			for _, kind := range []error{jwt.ErrTokenMalformed, jwt.ErrTokenUnverifiable} {
				if errors.Is(err, kind) != errors.Is(wantErr, kind) {
					t.Errorf("issuerOf error = %v, jwt's = %v", err, wantErr)
				}
			}
			if (err == nil) != (wantErr == nil) {
				t.Errorf("issuerOf error = %v, jwt's = %v", err, wantErr)
			}
			if err == nil && got != want.Issuer {
				t.Errorf("issuerOf = %q, jwt reads %q", got, want.Issuer)
			}
		})
	}
	if got, err := issuerOf(strings.Repeat("A", 100)); err == nil {
		t.Errorf("issuerOf of garbage = %q, want an error", got)
	}
}
