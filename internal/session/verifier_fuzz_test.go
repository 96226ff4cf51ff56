package session_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/snapbridge/snapbridge/internal/session"
)

// fuzzNow is the verifier's clock in FuzzVerifyContext, fixed so the
// corpus's iat and exp stay meaningful: 2025-06-02T09:00:00Z.
var fuzzNow = time.Unix(1748854800, 0)

// Seeds for FuzzVerifyContext: headers and payloads as a CRM writes them.
const (
	fuzzHeaderHS1   = `{"alg":"HS256","kid":"hs-1","typ":"JWT"}`
	fuzzHeaderRSA   = `{"alg":"RS256","kid":"rsa-1","typ":"JWT"}`
	fuzzHeaderEd    = `{"alg":"EdDSA","kid":"ed-1","typ":"JWT"}`
	fuzzHeaderNone  = `{"alg":"none","typ":"JWT"}`
	fuzzAcmeClaims  = `{"iss":"https://crm.acme.example","aud":"snapbridge","iat":1748854800,"exp":1748855100,"jti":"b3f1c2d4-acme-0001","viewer":{"id":"crm-user-7","name":"Dana Seller"},"records":[{"id":"lead-1","type":"lead","firstName":"Ada","lastName":"Lovelace"}]}`
	fuzzGlobexClaim = `{"iss":"https://crm.globex.example","aud":"snapbridge","iat":1748854800,"exp":1748855100,"jti":"globex-0001","viewer":{"id":"u-1"},"records":[{"id":"c-1","type":"contact"}]}`
	fuzzInitechClm  = `{"iss":"https://crm.initech.example","aud":"snapbridge","iat":1748854800,"exp":1748855100,"jti":"initech-0001","viewer":{"id":"u-1"},"records":[{"id":"c-1","type":"contact"}]}`
)

// fuzzSigner is one way FuzzVerifyContext signs a token. Only the signers
// with an owner hold a tenant's key.
type fuzzSigner struct {
	name   string
	owner  string // tenant whose active key this is; "" for none
	method jwt.SigningMethod
	key    any // signing key
	verify any // the matching verification key
}

// freshIDs is a replay guard that never remembers. The fuzzer repeats
// inputs, and a remembered jti would hide a signature bypass behind a
// context_replayed refusal; the store's guard has its own tests.
type freshIDs struct{}

func (freshIDs) RememberContext(context.Context, string, string, time.Time, []byte) (bool, error) {
	return true, nil
}

