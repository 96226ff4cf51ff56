package session

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/snapbridge/snapbridge/internal/tenant"
)

// ContextLeeway is the clock skew tolerated between the CRM's server and
// ours when checking `exp`, `nbf` and `iat`.
const ContextLeeway = 30 * time.Second

// ReplayGuard remembers host context ids so each context is accepted once,
// and keeps with each id the viewer and records of the session opened from
// it, which the session token then only refers to. Every store.ReplayIDs
// implements it durably and shared by the instances on one database, so a
// restart does not reopen the window and any instance reads the records.
type ReplayGuard interface {
	// RememberContext records jti for tenant until exp together with
	// records, in one write, and reports whether it was new. It must be
	// atomic: of two concurrent calls with the same jti, exactly one sees
	// fresh == true, and only a fresh call stores its records.
	RememberContext(ctx context.Context, tenant, jti string, exp time.Time, records []byte) (fresh bool, err error)
}

// ContextVerifier verifies host context tokens signed by tenants' CRMs
// (PRODUCT.md §2). It is safe for concurrent use.
type ContextVerifier struct {
	tenants *tenant.Registry
	keeper  *ContextKeeper
	now     func() time.Time
	// keyrings holds each tenant's parsed keys and parser, by tenant id,
	// so PEM parsing happens once and not on every page view.
	keyrings map[string]*keyring
}

// NewContextVerifier returns a verifier for the tenants' host contexts that
// remembers used ids in replay. now is the clock; nil means time.Now.
func NewContextVerifier(tenants *tenant.Registry, replay ReplayGuard, now func() time.Time) *ContextVerifier {
	if now == nil {
		now = time.Now
	}
	v := &ContextVerifier{tenants: tenants, keeper: NewContextKeeper(replay, nil, now), now: now, keyrings: map[string]*keyring{}}
	if tenants != nil {
		for _, t := range tenants.All() {
			v.keyrings[t.ID] = newKeyring(t, now)
		}
	}
	return v
}

// Verify checks raw and returns the context it carries. A refused context
// is an *Error with one of the context_* codes or unknown_tenant; any other
// error is a fault of the replay store. The jti is remembered only once
// every other check has passed, so a refused context does not burn its id.
func (v *ContextVerifier) Verify(ctx context.Context, raw string) (*HostContext, error) {
	if len(raw) > MaxContextBytes {
		return nil, refuse(CodeContextTooLarge, fmt.Sprintf(
			"the context is %d bytes, at most %d are accepted; name fewer records or shorter fields",
			len(raw), MaxContextBytes))
	}
	u, err := parseContext(raw)
	if err != nil {
		return nil, err
	}
	t, ring, err := v.tenantOf(u.claims.Issuer)
	if err != nil {
		return nil, err
	}
	claims := u.claims
	if err := ring.verify(u); err != nil {
		return nil, ring.explain(u.token, claims, err)
	}
	if err := checkContextClaims(t, claims); err != nil {
		return nil, refuse(CodeContextInvalid, err.Error())
	}
	hc := &HostContext{
		Tenant:    t,
		Viewer:    *claims.Viewer,
		Records:   claims.Records,
		Roles:     claims.Roles,
		ID:        claims.ID,
		IssuedAt:  claims.IssuedAt.Time,
		ExpiresAt: claims.ExpiresAt.Time,
	}
	// Remembered past exp by the leeway, because that is how long the
	// token is still accepted.
	fresh, err := v.keeper.Keep(ctx, hc, hc.ExpiresAt.Add(ContextLeeway))
	if err != nil {
		return nil, err
	}
	if !fresh {
		return nil, refuse(CodeContextReplayed,
			"this context (jti) was already used; sign a fresh context with a new jti for every page view")
	}
	return hc, nil
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// tenantOf finds the tenant whose keys must verify a context of issuer
// iss, read before anything is verified.
func (v *ContextVerifier) tenantOf(iss string) (*tenant.Tenant, *keyring, error) {
	if iss == "" {
		return nil, nil, refuse(CodeContextInvalid, "iss is required: it names the tenant that signed the context")
	}
	if v.tenants != nil {
		if t, ok := v.tenants.ByIssuer(iss); ok {
			if ring, ok := v.keyrings[t.ID]; ok {
				return t, ring, nil
			}
		}
	}
	return nil, nil, refuse(CodeUnknownTenant, fmt.Sprintf("no tenant has the issuer %s", clip(iss)))
}

// unverifiedContext is a host context split and decoded once: nothing in
// it is trusted until keyring.verify has checked it.
type unverifiedContext struct {
	// token carries the header, the alg's method and the signature, as
	// jwt's ParseUnverified makes them.
	token *jwt.Token
	// signed is what the signature covers: header.payload.
	signed string
	claims *contextClaims
	// claimsErr is a claim other than iss of the wrong JSON type; it is
	// reported once the tenant is known, as jwt's parser reported it.
	claimsErr error
}

// parseContext is jwt's ParseUnverified for a host context, decoding the
// payload once for every claim: the same checks in the same order (three
// segments, base64url header and payload, a JSON object header, a JSON
// payload with a string iss, an alg jwt knows, a base64url signature).
// A refusal is an *Error; a claim of the wrong type other than iss is
// left in claimsErr.
func parseContext(raw string) (*unverifiedContext, error) {
	malformed := refuse(CodeContextInvalid, "the context is not a well-formed JWT (header.payload.signature, base64url-encoded JSON)")
	if strings.TrimSpace(raw) == "" {
		return nil, refuse(CodeContextInvalid, "the context is empty")
	}
	head, rest, ok := strings.Cut(raw, ".")
	payload, sig, ok2 := strings.Cut(rest, ".")
	if !ok || !ok2 || strings.Contains(sig, ".") {
		return nil, malformed
	}
	u := &unverifiedContext{token: &jwt.Token{Raw: raw}, signed: raw[:len(head)+1+len(payload)], claims: &contextClaims{}}
	hb, err := base64.RawURLEncoding.DecodeString(head)
	if err != nil || json.Unmarshal(hb, &u.token.Header) != nil {
		return nil, malformed
	}
	pb, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return nil, malformed
	}
	if err := u.claims.decode(pb); err != nil {
		var typeErr *json.UnmarshalTypeError
		if !errors.As(err, &typeErr) || typeErr.Field == "" || typeErr.Field == "iss" {
			return nil, malformed
		}
		u.claimsErr = fmt.Errorf("%w: %w", jwt.ErrTokenMalformed, err)
	}
	u.token.Claims = u.claims
	alg, ok := u.token.Header["alg"].(string)
	if !ok {
		return nil, refuse(CodeContextInvalid, "the alg header is missing or not one of HS256, RS256, EdDSA")
	}
	if u.token.Method = jwt.GetSigningMethod(alg); u.token.Method == nil {
		return nil, refuse(CodeContextInvalid, "the alg header is missing or not one of HS256, RS256, EdDSA")
	}
	if u.token.Signature, err = base64.RawURLEncoding.DecodeString(sig); err != nil {
		return nil, malformed
	}
	return u, nil
}

