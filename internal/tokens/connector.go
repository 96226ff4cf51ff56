package tokens

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"time"

	"golang.org/x/oauth2"

	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/store"
	"github.com/snapbridge/snapbridge/internal/tenant"
)

// ConnectTTL bounds the life of a connect handle and of an OAuth state:
// long enough to read LinkedIn's consent page, short enough that a leaked
// link is soon useless.
const ConnectTTL = 10 * time.Minute

// One-time value kinds in the store.
const (
	kindHandle  = "handle"
	kindState   = "state"
	kindPending = "pending"
)

// Handle names who is connecting: the widget session asks for a handle,
// opens the popup with it, and the popup starts the OAuth flow.
type Handle struct {
	// Tenant, Viewer and SessionID identify the widget session. Required.
	Tenant, Viewer, SessionID string
	// ExpiresAt is when the handle lapses; zero or later than ConnectTTL
	// from now means ConnectTTL from now.
	ExpiresAt time.Time
	// Confirm is set by Complete on success: the one-time code the widget
	// that asked for the connection must send back (Confirm) before the
	// token is stored. It reaches only the popup's opener.
	Confirm string
}

// ConfirmTTL bounds how long a completed consent waits for its widget.
const ConfirmTTL = 5 * time.Minute

// Connector runs LinkedIn's authorization code flow with PKCE for a viewer,
// from a one-time handle to a stored member token. It is safe for
// concurrent use.
type Connector struct {
	vault       *Vault
	li          LinkedIn
	callbackURL string
	now         func() time.Time
}

// statePayload is sealed into the stored state; the verifier must never be
// readable from the database.
type statePayload struct {
	Verifier string   `json:"verifier"`
	Scopes   []string `json:"scopes"`
}

// sealedState is how the sealed payload is kept in the store.
type sealedState struct {
	KeyID  string `json:"keyId"`
	Sealed []byte `json:"sealed"`
}

// NewConnector returns a connector saving into v, talking to li, with
// callbackURL as the OAuth redirect URL registered for the tenants'
// LinkedIn apps. now is the clock; nil means time.Now.
func NewConnector(v *Vault, li LinkedIn, callbackURL string, now func() time.Time) *Connector {
	if now == nil {
		now = time.Now
	}
	return &Connector{vault: v, li: li, callbackURL: callbackURL, now: now}
}

// NewHandle returns a random, URL-safe, one-time id (32 bytes of entropy)
// for h, valid for at most ConnectTTL. A session that asks again while its
// handle has most of its life left gets the same id again, so repeated
// asking does not fill the store and every URL handed out keeps working.
func (c *Connector) NewHandle(ctx context.Context, h Handle) (string, error) {
	return c.issueHandle(ctx, h, nil, "new connect handle")
}

// Start consumes the handle, which must belong to tenant t, and returns
// LinkedIn's authorization URL for the popup. The URL carries a fresh
// one-time state (valid ConnectTTL, bound to the handle's session) and a
// PKCE challenge whose verifier is kept sealed in the store. Empty scopes
// means r_sales_nav_display. An unknown, expired, reused or foreign handle
// gives ErrHandleInvalid (an ErrStateInvalid).
func (c *Connector) Start(ctx context.Context, t *tenant.Tenant, handle string, scopes []string) (string, error) {
	if t == nil {
		return "", fmt.Errorf("start connect: tenant is required")
	}
	now := c.now()
	h, err := c.vault.db.TakeOneTime(ctx, kindHandle, handle, now)
	if errors.Is(err, store.ErrNotFound) {
		return "", fmt.Errorf("start connect: %w", ErrHandleInvalid)
	}
	if err != nil {
		return "", fmt.Errorf("start connect: %w", err)
	}
	if h.Tenant != t.ID {
		return "", fmt.Errorf("start connect: handle is for another tenant: %w", ErrHandleInvalid)
	}
	if len(scopes) == 0 {
		scopes = []string{linkedin.ScopeDisplay}
	}
	// A scoped handle (NewScopedHandle) adds the scopes a feature needs.
	scopes = unionScopes(scopes, handleScopes(h.Payload))
	state, err := randomID()
	if err != nil {
		return "", fmt.Errorf("start connect: %w", err)
	}
	verifier := oauth2.GenerateVerifier()
	payload, err := c.sealState(stateAAD(h.Tenant, h.Viewer, h.SessionID), statePayload{Verifier: verifier, Scopes: scopes})
	if err != nil {
		return "", fmt.Errorf("start connect: %w", err)
	}
	err = c.vault.db.PutOneTime(ctx, kindState, state, store.OneTime{
		Tenant: h.Tenant, Viewer: h.Viewer, SessionID: h.SessionID, Payload: payload,
		ExpiresAt: now.Add(ConnectTTL),
	})
	if err != nil {
		return "", fmt.Errorf("start connect: %w", err)
	}
	return c.li.AuthCodeURL(appOf(t), c.callbackURL, state, verifier, scopes), nil
}

