package session

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/subtle"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/snapbridge/snapbridge/internal/tenant"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// DefaultContextLifetime is how long a signed host context lives unless
// ContextClaims.Lifetime says otherwise.
const DefaultContextLifetime = 5 * time.Minute

// ContextClaims is what a CRM puts in a host context. SignContext and
// SignContextWith are the reference signers for CRM integrators; the
// `snapbridge context sign` command and the demo CRM use them.
type ContextClaims struct {
	// Viewer is the CRM user looking at the page. Viewer.ID is required.
	Viewer wire.Viewer
	// Records are the 1 to MaxRecords records on the page.
	Records []wire.Record
	// Roles are optional roles for the viewer (RoleAdmin).
	Roles []string
	// Lifetime is exp-iat. Default: DefaultContextLifetime; it may not
	// exceed the tenant's context.maxLifetime.
	Lifetime time.Duration
}

// SignContext signs c as tenant t with t's first HS256 key (its id in the
// `kid` header) and a random `jti`. It fails if t has no HS256 key or c
// would be refused by a ContextVerifier.
func SignContext(t *tenant.Tenant, c ContextClaims, now time.Time) (string, error) {
	if t == nil {
		return "", fmt.Errorf("sign context: no tenant")
	}
	for _, k := range t.Context.Keys {
		if k.Alg == jwt.SigningMethodHS256.Alg() {
			return SignContextWith(t, k.ID, k.Alg, []byte(k.Secret), c, now)
		}
	}
	return "", fmt.Errorf("sign context: tenant %s has no HS256 key; use SignContextWith with its private key", t.ID)
}

// SignContextWith signs c as tenant t with the private half of t's key
// keyID. private is the HS256 secret as []byte, an *rsa.PrivateKey for
// RS256 or an ed25519.PrivateKey (or any crypto.Signer over an Ed25519 key)
// for EdDSA, and must match the key t has configured under keyID, so a
// context signed here verifies.
func SignContextWith(t *tenant.Tenant, keyID, alg string, private any, c ContextClaims, now time.Time) (string, error) {
	if t == nil {
		return "", fmt.Errorf("sign context: no tenant")
	}
	method, err := checkSigningKey(t, keyID, alg, private)
	if err != nil {
		return "", fmt.Errorf("sign context for tenant %s: %w", t.ID, err)
	}
	lifetime := c.Lifetime
	if lifetime == 0 {
		lifetime = DefaultContextLifetime
	}
	if max := maxLifetime(t); lifetime < 0 || lifetime > max {
		return "", fmt.Errorf("sign context for tenant %s: lifetime %s must be positive and at most %s", t.ID, lifetime, max)
	}
	if err := checkPayload(&c.Viewer, c.Records, c.Roles); err != nil {
		return "", fmt.Errorf("sign context for tenant %s: %w", t.ID, err)
	}
	jti, err := randomID()
	if err != nil {
		return "", fmt.Errorf("sign context for tenant %s: %w", t.ID, err)
	}
	aud := t.Context.Audience
	if aud == "" {
		aud = tenant.DefaultAudience
	}
	now = now.Truncate(time.Second)
	claims := contextClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    t.Context.Issuer,
			Audience:  jwt.ClaimStrings{aud},
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(lifetime)),
			ID:        jti,
		},
		Viewer:  &c.Viewer,
		Records: c.Records,
		Roles:   c.Roles,
	}
	tok := jwt.NewWithClaims(method, claims)
	tok.Header["kid"] = keyID
	signed, err := tok.SignedString(private)
	if err != nil {
		return "", fmt.Errorf("sign context for tenant %s with key %s: %w", t.ID, keyID, err)
	}
	return signed, nil
}

// checkSigningKey finds keyID among t's keys and checks that alg is its
// algorithm and private its private half. Mistakes here would otherwise
// only show up as a refused context on the CRM page.
func checkSigningKey(t *tenant.Tenant, keyID, alg string, private any) (jwt.SigningMethod, error) {
	var configured *tenant.ContextKey
	for i := range t.Context.Keys {
		if t.Context.Keys[i].ID == keyID {
			configured = &t.Context.Keys[i]
		}
	}
	if configured == nil {
		return nil, fmt.Errorf("tenant has no key %q", keyID)
	}
	if configured.Alg != alg {
		return nil, fmt.Errorf("key %q is configured for %s, not %s", keyID, configured.Alg, alg)
	}
	public, err := configured.VerificationKey()
	if err != nil {
		return nil, fmt.Errorf("key %q: %w", keyID, err)
	}
	switch alg {
	case "HS256":
		secret, ok := private.([]byte)
		if !ok || subtle.ConstantTimeCompare(secret, public.([]byte)) != 1 {
			return nil, fmt.Errorf("the HS256 secret does not match key %q", keyID)
		}
		return jwt.SigningMethodHS256, nil
	case "RS256":
		key, ok := private.(*rsa.PrivateKey)
		if !ok || key == nil || !key.PublicKey.Equal(public) {
			return nil, fmt.Errorf("RS256 needs the *rsa.PrivateKey matching key %q", keyID)
		}
		return jwt.SigningMethodRS256, nil
	case "EdDSA":
		if key, ok := private.(ed25519.PrivateKey); ok && len(key) != ed25519.PrivateKeySize {
			return nil, fmt.Errorf("the Ed25519 private key for %q has %d bytes, not %d", keyID, len(key), ed25519.PrivateKeySize)
		}
		signer, ok := private.(crypto.Signer)
		if !ok || signer == nil {
			return nil, fmt.Errorf("EdDSA needs the ed25519.PrivateKey matching key %q", keyID)
		}
		if pub, ok := signer.Public().(ed25519.PublicKey); !ok || !pub.Equal(public) {
			return nil, fmt.Errorf("EdDSA needs the ed25519.PrivateKey matching key %q", keyID)
		}
		return jwt.SigningMethodEdDSA, nil
	default:
		return nil, fmt.Errorf("alg %q is not one of HS256, RS256, EdDSA", alg)
	}
}

// maxLifetime is the tenant's context.maxLifetime, defaulted as the
// registry would.
func maxLifetime(t *tenant.Tenant) time.Duration {
	if t.Context.MaxLifetime <= 0 {
		return tenant.DefaultMaxLifetime
	}
	return min(t.Context.MaxLifetime, tenant.DefaultMaxLifetime)
}
