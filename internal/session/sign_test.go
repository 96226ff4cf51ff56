package session

import (
	"crypto/ed25519"
	"crypto/rand"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// TestSessionTokenIsTheTokenJWTWouldSign: the issuer's own signing writes
// byte for byte the HS256 token jwt's SignedString writes for the same
// claims with the key derived from the session key, so every instance
// reads it the same way.
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
			want, err := jwt.NewWithClaims(jwt.SigningMethodHS256, tc.claims).SignedString(sessionMACKey(key))
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Fatalf("sign = %s\njwt  = %s", got, want)
			}
		})
	}
}

// TestSessionMACKeyIsDerivedPerSessionKey: the HS256 key is neither the
// session key's seed nor its public half (which an attacker knows), and two
// session keys give two MAC keys.
func TestSessionMACKeyIsDerivedPerSessionKey(t *testing.T) {
	_, a, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	_, b, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	macA := sessionMACKey(a)
	if len(macA) != 32 {
		t.Fatalf("MAC key of %d bytes, want 32", len(macA))
	}
	for _, tc := range []struct {
		scenario string
		other    []byte
	}{
		{"the seed", a.Seed()},
		{"the public key", a.Public().(ed25519.PublicKey)},
		{"another session key's MAC key", sessionMACKey(b)},
	} {
		if string(macA) == string(tc.other) {
			t.Errorf("the MAC key equals %s", tc.scenario)
		}
	}
	if string(sessionMACKey(a)) != string(macA) {
		t.Error("the same session key derived two MAC keys: instances sharing it would refuse each other's sessions")
	}
}