// Complete handles LinkedIn's redirect to the callback: it consumes the
// state (unknown, expired or reused: ErrStateInvalid), then, if LinkedIn
// sent an error code (the member cancelled), returns a *DeniedError (an
// ErrDenied) with the handle so the popup can tell the right widget. Otherwise it exchanges the
// code with the PKCE verifier, saves the member token, and returns who
// connected. lookup finds the tenant the state was issued for.
func (c *Connector) Complete(ctx context.Context, lookup func(tenantID string) (*tenant.Tenant, bool), state, code, errCode string) (Handle, error) {
	if state == "" {
		return Handle{}, fmt.Errorf("complete connect: no state: %w", ErrStateInvalid)
	}
	v, err := c.vault.db.TakeOneTime(ctx, kindState, state, c.now())
	if errors.Is(err, store.ErrNotFound) {
		return Handle{}, fmt.Errorf("complete connect: %w", ErrStateInvalid)
	}
	if err != nil {
		return Handle{}, fmt.Errorf("complete connect: %w", err)
	}
	h := Handle{Tenant: v.Tenant, Viewer: v.Viewer, SessionID: v.SessionID, ExpiresAt: v.ExpiresAt}
	if errCode != "" {
		denied := &DeniedError{Code: deniedCode(errCode)}
		if denied.Code == "unauthorized_scope_error" {
			if retry, ok := c.withoutIdentity(ctx, lookup, h, v.Payload); ok {
				return h, retry
			}
		}
		return h, fmt.Errorf("complete connect: %w", denied)
	}
	if code == "" {
		return h, fmt.Errorf("complete connect: linkedin sent neither code nor error: %w", ErrDenied)
	}
	t, ok := lookup(h.Tenant)
	if !ok {
		return h, fmt.Errorf("complete connect: tenant %q is no longer configured", h.Tenant)
	}
	p, err := c.openState(stateAAD(h.Tenant, h.Viewer, h.SessionID), v.Payload)
	if err != nil {
		return h, fmt.Errorf("complete connect: %w", err)
	}
	tok, err := c.li.Exchange(ctx, appOf(t), c.callbackURL, code, p.Verifier)
	if err != nil {
		return h, fmt.Errorf("complete connect: exchange code: %w", err)
	}
	pending := pendingToken{Token: tok}
	if slices.Contains(p.Scopes, linkedin.ScopeOpenID) && slices.Contains(p.Scopes, linkedin.ScopeProfile) {
		// Who connected is a courtesy to the seller: a userinfo that fails
		// leaves the name out and the connection stands.
		if info, err := c.li.UserInfo(ctx, tok.AccessToken); err == nil {
			pending.Member = &Member{Name: info.Name, Picture: webURL(info.Picture)}
		}
	}
	// The token is not stored for the viewer yet: whoever finished the
	// consent may not be the seller who asked (a connect link can be
	// forwarded). Only the widget session that opened the popup receives
	// the confirmation code, by postMessage, and must send it back.
	plain, err := json.Marshal(pending)
	if err != nil {
		return h, fmt.Errorf("complete connect: %w", err)
	}
	keyID, sealed, err := c.vault.ring.Seal(plain, pendingAAD(h.Tenant, h.Viewer, h.SessionID))
	if err != nil {
		return h, fmt.Errorf("complete connect: %w", err)
	}
	payload, _ := json.Marshal(sealedState{KeyID: keyID, Sealed: sealed})
	confirm, err := randomID()
	if err != nil {
		return h, fmt.Errorf("complete connect: %w", err)
	}
	err = c.vault.db.PutOneTime(ctx, kindPending, confirm, store.OneTime{
		Tenant: h.Tenant, Viewer: h.Viewer, SessionID: h.SessionID, Payload: payload, ExpiresAt: c.now().Add(ConfirmTTL),
	})
	if err != nil {
		return h, fmt.Errorf("complete connect: %w", err)
	}
	h.Confirm = confirm
	return h, nil
}

// IdentityScopes are the scopes that name who connected (OpenID Connect
// userinfo). They are asked for with the first connect and dropped again
// when the tenant's LinkedIn app does not have the product that grants
// them (Sign In with LinkedIn using OpenID Connect): the connection then
// works without the name.
var IdentityScopes = []string{linkedin.ScopeOpenID, linkedin.ScopeProfile}

// RetryError is Complete's answer when LinkedIn refused scopes the
// connection can do without (IdentityScopes): the popup goes on to URL,
// LinkedIn's consent for the same flow without them.
type RetryError struct {
	// URL is the new authorization URL.
	URL string
}

func (e *RetryError) Error() string {
	return "linkedin refused the identity scopes: retry without them"
}