// checkContextClaims applies the rules jwt's validator does not know.
func checkContextClaims(t *tenant.Tenant, c *contextClaims) error {
	if c.IssuedAt == nil {
		return fmt.Errorf("iat is required")
	}
	if c.ID == "" {
		return fmt.Errorf("jti is required: a unique id per context, so it cannot be replayed")
	}
	if len(c.ID) > MaxIDLen {
		return fmt.Errorf("jti is longer than %d bytes", MaxIDLen)
	}
	lifetime := c.ExpiresAt.Sub(c.IssuedAt.Time)
	if lifetime <= 0 {
		return fmt.Errorf("exp must be later than iat")
	}
	if lifetime > t.Context.MaxLifetime {
		return fmt.Errorf("the context lives %s (exp-iat), tenant %s allows at most %s",
			lifetime, t.ID, t.Context.MaxLifetime)
	}
	return checkPayload(c.Viewer, c.Records, c.Roles)
}

// keyring is one tenant's verification keys and the parser configured for
// its issuer, audience and algorithms.
type keyring struct {
	tenant    *tenant.Tenant
	keys      []verificationKey
	algs      []string
	validator *jwt.Validator
}

type verificationKey struct {
	id, alg  string
	material any
}

// keyError is a key selection failure whose text is safe to show.
type keyError string

func (e keyError) Error() string { return string(e) }

