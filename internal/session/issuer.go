package session

import (
	"context"
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/snapbridge/snapbridge/internal/store"
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
	// MaxSessionBytes is the largest session token Verify reads. Tokens
	// are under 1 KiB (they refer to their records); the bound stays
	// where it was when they carried them, so that such a token of an
	// earlier release is still read and answered session_expired.
	MaxSessionBytes = 2 * MaxContextBytes
	// sessionLeeway tolerates clock skew between our own instances.
	sessionLeeway = 5 * time.Second
)

// sessionClaims is the payload of a widget session token. It carries who
// (tenant, viewer id as `sub`, roles) and until when, and refers to the
// viewer and records the host context named, which the store keeps with
// the context's id: Context is that id, Digest the SHA-256 of the kept
// bytes, so no stored row can swap records under a token.
type sessionClaims struct {
	jwt.RegisteredClaims
	Tenant  string   `json:"tnt"`
	Roles   []string `json:"roles,omitempty"`
	Context string   `json:"ctx,omitempty"`
	Digest  string   `json:"rsd,omitempty"`
}

// RecordStore gives back the records a ContextVerifier kept with a host
// context id (see ReplayGuard). Every store.ReplayIDs implements it.
type RecordStore interface {
	// ContextRecords returns the bytes kept with tenant's id jti while
	// that id is live at now, and store.ErrNotFound otherwise.
	ContextRecords(ctx context.Context, tenant, jti string, now time.Time) ([]byte, error)
}

// Issuer issues and verifies widget session tokens, signed HS256 with a
// key derived from the server's session key. Only snapbridge itself ever
// verifies them, so a MAC is as strong as a signature here and costs a
// fraction of one on the session-creation path. Every instance sharing the
// session key and the store accepts every other instance's sessions. It is
// safe for concurrent use.
type Issuer struct {
	// mac is the HS256 key of the tokens this issuer signs.
	mac []byte
	// public verifies EdDSA tokens of earlier releases, which signed
	// with the session key itself, until they expire.
	public   ed25519.PublicKey
	lifetime time.Duration
	records  RecordStore
	now      func() time.Time
	parser   *jwt.Parser
	verified verifiedTokens
}

// NewIssuer returns an Issuer signing with key whose sessions read their
// records from records (the store the ContextVerifier remembers contexts
// in). lifetime is how long a session lasts; zero, negative or anything
// above MaxSessionLifetime means MaxSessionLifetime. now is the clock; nil
// means time.Now. A key of the wrong size makes Issue and Verify fail
// rather than panic, and so does a nil records for Verify.
func NewIssuer(key ed25519.PrivateKey, lifetime time.Duration, records RecordStore, now func() time.Time) *Issuer {
	if lifetime <= 0 {
		lifetime = MaxSessionLifetime
	}
	lifetime = min(lifetime, MaxSessionLifetime)
	if now == nil {
		now = time.Now
	}
	i := &Issuer{lifetime: lifetime, records: records, now: now}
	if len(key) == ed25519.PrivateKeySize {
		i.mac = sessionMACKey(key)
		i.public = key.Public().(ed25519.PublicKey)
	}
	i.parser = jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg(), jwt.SigningMethodEdDSA.Alg()}),
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

// sessionMACKeyInfo names the one use of the key derived from the session
// key, so it can never equal a key derived for anything else.
const sessionMACKeyInfo = "snapbridge widget session token HS256 v1"

// sessionMACKey derives the HS256 key of session tokens from the session
// key's seed (HKDF-SHA256): the operator keeps configuring one secret.
func sessionMACKey(key ed25519.PrivateKey) []byte {
	mac, err := hkdf.Key(sha256.New, key.Seed(), nil, sessionMACKeyInfo, sha256.Size)
	if err != nil {
		// Only for a requested length beyond 255 hash sizes.
		panic("derive the session MAC key: " + err.Error())
	}
	return mac
}

// Issue creates a session for a host context a ContextVerifier verified
// (and so stored its records) and returns it with its signed token. The
// session ends after the issuer's lifetime, and never after the store
// stops keeping its records.
func (i *Issuer) Issue(hc *HostContext) (string, *Session, error) {
	if i.mac == nil {
		return "", nil, fmt.Errorf("issue session: %w", errNoKey)
	}
	if hc == nil || hc.Tenant == nil {
		return "", nil, fmt.Errorf("issue session: no verified host context")
	}
	if hc.kept == nil {
		return "", nil, fmt.Errorf("issue session: the host context's records were not stored; verify it with a ContextVerifier")
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
	expires := now.Add(i.lifetime)
	if last := hc.keptUntil.Add(-sessionLeeway).Truncate(time.Second); expires.After(last) {
		expires = last
	}
	if !expires.After(now) {
		return "", nil, fmt.Errorf("issue session: the host context's records are no longer kept")
	}
	s := &Session{
		ID:        id,
		Tenant:    hc.Tenant.ID,
		Viewer:    hc.Viewer,
		Records:   slices.Clone(hc.Records),
		Roles:     slices.Clone(hc.Roles),
		ExpiresAt: expires,
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
		Roles:   s.Roles,
		Context: hc.ID,
		Digest:  digest(hc.kept),
	}
	token, err := i.sign(&claims)
	if err != nil {
		return "", nil, fmt.Errorf("sign session: %w", err)
	}
	// The widget calls the API right after opening its session, most
	// likely here: it need not read back what we already know.
	i.verified.put(token, s, i.now())
	return token, s, nil
}

// sessionHeader is the first segment of every session token: the JOSE
// header jwt writes for HS256, base64url-encoded once.
var sessionHeader = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))

