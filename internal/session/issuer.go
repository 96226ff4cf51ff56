package session

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/snapbridge/snapbridge/internal/wire"
)

// Widget session token constants.
const (
	// SessionIssuer is the `iss` of every widget session token.
	SessionIssuer = "snapbridge"
	// SessionAudience is the `aud` of every widget session token.
	SessionAudience = "snapbridge-widget"
	// MaxSessionLifetime is both the default and the longest lifetime of a
	// widget session (PRODUCT.md §2).
	MaxSessionLifetime = 15 * time.Minute
	// MaxSessionBytes is the largest session token Verify reads. A session
	// repeats its context's records, so it stays close to MaxContextBytes.
	MaxSessionBytes = 2 * MaxContextBytes
	// sessionLeeway tolerates clock skew between our own instances.
	sessionLeeway = 5 * time.Second
)

// sessionClaims is the payload of a widget session token.
type sessionClaims struct {
	jwt.RegisteredClaims
	Tenant  string        `json:"tnt"`
	Viewer  *wire.Viewer  `json:"viewer,omitempty"`
	Records []wire.Record `json:"records,omitempty"`
	Roles   []string      `json:"roles,omitempty"`
}

// Issuer issues and verifies widget session tokens, signed EdDSA with the
// server's Ed25519 key. Every instance sharing the key accepts every other
// instance's sessions. It is safe for concurrent use.
type Issuer struct {
	key      ed25519.PrivateKey
	public   ed25519.PublicKey
	lifetime time.Duration
	now      func() time.Time
	parser   *jwt.Parser
	verified verifiedTokens
}

// NewIssuer returns an Issuer signing with key. lifetime is how long a
// session lasts; zero, negative or anything above MaxSessionLifetime means
// MaxSessionLifetime. now is the clock; nil means time.Now. A key of the
// wrong size makes Issue and Verify fail rather than panic.
func NewIssuer(key ed25519.PrivateKey, lifetime time.Duration, now func() time.Time) *Issuer {
	if lifetime <= 0 {
		lifetime = MaxSessionLifetime
	}
	lifetime = min(lifetime, MaxSessionLifetime)
	if now == nil {
		now = time.Now
	}
	i := &Issuer{lifetime: lifetime, now: now}
	if len(key) == ed25519.PrivateKeySize {
		i.key = key
		i.public = key.Public().(ed25519.PublicKey)
	}
	i.parser = jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}),
		jwt.WithIssuer(SessionIssuer),
		jwt.WithAudience(SessionAudience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(sessionLeeway),
		jwt.WithTimeFunc(now),
		// Only the one canonical base64url spelling of a token is ours:
		// no second token string for the same session.
		jwt.WithStrictDecoding(),
	)
	return i
}

// errNoKey is returned when the issuer was built without a usable key.
var errNoKey = errors.New("the session issuer has no valid Ed25519 private key")

// Issue creates a session for a verified host context and returns it with
// its signed token.
func (i *Issuer) Issue(hc *HostContext) (string, *Session, error) {
	if i.key == nil {
		return "", nil, fmt.Errorf("issue session: %w", errNoKey)
	}
	if hc == nil || hc.Tenant == nil {
		return "", nil, fmt.Errorf("issue session: no verified host context")
	}
	if err := checkPayload(&hc.Viewer, hc.Records, hc.Roles); err != nil {
		return "", nil, fmt.Errorf("issue session: %w", err)
	}
	id, err := randomID()
	if err != nil {
		return "", nil, fmt.Errorf("issue session: %w", err)
	}
	// Whole seconds, because that is what the token can carry.
	now := i.now().Truncate(time.Second)
	s := &Session{
		ID:        id,
		Tenant:    hc.Tenant.ID,
		Viewer:    hc.Viewer,
		Records:   slices.Clone(hc.Records),
		Roles:     slices.Clone(hc.Roles),
		ExpiresAt: now.Add(i.lifetime),
	}
	claims := sessionClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    SessionIssuer,
			Subject:   s.Viewer.ID,
			Audience:  jwt.ClaimStrings{SessionAudience},
			ExpiresAt: jwt.NewNumericDate(s.ExpiresAt),
			IssuedAt:  jwt.NewNumericDate(now),
			ID:        id,
		},
		Tenant:  s.Tenant,
		Viewer:  &s.Viewer,
		Records: s.Records,
		Roles:   s.Roles,
	}
	token, err := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims).SignedString(i.key)
	if err != nil {
		return "", nil, fmt.Errorf("sign session: %w", err)
	}
	return token, s, nil
}

// Verify checks a widget session token and returns its session. A refused
// token is an *Error with code session_invalid or session_expired.
func (i *Issuer) Verify(token string) (*Session, error) {
	invalid := func(msg string) error { return refuse(CodeSessionInvalid, msg) }
	if i.public == nil {
		return nil, fmt.Errorf("verify session: %w", errNoKey)
	}
	if token == "" {
		return nil, invalid("no session token; create a session from a host context first")
	}
	if len(token) > MaxSessionBytes {
		return nil, invalid(fmt.Sprintf("the session token is longer than %d bytes", MaxSessionBytes))
	}
	if s, ok := i.verified.get(token, i.now()); ok {
		return s, nil
	}
	claims := &sessionClaims{}
	_, err := i.parser.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return i.public, nil })
	switch {
	case err == nil:
	case errors.Is(err, jwt.ErrTokenExpired) && !errors.Is(err, jwt.ErrTokenInvalidAudience) &&
		!errors.Is(err, jwt.ErrTokenInvalidIssuer) && !errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return nil, refuse(CodeSessionExpired, "the widget session expired; create a new one from a fresh host context")
	default:
		return nil, invalid("the session token is not one this server issued, or it was altered")
	}
	s, err := claims.session()
	if err != nil {
		return nil, invalid(err.Error())
	}
	i.verified.put(token, s, i.now())
	return s, nil
}

// session checks what jwt's validator does not: a session names a tenant,
// a viewer, at least one record, and lives no longer than allowed.
func (c *sessionClaims) session() (*Session, error) {
	if c.ID == "" || c.Tenant == "" || c.IssuedAt == nil {
		return nil, fmt.Errorf("the session token lacks its id, tenant or iat")
	}
	if c.ExpiresAt.Sub(c.IssuedAt.Time) > MaxSessionLifetime {
		return nil, fmt.Errorf("the session token lives longer than %s", MaxSessionLifetime)
	}
	if err := checkPayload(c.Viewer, c.Records, c.Roles); err != nil {
		return nil, fmt.Errorf("the session token is malformed: %w", err)
	}
	return &Session{
		ID:        c.ID,
		Tenant:    c.Tenant,
		Viewer:    *c.Viewer,
		Records:   c.Records,
		Roles:     c.Roles,
		ExpiresAt: c.ExpiresAt.Time,
	}, nil
}

// randomID returns 128 random bits, base64url-encoded.
func randomID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("read random id: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}