func newKeyring(t *tenant.Tenant, now func() time.Time) *keyring {
	r := &keyring{tenant: t}
	for _, k := range t.Context.Keys {
		material, err := k.VerificationKey()
		if err != nil {
			// The registry validated every key; one that still fails
			// simply verifies nothing.
			continue
		}
		r.keys = append(r.keys, verificationKey{id: k.ID, alg: k.Alg, material: material})
		if !slices.Contains(r.algs, k.Alg) {
			r.algs = append(r.algs, k.Alg)
		}
	}
	r.validator = jwt.NewValidator(
		jwt.WithIssuer(t.Context.Issuer),
		jwt.WithAudience(t.Context.Audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(ContextLeeway),
		jwt.WithTimeFunc(now),
	)
	return r
}

// verify is what jwt's ParseWithClaims does after ParseUnverified, with
// its errors: only this tenant's algorithms (which refuses alg "none" and
// the HS256-with-a-public-key confusion before any key is chosen), the
// key keyFor picks, the signature, then the registered claims.
func (r *keyring) verify(u *unverifiedContext) error {
	if u.claimsErr != nil {
		return u.claimsErr
	}
	if !slices.Contains(r.algs, u.token.Method.Alg()) {
		return fmt.Errorf("%w: signing method %s is invalid", jwt.ErrTokenSignatureInvalid, u.token.Method.Alg())
	}
	key, err := r.keyFor(u.token)
	if err != nil {
		return fmt.Errorf("%w: %w", jwt.ErrTokenUnverifiable, err)
	}
	keys := []jwt.VerificationKey{key}
	if set, ok := key.(jwt.VerificationKeySet); ok {
		keys = set.Keys
	}
	for _, k := range keys {
		if err = u.token.Method.Verify(u.signed, u.token.Signature, k); err == nil {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("%w: %w", jwt.ErrTokenSignatureInvalid, err)
	}
	if err := r.validator.Validate(u.claims); err != nil {
		return fmt.Errorf("%w: %w", jwt.ErrTokenInvalidClaims, err)
	}
	u.token.Valid = true
	return nil
}

// keyFor picks the key named by `kid`, which must verify the token's alg;
// without a kid, every key of the token's alg is tried.
func (r *keyring) keyFor(tok *jwt.Token) (jwt.VerificationKey, error) {
	// RFC 7515 §4.1.11: extensions marked critical that we do not
	// implement (we implement none) make the token unacceptable.
	if _, ok := tok.Header["crit"]; ok {
		return nil, fmt.Errorf("the token header marks extensions critical (crit); none are supported")
	}
	alg := tok.Method.Alg()
	if raw, ok := tok.Header["kid"]; ok {
		kid, ok := raw.(string)
		if !ok {
			return nil, keyError("the kid header must be a string")
		}
		for _, k := range r.keys {
			if k.id != kid {
				continue
			}
			if k.alg != alg {
				return nil, keyError(fmt.Sprintf("key %s verifies %s only, but the context says alg %s",
					clip(kid), k.alg, alg))
			}
			return k.material, nil
		}
		return nil, keyError(fmt.Sprintf("kid %s is not an active key of tenant %s", clip(kid), r.tenant.ID))
	}
	var set []jwt.VerificationKey
	for _, k := range r.keys {
		if k.alg == alg {
			set = append(set, k.material)
		}
	}
	switch len(set) {
	case 0:
		return nil, keyError(fmt.Sprintf("tenant %s has no %s key", r.tenant.ID, alg))
	case 1:
		return set[0], nil
	default:
		return jwt.VerificationKeySet{Keys: set}, nil
	}
}

// explain turns a jwt failure into an *Error naming what to fix.
func (r *keyring) explain(tok *jwt.Token, c *contextClaims, err error) *Error {
	invalid := func(msg string) *Error { return refuse(CodeContextInvalid, msg) }
	var ke keyError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typeErr) && typeErr.Field != "":
		return invalid(fmt.Sprintf("claim %s must be a JSON %s", typeErr.Field, jsonKind(typeErr.Type.Kind())))
	case errors.Is(err, jwt.ErrTokenMalformed):
		return invalid("the context is not a well-formed JWT (header.payload.signature, base64url-encoded JSON)")
	case errors.As(err, &ke):
		return invalid(string(ke))
	case errors.Is(err, jwt.ErrTokenSignatureInvalid) && tok != nil && tok.Method != nil &&
		!slices.Contains(r.algs, tok.Method.Alg()):
		return invalid(fmt.Sprintf("alg %s is not accepted for tenant %s; its keys use %s",
			clip(tok.Method.Alg()), r.tenant.ID, strings.Join(r.algs, ", ")))
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return invalid(fmt.Sprintf("the signature does not verify with any active key of tenant %s", r.tenant.ID))
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		return invalid(fmt.Sprintf("the alg header is missing or unknown; tenant %s accepts %s",
			r.tenant.ID, strings.Join(r.algs, ", ")))
	case c.ExpiresAt == nil:
		return invalid("exp is required")
	case len(c.Audience) == 0 || errors.Is(err, jwt.ErrTokenInvalidAudience):
		return invalid(fmt.Sprintf("aud must be %q", r.tenant.Context.Audience))
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return invalid(fmt.Sprintf("iss must be %q", r.tenant.Context.Issuer))
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return invalid("iat is in the future; check the clock of the server that signs contexts")
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return invalid("nbf is in the future; the context is not valid yet")
	case errors.Is(err, jwt.ErrTokenExpired):
		return refuse(CodeContextExpired, fmt.Sprintf(
			"the context expired at %s; sign a fresh context for every page view",
			c.ExpiresAt.UTC().Format(time.RFC3339)))
	default:
		return invalid("the context could not be verified")
	}
}

// jsonKind names the JSON type a Go kind decodes from.
func jsonKind(k reflect.Kind) string {
	switch k {
	case reflect.Struct, reflect.Map, reflect.Pointer:
		return "object"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	default:
		return "number"
	}
}

// clip quotes a value taken from an unverified token, cut short so a
// hostile token cannot flood messages and logs.
func clip(s string) string {
	const max = 64
	if len(s) > max {
		s = s[:max] + "…"
	}
	return fmt.Sprintf("%q", s)
}