// withoutIdentity starts the flow of a state again without
// IdentityScopes, when the state asked for any; it reports false when it
// did not or could not.
func (c *Connector) withoutIdentity(ctx context.Context, lookup func(string) (*tenant.Tenant, bool), h Handle, payload []byte) (*RetryError, bool) {
	p, err := c.openState(stateAAD(h.Tenant, h.Viewer, h.SessionID), payload)
	if err != nil {
		return nil, false
	}
	scopes := slices.DeleteFunc(slices.Clone(p.Scopes), func(s string) bool { return slices.Contains(IdentityScopes, s) })
	t, ok := lookup(h.Tenant)
	if len(scopes) == len(p.Scopes) || len(scopes) == 0 || !ok {
		return nil, false
	}
	state, err := randomID()
	if err != nil {
		return nil, false
	}
	verifier := oauth2.GenerateVerifier()
	sealed, err := c.sealState(stateAAD(h.Tenant, h.Viewer, h.SessionID), statePayload{Verifier: verifier, Scopes: scopes})
	if err != nil {
		return nil, false
	}
	err = c.vault.db.PutOneTime(ctx, kindState, state, store.OneTime{
		Tenant: h.Tenant, Viewer: h.Viewer, SessionID: h.SessionID, Payload: sealed,
		ExpiresAt: c.now().Add(ConnectTTL),
	})
	if err != nil {
		return nil, false
	}
	return &RetryError{URL: c.li.AuthCodeURL(appOf(t), c.callbackURL, state, verifier, scopes)}, true
}

// Confirm stores the member token of a completed consent, when the widget
// session confirming it is the one that started the flow. A wrong,
// reused or expired code, or another session, is ErrStateInvalid; another
// session's attempt leaves the code to the session that started the flow.
func (c *Connector) Confirm(ctx context.Context, code, tenantID, viewer, sessionID string) error {
	if code == "" {
		return fmt.Errorf("confirm connect: no code: %w", ErrStateInvalid)
	}
	// Only the session that started the flow may spend the code: anyone
	// else who learns it must not be able to stop that session's connect.
	v, err := c.vault.db.TakeOneTimeOf(ctx, kindPending, code,
		store.OneTime{Tenant: tenantID, Viewer: viewer, SessionID: sessionID}, c.now())
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("confirm connect: %w", ErrStateInvalid)
	}
	if err != nil {
		return fmt.Errorf("confirm connect: %w", err)
	}
	var s sealedState
	if err := json.Unmarshal(v.Payload, &s); err != nil {
		return fmt.Errorf("confirm connect: malformed payload")
	}
	plain, err := c.vault.ring.Open(s.KeyID, s.Sealed, pendingAAD(v.Tenant, v.Viewer, v.SessionID))
	if err != nil {
		return fmt.Errorf("confirm connect: %w", err)
	}
	var pending pendingToken
	if err := json.Unmarshal(plain, &pending); err != nil {
		return fmt.Errorf("confirm connect: sealed payload is not a token")
	}
	var m Member
	if pending.Member != nil {
		m = *pending.Member
	}
	if err := c.vault.SaveMember(ctx, v.Tenant, v.Viewer, pending.Token, m); err != nil {
		return fmt.Errorf("confirm connect: %w", err)
	}
	return nil
}

// pendingToken is what a completed consent keeps, sealed, until its
// widget confirms: the token and, when LinkedIn said, who signed in. The
// token's fields are at the top level, as before Member was kept.
type pendingToken struct {
	linkedin.Token
	Member *Member `json:",omitempty"`
}

// webURL returns s when it is an absolute http(s) URL (a photo address
// the widget may show, never javascript: or data:), else "".
func webURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return ""
	}
	return s
}

// pendingAAD binds a completed consent's sealed token to its flow.
func pendingAAD(tenantID, viewer, session string) []byte {
	return []byte("pending\x00" + tenantID + "\x00" + viewer + "\x00" + session)
}

func (c *Connector) sealState(aad []byte, p statePayload) ([]byte, error) {
	plain, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("seal state: %w", err)
	}
	keyID, sealed, err := c.vault.ring.Seal(plain, aad)
	if err != nil {
		return nil, fmt.Errorf("seal state: %w", err)
	}
	return json.Marshal(sealedState{KeyID: keyID, Sealed: sealed})
}

func (c *Connector) openState(aad []byte, payload []byte) (statePayload, error) {
	var s sealedState
	if err := json.Unmarshal(payload, &s); err != nil {
		return statePayload{}, fmt.Errorf("open state: malformed payload")
	}
	plain, err := c.vault.ring.Open(s.KeyID, s.Sealed, aad)
	if err != nil {
		return statePayload{}, fmt.Errorf("open state: %w", err)
	}
	var p statePayload
	if err := json.Unmarshal(plain, &p); err != nil || p.Verifier == "" {
		return statePayload{}, fmt.Errorf("open state: sealed payload is not a state")
	}
	return p, nil
}

// stateAAD binds the sealed verifier to the flow's tenant, viewer and
// session, so a stored state edited to name someone else does not open.
func stateAAD(tenantID, viewer, session string) []byte {
	return []byte("state\x00" + tenantID + "\x00" + viewer + "\x00" + session)
}

// randomID returns 32 random bytes, base64url without padding.
func randomID() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random id: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