// sign returns claims as a compact JWS signed with the issuer's MAC key:
// the bytes jwt's SignedString writes, in one buffer and without encoding
// the fixed header again.
func (i *Issuer) sign(claims *sessionClaims) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	enc := base64.RawURLEncoding
	signed := len(sessionHeader) + 1 + enc.EncodedLen(len(payload))
	buf := make([]byte, signed+1+enc.EncodedLen(sha256.Size))
	n := copy(buf, sessionHeader)
	buf[n] = '.'
	enc.Encode(buf[n+1:signed], payload)
	h := hmac.New(sha256.New, i.mac)
	h.Write(buf[:signed])
	sig := h.Sum(nil)
	buf[signed] = '.'
	enc.Encode(buf[signed+1:], sig)
	return string(buf), nil
}

// Verify checks a widget session token and returns its session, with the
// records read once from the store on an instance that has not seen the
// session yet. A refused token is an *Error with code session_invalid or
// session_expired; any other error is a fault of the store.
func (i *Issuer) Verify(ctx context.Context, token string) (*Session, error) {
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
	_, err := i.parser.ParseWithClaims(token, claims, i.verificationKey)
	switch {
	case err == nil:
	case errors.Is(err, jwt.ErrTokenExpired) && !errors.Is(err, jwt.ErrTokenInvalidAudience) &&
		!errors.Is(err, jwt.ErrTokenInvalidIssuer) && !errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return nil, errSessionExpired
	default:
		return nil, invalid("the session token is not one this server issued, or it was altered")
	}
	if err := claims.check(); err != nil {
		return nil, err
	}
	if i.records == nil {
		return nil, fmt.Errorf("verify session: no record store configured")
	}
	kept, err := i.records.ContextRecords(ctx, claims.Tenant, claims.Context, i.now())
	switch {
	case errors.Is(err, store.ErrNotFound):
		// Kept as long as the session lives: only a store that is not
		// the one the session was opened on lacks them.
		return nil, refuse(CodeSessionExpired, "the widget session's records are not kept here; create a new session from a fresh host context")
	case err != nil:
		return nil, fmt.Errorf("read the records of session %s of tenant %s: %w", claims.ID, claims.Tenant, err)
	}
	s, err := claims.session(kept)
	if err != nil {
		return nil, invalid(err.Error())
	}
	i.verified.put(token, s, i.now())
	return s, nil
}

// verificationKey is the key of a token's alg, one of the parser's two
// valid methods: the MAC key for HS256, the session key's public half for
// an EdDSA token of an earlier release.
func (i *Issuer) verificationKey(t *jwt.Token) (any, error) {
	switch t.Method.Alg() {
	case jwt.SigningMethodHS256.Alg():
		return i.mac, nil
	case jwt.SigningMethodEdDSA.Alg():
		return i.public, nil
	}
	return nil, fmt.Errorf("session tokens are never signed %s", t.Method.Alg())
}

// errSessionExpired is the answer to an expired or superseded token.
var errSessionExpired = refuse(CodeSessionExpired, "the widget session expired; create a new one from a fresh host context")

// check applies the rules jwt's validator does not know and that need no
// records: a session names its id, tenant, viewer, record set and digest,
// and lives no longer than allowed. A token of an
// earlier release (records inside, no record set) is answered as expired.
func (c *sessionClaims) check() error {
	invalid := func(msg string) error { return refuse(CodeSessionInvalid, msg) }
	if c.ID == "" || c.Tenant == "" || c.IssuedAt == nil || c.Subject == "" {
		return invalid("the session token lacks its id, tenant, viewer or iat")
	}
	if c.ExpiresAt.Sub(c.IssuedAt.Time) > MaxSessionLifetime {
		return invalid(fmt.Sprintf("the session token lives longer than %s", MaxSessionLifetime))
	}
	if c.Context == "" && c.Digest == "" {
		return errSessionExpired
	}
	if c.Context == "" || len(c.Context) > MaxIDLen || len(c.Digest) != digestLen {
		return invalid("the session token's record set reference is malformed")
	}
	return nil
}

// session checks the kept bytes against the token's digest and builds the
// session from both.
func (c *sessionClaims) session(kept []byte) (*Session, error) {
	if subtle.ConstantTimeCompare([]byte(digest(kept)), []byte(c.Digest)) != 1 {
		return nil, fmt.Errorf("the session's records do not match its token")
	}
	var r keptRecords
	if err := json.Unmarshal(kept, &r); err != nil {
		return nil, fmt.Errorf("the session's records are malformed")
	}
	if err := checkPayload(r.Viewer, r.Records, c.Roles); err != nil {
		return nil, fmt.Errorf("the session's records are malformed: %w", err)
	}
	if r.Viewer.ID != c.Subject {
		return nil, fmt.Errorf("the session's records belong to another viewer")
	}
	return &Session{
		ID:        c.ID,
		Tenant:    c.Tenant,
		Viewer:    *r.Viewer,
		Records:   r.Records,
		Roles:     c.Roles,
		ExpiresAt: c.ExpiresAt.Time,
	}, nil
}

// digestLen is the length of a digest: 32 bytes, base64url.
var digestLen = base64.RawURLEncoding.EncodedLen(sha256.Size)

// digest is the SHA-256 of kept, base64url-encoded.
func digest(kept []byte) string {
	sum := sha256.Sum256(kept)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// randomID returns 128 random bits, base64url-encoded.
func randomID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("read random id: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}