// FuzzVerifyContext hands the context verifier tokens built from fuzzed
// header and payload JSON, signed by one of several keys (the test
// tenants' own, a stranger's, the RS256 public key misused as an HS256
// secret) or carrying fuzzed signature bytes, or a fuzzed raw string. The
// verifier must never accept a token that is not signed with an active key
// of the tenant it returns, with that key's algorithm, nor one expired
// beyond the leeway; every refusal is a *session.Error.
func FuzzVerifyContext(f *testing.F) {
	fx := newFixture(f)
	_, strangerEd, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		f.Fatalf("generate Ed25519 key: %v", err)
	}
	signers := []fuzzSigner{
		{name: "fuzzed signature bytes"},
		{name: "acme hs-1", owner: "acme", method: jwt.SigningMethodHS256, key: []byte(acmeSecret1), verify: []byte(acmeSecret1)},
		{name: "acme hs-2", owner: "acme", method: jwt.SigningMethodHS256, key: []byte(acmeSecret2), verify: []byte(acmeSecret2)},
		{name: "acme rsa-1", owner: "acme", method: jwt.SigningMethodRS256, key: fx.acmeRSA, verify: &fx.acmeRSA.PublicKey},
		{name: "acme ed-1", owner: "acme", method: jwt.SigningMethodEdDSA, key: fx.acmeEd, verify: fx.acmeEd.Public()},
		{name: "globex rsa-1", owner: "globex", method: jwt.SigningMethodRS256, key: fx.globexRSA, verify: &fx.globexRSA.PublicKey},
		{name: "initech hs-1", owner: "initech", method: jwt.SigningMethodHS256, key: []byte(initechSecret), verify: []byte(initechSecret)},
		{name: "a stranger's HS256 secret", method: jwt.SigningMethodHS256, key: []byte("stranger-secret-0123456789abcdefghij")},
		{name: "globex's public key PEM as HS256 secret", method: jwt.SigningMethodHS256, key: []byte(fx.globexPEM)},
		{name: "a stranger's Ed25519 key", method: jwt.SigningMethodEdDSA, key: strangerEd},
		{name: "fuzzed raw token"},
	}
	build := func(t testing.TB, header, payload []byte, signer uint8, sig []byte) (string, fuzzSigner) {
		s := signers[int(signer)%len(signers)]
		if s.name == "fuzzed raw token" {
			return string(sig), s
		}
		signing := base64.RawURLEncoding.EncodeToString(header) + "." + base64.RawURLEncoding.EncodeToString(payload)
		if s.method != nil {
			var err error
			if sig, err = s.method.Sign(signing, s.key); err != nil {
				t.Fatalf("sign with %s: %v", s.name, err)
			}
		}
		return signing + "." + base64.RawURLEncoding.EncodeToString(sig), s
	}
	verifier := session.NewContextVerifier(fx.registry, freshIDs{}, func() time.Time { return fuzzNow })

	// The set-up accepts a well-signed context, so the refusals below are
	// the verifier's judgement and not a broken fixture's.
	wellSigned, _ := build(f, []byte(fuzzHeaderHS1), []byte(fuzzAcmeClaims), 1, nil)
	if _, err := verifier.Verify(context.Background(), wellSigned); err != nil {
		f.Fatalf("the well-signed seed is refused: %v", err)
	}

	f.Add([]byte(fuzzHeaderHS1), []byte(fuzzAcmeClaims), uint8(1), []byte(nil))
	f.Add([]byte(fuzzHeaderHS1), []byte(fuzzAcmeClaims), uint8(7), []byte(nil))
	f.Add([]byte(fuzzHeaderRSA), []byte(fuzzAcmeClaims), uint8(3), []byte(nil))
	f.Add([]byte(fuzzHeaderEd), []byte(fuzzAcmeClaims), uint8(4), []byte(nil))
	f.Add([]byte(fuzzHeaderRSA), []byte(fuzzAcmeClaims), uint8(5), []byte(nil))
	f.Add([]byte(fuzzHeaderHS1), []byte(fuzzGlobexClaim), uint8(8), []byte(nil))
	f.Add([]byte(`{"alg":"HS256","kid":"rsa-1"}`), []byte(fuzzGlobexClaim), uint8(8), []byte(nil))
	f.Add([]byte(fuzzHeaderHS1), []byte(fuzzInitechClm), uint8(1), []byte(nil))
	f.Add([]byte(fuzzHeaderNone), []byte(fuzzAcmeClaims), uint8(0), []byte{})
	f.Add([]byte(fuzzHeaderHS1), []byte(fuzzAcmeClaims), uint8(0), []byte("AAAA"))
	f.Add([]byte(nil), []byte(nil), uint8(10), []byte("eyJhbGciOiJIUzI1NiJ9.e30."))
	f.Fuzz(func(t *testing.T, header, payload []byte, signer uint8, sig []byte) {
		raw, s := build(t, header, payload, signer, sig)
		hc, err := verifier.Verify(context.Background(), raw)
		if err != nil {
			var se *session.Error
			if !errors.As(err, &se) {
				t.Fatalf("refusal %v is not a *session.Error", err)
			}
			return
		}
		if s.owner == "" {
			t.Fatalf("accepted a context signed with %s: %q", s.name, raw)
		}
		if hc.Tenant.ID != s.owner {
			t.Fatalf("accepted a context signed with %s as tenant %s's", s.name, hc.Tenant.ID)
		}
		// An independent check that the signature is this key's, made
		// with this key's algorithm and no other.
		if _, err := jwt.NewParser(jwt.WithValidMethods([]string{s.method.Alg()}), jwt.WithoutClaimsValidation()).
			Parse(raw, func(*jwt.Token) (any, error) { return s.verify, nil }); err != nil {
			t.Fatalf("accepted a context whose signature %s does not make: %v", s.name, err)
		}
		if fuzzNow.After(hc.ExpiresAt.Add(session.ContextLeeway)) {
			t.Fatalf("accepted a context that expired at %s", hc.ExpiresAt)
		}
		if life := hc.ExpiresAt.Sub(hc.IssuedAt); life <= 0 || life > hc.Tenant.Context.MaxLifetime {
			t.Fatalf("accepted a context living %s", life)
		}
	})
}
