package session

import (
	"crypto/ed25519"
	"crypto/rand"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// TestSessionTokenIsTheTokenJWTWouldSign: the issuer's own signing writes
// byte for byte the token jwt's SignedString writes for the same claims,
// so every instance, old or new, reads it the same way.
func TestSessionTokenIsTheTokenJWTWouldSign(t *testing.T) {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	i := NewIssuer(key, 0, nil, nil)
	now := time.Unix(1748854800, 0)
	for _, tc := range []struct {
		scenario string
		claims   sessionClaims
	}{
		{"a seller's session", sessionClaims{
			RegisteredClaims: jwt.RegisteredClaims{Issuer: SessionIssuer, Subject: "crm-user-7",
				Audience: jwt.ClaimStrings{SessionAudience}, ExpiresAt: jwt.NewNumericDate(now.Add(MaxSessionLifetime)),
				IssuedAt: jwt.NewNumericDate(now), ID: "c2Vzc2lvbi1pZA"},
			Tenant: "acme", Context: "jti-1", Digest: digest([]byte(`{"viewer":{"id":"crm-user-7"}}`)),
		}},
		{"an admin's session with characters JSON escapes", sessionClaims{
			RegisteredClaims: jwt.RegisteredClaims{Issuer: SessionIssuer, Subject: "<admin & co>",
				Audience: jwt.ClaimStrings{SessionAudience}, ExpiresAt: jwt.NewNumericDate(now.Add(time.Minute)),
				IssuedAt: jwt.NewNumericDate(now), ID: "aWQ"},
			Tenant: "globex", Roles: []string{RoleAdmin}, Context: "jti-\u00e9", Digest: digest(nil),
		}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			got, err := i.sign(&tc.claims)
			if err != nil {
				t.Fatal(err)
			}
			want, err := jwt.NewWithClaims(jwt.SigningMethodEdDSA, tc.claims).SignedString(key)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Fatalf("sign = %s\njwt  = %s", got, want)
			}
		})
	}
}
