package hostctx

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/snapbridge/snapbridge/internal/session"
	"github.com/snapbridge/snapbridge/internal/store"
	"github.com/snapbridge/snapbridge/internal/tenant"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// Dynamics 365 sign-in limits and names.
const (
	// DynamicsCookie is the partitioned (CHIPS) cookie holding a
	// browser's opaque handle to its kept sign-in, set with Secure,
	// HttpOnly, SameSite=None, Partitioned and Path=/w/<tenant>/.
	DynamicsCookie = "snapbridge_dynamics"
	// DynamicsStateCookie binds a sign-in popup's state to the browser
	// that started it (first-party in the popup, SameSite=Lax).
	DynamicsStateCookie = "snapbridge_dynamics_state"
	// DynamicsSignInLifetime is how long a started sign-in (its state,
	// nonce and PKCE verifier) can be finished.
	DynamicsSignInLifetime = 10 * time.Minute
	// DynamicsResultLifetime is how long the popup's result can be
	// redeemed by the record page that opened it.
	DynamicsResultLifetime = 2 * time.Minute
	// DynamicsGrantLifetime is how long a kept sign-in lasts unused:
	// Entra's refresh tokens expire after 90 days without use, and each
	// use renews it.
	DynamicsGrantLifetime = 90 * 24 * time.Hour
	// DynamicsLaunchLifetime is how long a launch's verified context is
	// accepted, as long as a Canvas signed request's.
	DynamicsLaunchLifetime = 5 * time.Minute
	// MaxDynamicsQueryBytes bounds the query of a record page: the
	// parameters Dynamics passes are a few hundred bytes.
	MaxDynamicsQueryBytes = 2048
	// dataverseAPI is the Web API version path under the org URL.
	dataverseAPI = "/api/data/v9.2/"
	// maxIdentityBody bounds an answer of Entra or Dataverse.
	maxIdentityBody = 1 << 20
	// one-time value kinds of a sign-in.
	dynamicsStateKind  = "dynamics_state"
	dynamicsResultKind = "dynamics_signin"
	// dynamicsIDPrefix marks the context ids of Dynamics launches.
	dynamicsIDPrefix = "d365:"
)

// ErrSignInRequired means the browser holds no usable sign-in for the
// tenant's Dynamics organisation: the record page shows "Sign in with
// Microsoft" instead of the card. It is not a refusal.
var ErrSignInRequired = errors.New("hostctx: the seller must sign in with Microsoft")

// Refusal is a launch refused with an HTTP status of its own: the record
// is not the seller's to see, or the CRM could not be asked.
type Refusal struct {
	// Status is the HTTP status: 403, 404, 400 or 502.
	Status int
	// Code is the error code; Message tells the seller or admin what to
	// do and never repeats a token.
	Code, Message string
}

// Error returns "code: message".
func (r *Refusal) Error() string { return r.Code + ": " + r.Message }

// Refusal codes.
const (
	// CodeRecordForbidden: Dataverse says the seller may not read the record.
	CodeRecordForbidden = "crm_record_forbidden"
	// CodeRecordNotFound: Dataverse has no such record.
	CodeRecordNotFound = "crm_record_not_found"
	// CodeSignInDeclined: the seller cancelled the Microsoft sign-in or
	// did not consent.
	CodeSignInDeclined = "crm_signin_declined"
	// CodeCRMUnavailable: Entra ID or Dataverse could not be reached or
	// failed.
	CodeCRMUnavailable = "crm_unavailable"
)

// Sealer seals and opens secrets with the key ring (keyring.KeyRing).
type Sealer interface {
	Seal(plaintext, aad []byte) (keyID string, sealed []byte, err error)
	Open(keyID string, sealed, aad []byte) ([]byte, error)
	// Primary is the id of the key Seal seals with.
	Primary() string
}

// dynamicsRecordTypes maps the entity logical names the widget handles to
// their entity sets and snapbridge's record types.
var dynamicsRecordTypes = map[string]struct{ set, kind, selects string }{
	"contact": {"contacts", "contact", "firstname,lastname,emailaddress1,jobtitle,_parentcustomerid_value"},
	"lead":    {"leads", "lead", "firstname,lastname,emailaddress1,jobtitle,companyname"},
	"account": {"accounts", "account", "name,emailaddress1"},
}

// objectTypeCodes are the record object-type codes Dynamics passes as
// `type` when `typename` is absent.
var objectTypeCodes = map[string]string{"1": "account", "2": "contact", "4": "lead"}

// recordGUID is a record id as Dynamics passes it, braces and case aside.
var recordGUID = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// dynamics opens the widget from a Dynamics 365 record form: the form's
// parameters are unsigned claims, proven by reading the record through
// the Dataverse Web API with the seller's own delegated token.
type dynamics struct {
	keeper    *session.ContextKeeper
	values    store.OneTimeValues
	grants    store.HostGrants
	ring      Sealer
	client    *http.Client
	publicURL string
	now       func() time.Time

	mu        sync.Mutex
	providers map[string]*oidc.Provider
}

func newDynamics(d Deps) (*dynamics, error) {
	if d.Values == nil || d.Grants == nil || d.Ring == nil || d.PublicURL == "" {
		return nil, fmt.Errorf("hostctx: dynamics needs one-time values, host grants, a key ring and the public URL")
	}
	client := d.HTTP
	if client == nil {
		client = &http.Client{Timeout: 15 * time.Second}
	}
	return &dynamics{keeper: d.Keeper, values: d.Values, grants: d.Grants, ring: d.Ring, client: client,
		publicURL: strings.TrimRight(d.PublicURL, "/"), now: d.Now, providers: map[string]*oidc.Provider{}}, nil
}

// Kind returns tenant.HostDynamics.
func (a *dynamics) Kind() string { return tenant.HostDynamics }

// SignIn is an Adapter whose CRM passes unsigned record parameters, so
// the seller signs in with the CRM's identity provider (in a popup) before
// the first launch, and later launches use the kept sign-in.
type SignIn interface {
	Adapter
	// Begin starts a sign-in for tenant t: it returns the identity
	// provider's authorization URL and the value of the state cookie to
	// set on the popup.
	Begin(ctx context.Context, t *tenant.Tenant) (authorizeURL, state string, err error)
	// Finish completes the sign-in the identity provider redirected r
	// back with (stateCookie is the popup's state cookie) and returns a
	// one-time result for the record page that opened the popup.
	Finish(ctx context.Context, t *tenant.Tenant, r *http.Request, stateCookie string) (result string, err error)
	// Redeem spends a result once and returns the handle the record
	// page's partitioned cookie keeps.
	Redeem(ctx context.Context, t *tenant.Tenant, result string) (handle string, err error)
}

// CallbackPath is the path of a tenant's sign-in callback, the redirect
// URI registered with the identity provider (under the public URL).
func CallbackPath(tenantID string) string {
	return "/w/" + url.PathEscape(tenantID) + "/dynamics/callback"
}

// grant is a kept sign-in, sealed: the Entra tokens and who they are.
type grant struct {
	RefreshToken  string    `json:"rt"`
	AccessToken   string    `json:"at,omitempty"`
	AccessExpires time.Time `json:"atExp,omitzero"`
	// The settings the sign-in was made with: a changed tenant asks
	// again.
	EntraTenantID string `json:"tid"`
	ClientID      string `json:"aud"`
	OrgURL        string `json:"org"`
	ObjectID      string `json:"oid"`
	Name          string `json:"name,omitempty"`
	Username      string `json:"upn,omitempty"`
}

// started is a started sign-in, kept server-side under its state.
type started struct {
	Nonce    string `json:"nonce"`
	Verifier string `json:"verifier"`
}

// randomText returns n random bytes, base64url.
func randomText(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Begin starts a sign-in: state, nonce and PKCE verifier are kept once
// under the state, and the authorization URL asks for the org's
// delegated Dataverse access.
func (a *dynamics) Begin(ctx context.Context, t *tenant.Tenant) (string, string, error) {
	d := t.Dynamics()
	if d == nil {
		return "", "", fmt.Errorf("tenant %s: %w", t.ID, ErrNotConfigured)
	}
	p, err := a.provider(ctx, d)
	if err != nil {
		return "", "", err
	}
	s := started{Nonce: randomText(24), Verifier: randomText(48)}
	payload, err := json.Marshal(s)
	if err != nil {
		return "", "", err
	}
	state := randomText(32)
	if err := a.values.PutOneTime(ctx, dynamicsStateKind, state, store.OneTime{Tenant: t.ID, Payload: payload,
		ExpiresAt: a.now().Add(DynamicsSignInLifetime)}); err != nil {
		return "", "", fmt.Errorf("start the Dynamics sign-in of tenant %s: %w", t.ID, err)
	}
	sum := sha256.Sum256([]byte(s.Verifier))
	q := url.Values{
		"client_id": {d.ClientID}, "response_type": {"code"}, "response_mode": {"query"},
		"redirect_uri": {a.publicURL + CallbackPath(t.ID)}, "scope": {d.Scope()},
		"state": {state}, "nonce": {s.Nonce},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
	}
	authURL := p.Endpoint().AuthURL
	sep := "?"
	if strings.Contains(authURL, "?") {
		sep = "&"
	}
	return authURL + sep + q.Encode(), state, nil
}

// provider is the Entra directory's OpenID provider, discovered once: its
// discovery document must name the tenant's issuer exactly.
func (a *dynamics) provider(ctx context.Context, d *tenant.DynamicsHost) (*oidc.Provider, error) {
	issuer := d.Issuer()
	a.mu.Lock()
	p := a.providers[issuer]
	a.mu.Unlock()
	if p != nil {
		return p, nil
	}
	p, err := oidc.NewProvider(oidc.ClientContext(ctx, a.client), issuer)
	if err != nil {
		return nil, &Refusal{Status: http.StatusBadGateway, Code: CodeCRMUnavailable,
			Message: "Microsoft Entra ID could not be asked for the sign-in of directory " + d.EntraTenantID + "; try again shortly, or check host.dynamics.entraTenantId"}
	}
	a.mu.Lock()
	a.providers[issuer] = p
	a.mu.Unlock()
	return p, nil
}

// Finish checks the callback: the state once, bound to the popup's
// browser; the code redeemed with the PKCE verifier; the ID token
// verified (signature by the directory's published keys, issuer,
// audience, expiry, nonce, tid). The refresh token is then kept sealed
// under a new handle, and a one-time result names it.
func (a *dynamics) Finish(ctx context.Context, t *tenant.Tenant, r *http.Request, stateCookie string) (string, error) {
	d := t.Dynamics()
	if d == nil {
		return "", fmt.Errorf("tenant %s: %w", t.ID, ErrNotConfigured)
	}
	if len(r.URL.RawQuery) > 8*MaxDynamicsQueryBytes {
		return "", refuse(session.CodeContextTooLarge, "the sign-in answer is too large")
	}
	q := r.URL.Query()
	state := q.Get("state")
	if state == "" || len(state) > 64 {
		return "", refuse(session.CodeContextInvalid, "the sign-in answer carries no state; start the sign-in from the record page")
	}
	v, err := a.values.TakeOneTime(ctx, dynamicsStateKind, state, a.now())
	switch {
	case errors.Is(err, store.ErrNotFound):
		return "", refuse(session.CodeContextExpired, "this sign-in has expired or was already finished; close this window and sign in again from the record page")
	case err != nil:
		return "", fmt.Errorf("finish the Dynamics sign-in of tenant %s: %w", t.ID, err)
	case v.Tenant != t.ID || subtle.ConstantTimeCompare([]byte(stateCookie), []byte(state)) != 1:
		return "", refuse(session.CodeContextInvalid, "this sign-in was started in another browser or for another organisation; sign in again from the record page")
	}
	if e := q.Get("error"); e != "" {
		if e == "access_denied" {
			return "", &Refusal{Status: http.StatusForbidden, Code: CodeSignInDeclined,
				Message: "the Microsoft sign-in was cancelled or consent was not given; sign in again from the record page, or ask your Entra admin to grant admin consent"}
		}
		return "", refuse(session.CodeContextInvalid, "Microsoft Entra ID refused the sign-in ("+clip(e)+"); check the app registration's redirect URI and Dataverse permission")
	}
	code := q.Get("code")
	if code == "" || len(code) > 4096 {
		return "", refuse(session.CodeContextInvalid, "the sign-in answer carries no code")
	}
	var s started
	if err := json.Unmarshal(v.Payload, &s); err != nil {
		return "", fmt.Errorf("finish the Dynamics sign-in of tenant %s: %w", t.ID, err)
	}
	p, err := a.provider(ctx, d)
	if err != nil {
		return "", err
	}
	tok, err := a.token(ctx, p, d, url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {a.publicURL + CallbackPath(t.ID)}, "code_verifier": {s.Verifier}, "scope": {d.Scope()}})
	if err != nil {
		return "", err
	}
	g, err := a.verifyIDToken(ctx, p, d, tok.IDToken, s.Nonce)
	if err != nil {
		return "", err
	}
	if tok.RefreshToken == "" {
		return "", refuse(session.CodeContextInvalid, "Microsoft Entra ID issued no refresh token: the sign-in must ask for offline_access")
	}
	g.RefreshToken, g.AccessToken, g.AccessExpires = tok.RefreshToken, tok.AccessToken, tok.expires(a.now())
	handle := randomText(32)
	if _, err := a.keep(ctx, t, handle, g, nil); err != nil {
		return "", err
	}
	result := randomText(32)
	if err := a.values.PutOneTime(ctx, dynamicsResultKind, result, store.OneTime{Tenant: t.ID,
		Payload: []byte(handle), ExpiresAt: a.now().Add(DynamicsResultLifetime)}); err != nil {
		return "", fmt.Errorf("finish the Dynamics sign-in of tenant %s: %w", t.ID, err)
	}
	return result, nil
}

// Redeem spends the popup's result once and returns its handle.
func (a *dynamics) Redeem(ctx context.Context, t *tenant.Tenant, result string) (string, error) {
	gone := refuse(session.CodeContextExpired, "this sign-in was already used or has expired; sign in again")
	if result == "" || len(result) > 64 {
		return "", gone
	}
	v, err := a.values.TakeOneTime(ctx, dynamicsResultKind, result, a.now())
	switch {
	case errors.Is(err, store.ErrNotFound):
		return "", gone
	case err != nil:
		return "", fmt.Errorf("redeem the Dynamics sign-in of tenant %s: %w", t.ID, err)
	case v.Tenant != t.ID:
		return "", gone
	}
	return string(v.Payload), nil
}

// idClaims are the ID token claims checked beyond go-oidc's.
type idClaims struct {
	TenantID string `json:"tid"`
	ObjectID string `json:"oid"`
	Nonce    string `json:"nonce"`
	Name     string `json:"name"`
	Username string `json:"preferred_username"`
}

// verifyIDToken verifies raw with the directory's published keys (RS256
// only) for the tenant's application, then its nonce and directory.
func (a *dynamics) verifyIDToken(ctx context.Context, p *oidc.Provider, d *tenant.DynamicsHost, raw, nonce string) (grant, error) {
	if raw == "" {
		return grant{}, refuse(session.CodeContextInvalid, "Microsoft Entra ID issued no ID token: the sign-in must ask for openid")
	}
	v := p.Verifier(&oidc.Config{ClientID: d.ClientID, SupportedSigningAlgs: []string{oidc.RS256}, Now: a.now})
	idt, err := v.Verify(oidc.ClientContext(ctx, a.client), raw)
	if err != nil {
		var expired *oidc.TokenExpiredError
		if errors.As(err, &expired) {
			return grant{}, refuse(session.CodeContextExpired, "the ID token has expired; check the server's clock and sign in again")
		}
		return grant{}, refuse(session.CodeContextInvalid, "the ID token does not verify for directory "+d.EntraTenantID+
			" and application "+d.ClientID+" (signature, issuer or audience); check host.dynamics")
	}
	var c idClaims
	if err := idt.Claims(&c); err != nil {
		return grant{}, refuse(session.CodeContextInvalid, "the ID token's claims are not the expected JSON")
	}
	switch {
	case c.Nonce == "" || subtle.ConstantTimeCompare([]byte(c.Nonce), []byte(nonce)) != 1:
		return grant{}, refuse(session.CodeContextReplayed, "the ID token does not carry this sign-in's nonce; sign in again")
	case c.TenantID != d.EntraTenantID:
		return grant{}, refuse(session.CodeContextInvalid, "the ID token is of another Entra directory than this tenant's (host.dynamics.entraTenantId)")
	case c.ObjectID == "" || len(c.ObjectID) > session.MaxIDLen:
		return grant{}, refuse(session.CodeContextInvalid, "the ID token names no user (oid)")
	}
	return grant{EntraTenantID: d.EntraTenantID, ClientID: d.ClientID, OrgURL: d.OrgURL, ObjectID: c.ObjectID,
		Name: c.Name, Username: c.Username}, nil
}

// tokenAnswer is the token endpoint's answer.
type tokenAnswer struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	IDToken      string `json:"id_token"`
	ExpiresIn    int64  `json:"expires_in"`
	Error        string `json:"error"`
}

func (t tokenAnswer) expires(now time.Time) time.Time {
	return now.Add(time.Duration(max(t.ExpiresIn, 0)) * time.Second)
}

// errGrantRevoked is the token endpoint's invalid_grant: the refresh
// token (or code) is no longer good.
var errGrantRevoked = errors.New("hostctx: Entra refused the grant")

// token posts form to the directory's token endpoint with each active
// client secret in turn (the next only when Entra says invalid_client).
func (a *dynamics) token(ctx context.Context, p *oidc.Provider, d *tenant.DynamicsHost, form url.Values) (tokenAnswer, error) {
	unavailable := &Refusal{Status: http.StatusBadGateway, Code: CodeCRMUnavailable,
		Message: "Microsoft Entra ID could not issue a token; try again shortly"}
	form.Set("client_id", d.ClientID)
	for i, secret := range d.ClientSecrets {
		form.Set("client_secret", secret)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.Endpoint().TokenURL, strings.NewReader(form.Encode()))
		if err != nil {
			return tokenAnswer{}, err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", "application/json")
		resp, err := a.client.Do(req)
		if err != nil {
			return tokenAnswer{}, unavailable
		}
		var out tokenAnswer
		err = json.NewDecoder(io.LimitReader(resp.Body, maxIdentityBody)).Decode(&out)
		resp.Body.Close()
		switch {
		case err != nil && resp.StatusCode == http.StatusOK:
			return tokenAnswer{}, unavailable
		case resp.StatusCode == http.StatusOK:
			return out, nil
		case out.Error == "invalid_client" && i+1 < len(d.ClientSecrets):
			continue
		case out.Error == "invalid_client":
			return tokenAnswer{}, refuse(session.CodeContextInvalid,
				"Microsoft Entra ID refused the application's client secret; copy the current secret value into host.dynamics.clientSecrets")
		case out.Error == "invalid_grant":
			return tokenAnswer{}, errGrantRevoked
		case resp.StatusCode >= 400 && resp.StatusCode < 500:
			return tokenAnswer{}, refuse(session.CodeContextInvalid, "Microsoft Entra ID refused the sign-in ("+clip(out.Error)+
				"); check the app registration's redirect URI and its Dataverse permission")
		default:
			return tokenAnswer{}, unavailable
		}
	}
	return tokenAnswer{}, refuse(session.CodeContextInvalid, "host.dynamics has no client secret")
}

// aad binds a sealed grant to its tenant and handle, so a row copied
// under another does not open.
func grantAAD(tenantID, handle string) []byte {
	return []byte("dynamics\x00" + tenantID + "\x00" + handle)
}

// keep seals g under handle: a new row when prev is nil, else a swap
// that only replaces prev. It returns the row written, or the zero row
// when another request changed prev first.
func (a *dynamics) keep(ctx context.Context, t *tenant.Tenant, handle string, g grant, prev *store.HostGrantRow) (store.HostGrantRow, error) {
	plain, err := json.Marshal(g)
	if err != nil {
		return store.HostGrantRow{}, err
	}
	keyID, sealed, err := a.ring.Seal(plain, grantAAD(t.ID, handle))
	if err != nil {
		return store.HostGrantRow{}, fmt.Errorf("seal the Dynamics sign-in of tenant %s: %w", t.ID, err)
	}
	now := a.now()
	row := store.HostGrantRow{Tenant: t.ID, Handle: handle, Subject: g.ObjectID, KeyID: keyID, Sealed: sealed,
		ExpiresAt: now.Add(DynamicsGrantLifetime), UpdatedAt: now}
	if prev == nil {
		return row, a.grants.PutHostGrant(ctx, row)
	}
	won, err := a.grants.SwapHostGrant(ctx, *prev, row)
	if err != nil || !won {
		return store.HostGrantRow{}, err
	}
	return row, nil
}

// open reads the grant kept under handle; ErrSignInRequired when there is
// none usable (gone, sealed with a retired key, or made with other
// settings than the tenant's now).
func (a *dynamics) open(ctx context.Context, t *tenant.Tenant, d *tenant.DynamicsHost, handle string) (store.HostGrantRow, grant, error) {
	row, err := a.grants.HostGrant(ctx, t.ID, handle, a.now())
	switch {
	case errors.Is(err, store.ErrNotFound):
		return row, grant{}, ErrSignInRequired
	case err != nil:
		return row, grant{}, err
	}
	var g grant
	plain, err := a.ring.Open(row.KeyID, row.Sealed, grantAAD(t.ID, handle))
	if err == nil {
		err = json.Unmarshal(plain, &g)
	}
	if err != nil || g.EntraTenantID != d.EntraTenantID || g.ClientID != d.ClientID || g.OrgURL != d.OrgURL {
		if derr := a.grants.DeleteHostGrant(ctx, t.ID, handle); derr != nil {
			return row, grant{}, derr
		}
		return row, grant{}, ErrSignInRequired
	}
	if row.KeyID != a.ring.Primary() {
		// Sealed with an older key of the ring. `keys rotate` cannot reach
		// sign-ins (the store knows only a hash of their handle), so seal
		// it again with the primary key on its use: removing the old key
		// later does not sign this seller out. When another page changed
		// the row first, it sealed with the primary key too; when the write
		// fails, the next use tries again.
		if kept, err := a.keep(ctx, t, handle, g, &row); err == nil && kept.Sealed != nil {
			row = kept
		}
	}
	return row, g, nil
}

// Launch proves the record page's claims: it reads id and typename (or
// type), then, with the browser's kept sign-in, asks Dataverse who the
// seller is and for the record with the seller's own token. Only a record
// Dataverse returns becomes the verified, kept host context. Without a
// usable sign-in it answers ErrSignInRequired.
func (a *dynamics) Launch(ctx context.Context, t *tenant.Tenant, r *http.Request) (*Launch, error) {
	d := t.Dynamics()
	if d == nil {
		return nil, fmt.Errorf("tenant %s: %w", t.ID, ErrNotConfigured)
	}
	id, kind, err := RecordClaims(r)
	if err != nil {
		return nil, err
	}
	c, err := r.Cookie(DynamicsCookie)
	if err != nil || c.Value == "" || len(c.Value) > store.MaxHostGrantHandleLen {
		return nil, ErrSignInRequired
	}
	handle := c.Value
	row, g, err := a.open(ctx, t, d, handle)
	if err != nil {
		return nil, err
	}
	p, err := a.provider(ctx, d)
	if err != nil {
		return nil, err
	}
	// Up to two tries: a cached access token Dataverse no longer takes
	// is refreshed once.
	var who whoAmI
	var rec wire.Record
	for try := 0; ; try++ {
		if try > 0 || g.AccessToken == "" || !a.now().Add(time.Minute).Before(g.AccessExpires) {
			if row, g, err = a.refresh(ctx, t, d, p, handle, row, g); err != nil {
				return nil, err
			}
		}
		who, rec, err = a.read(ctx, d, g.AccessToken, id, kind)
		if errors.Is(err, errDataverseUnauthorized) && try == 0 {
			continue
		}
		if errors.Is(err, errDataverseUnauthorized) {
			// A token Entra has just issued: the seller is not a user of
			// this environment.
			return nil, &Refusal{Status: http.StatusForbidden, Code: CodeRecordForbidden,
				Message: "Dynamics 365 does not accept your Microsoft sign-in for this environment; ask your Dynamics admin to add you as a user of " + d.OrgURL}
		}
		if err != nil {
			return nil, err
		}
		break
	}
	now := a.now()
	hc := &session.HostContext{
		Tenant: t, Viewer: wire.Viewer{ID: who.UserID, Name: g.Name, Email: g.Username}, Records: []wire.Record{rec},
		ID: dynamicsIDPrefix + randomText(24), IssuedAt: now, ExpiresAt: now.Add(DynamicsLaunchLifetime),
	}
	fresh, err := a.keeper.Keep(ctx, hc, hc.ExpiresAt.Add(session.ContextLeeway))
	if err != nil {
		return nil, err
	}
	if !fresh {
		return nil, fmt.Errorf("keep Dynamics launch of tenant %s: a random context id repeated", t.ID)
	}
	return &Launch{Context: hc}, nil
}

// RecordClaims reads the record parameters a Dynamics IFRAME control or
// web resource passes (id, typename or type), unsigned claims checked
// only for form: a GUID and a record type the widget handles.
func RecordClaims(r *http.Request) (id, kind string, err error) {
	if len(r.URL.RawQuery) > MaxDynamicsQueryBytes {
		return "", "", refuse(session.CodeContextTooLarge, fmt.Sprintf("the record page's parameters are longer than %d bytes", MaxDynamicsQueryBytes))
	}
	q, perr := url.ParseQuery(r.URL.RawQuery)
	if perr != nil {
		return "", "", refuse(session.CodeContextInvalid, "the record page's parameters are malformed")
	}
	for _, k := range []string{"id", "typename", "type", "orgname"} {
		if len(q[k]) > 1 {
			return "", "", refuse(session.CodeContextInvalid, k+" is given more than once")
		}
	}
	raw := q.Get("id")
	id = strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(raw, "{"), "}"))
	if !recordGUID.MatchString(id) {
		return "", "", refuse(session.CodeContextInvalid,
			"id is missing or not a record GUID: tick \"Pass record object-type code and unique identifier as parameters\" on the IFRAME control")
	}
	kind = strings.ToLower(q.Get("typename"))
	if kind == "" {
		kind = objectTypeCodes[q.Get("type")]
	}
	if _, ok := dynamicsRecordTypes[kind]; !ok {
		return "", "", refuse(session.CodeContextInvalid, fmt.Sprintf(
			"record type %s is not handled; place the IFRAME control on a Contact, Lead or Account form", clip(q.Get("typename")+q.Get("type"))))
	}
	return id, kind, nil
}

// refresh redeems the grant's refresh token for new tokens and keeps
// them. A refresh token Entra no longer takes is dropped (the seller
// signs in again), unless another page rotated it meanwhile: then that
// page's grant is used.
func (a *dynamics) refresh(ctx context.Context, t *tenant.Tenant, d *tenant.DynamicsHost, p *oidc.Provider,
	handle string, row store.HostGrantRow, g grant) (store.HostGrantRow, grant, error) {
	for try := 0; ; try++ {
		tok, err := a.token(ctx, p, d, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {g.RefreshToken}, "scope": {d.Scope()}})
		if errors.Is(err, errGrantRevoked) && try == 0 {
			latest, lg, lerr := a.open(ctx, t, d, handle)
			if lerr != nil {
				return row, g, lerr
			}
			if string(latest.Sealed) != string(row.Sealed) {
				row, g = latest, lg
				if g.AccessToken != "" && a.now().Add(time.Minute).Before(g.AccessExpires) {
					return row, g, nil
				}
				continue
			}
		}
		if errors.Is(err, errGrantRevoked) {
			if derr := a.grants.DeleteHostGrant(ctx, t.ID, handle); derr != nil {
				return row, g, derr
			}
			return row, g, ErrSignInRequired
		}
		if err != nil {
			return row, g, err
		}
		next := g
		next.AccessToken, next.AccessExpires = tok.AccessToken, tok.expires(a.now())
		if tok.RefreshToken != "" {
			next.RefreshToken = tok.RefreshToken
		}
		kept, err := a.keep(ctx, t, handle, next, &row)
		if err != nil {
			return row, g, err
		}
		if kept.Sealed != nil {
			return kept, next, nil
		}
		// Another page refreshed first: its tokens are kept, and this
		// request's access token still serves it.
		latest, _, err := a.open(ctx, t, d, handle)
		return latest, next, err
	}
}

// whoAmI is Dataverse's WhoAmI answer.
type whoAmI struct {
	UserID string `json:"UserId"`
}

// dataverseRecord holds the columns the widget selects of any of the
// three entity sets.
type dataverseRecord struct {
	FirstName *string `json:"firstname"`
	LastName  *string `json:"lastname"`
	Name      *string `json:"name"`
	Email     *string `json:"emailaddress1"`
	Title     *string `json:"jobtitle"`
	Company   *string `json:"companyname"`
	Parent    *string `json:"_parentcustomerid_value@OData.Community.Display.V1.FormattedValue"`
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// errDataverseUnauthorized is Dataverse's 401: the access token is no
// longer taken.
var errDataverseUnauthorized = errors.New("hostctx: Dataverse refused the access token")

// read asks Dataverse, as the seller, who they are and for the record.
func (a *dynamics) read(ctx context.Context, d *tenant.DynamicsHost, token, id, kind string) (whoAmI, wire.Record, error) {
	var who whoAmI
	if err := a.dataverse(ctx, d, token, "WhoAmI", &who); err != nil {
		return who, wire.Record{}, err
	}
	who.UserID = strings.ToLower(who.UserID)
	if !recordGUID.MatchString(who.UserID) {
		return who, wire.Record{}, &Refusal{Status: http.StatusBadGateway, Code: CodeCRMUnavailable, Message: "Dataverse's WhoAmI named no user"}
	}
	rt := dynamicsRecordTypes[kind]
	var dr dataverseRecord
	if err := a.dataverse(ctx, d, token, rt.set+"("+id+")?$select="+rt.selects, &dr); err != nil {
		return who, wire.Record{}, err
	}
	rec := wire.Record{ID: id, Type: rt.kind, FirstName: str(dr.FirstName), LastName: str(dr.LastName),
		Email: str(dr.Email), Title: str(dr.Title), Company: str(dr.Company)}
	switch kind {
	case "account":
		rec.Company = str(dr.Name)
	case "contact":
		rec.Company = str(dr.Parent)
	}
	return who, rec, nil
}

// dataverse GETs path of the Web API with the seller's token into out.
func (a *dynamics) dataverse(ctx context.Context, d *tenant.DynamicsHost, token, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.OrgURL+dataverseAPI+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("OData-MaxVersion", "4.0")
	req.Header.Set("OData-Version", "4.0")
	req.Header.Set("Prefer", `odata.include-annotations="OData.Community.Display.V1.FormattedValue"`)
	resp, err := a.client.Do(req)
	if err != nil {
		return &Refusal{Status: http.StatusBadGateway, Code: CodeCRMUnavailable, Message: "Dataverse (" + d.OrgURL + ") could not be reached; try again shortly"}
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		if err := json.NewDecoder(io.LimitReader(resp.Body, maxIdentityBody)).Decode(out); err != nil {
			return &Refusal{Status: http.StatusBadGateway, Code: CodeCRMUnavailable, Message: "Dataverse answered something other than the record"}
		}
		return nil
	case http.StatusUnauthorized:
		return errDataverseUnauthorized
	case http.StatusForbidden:
		return &Refusal{Status: http.StatusForbidden, Code: CodeRecordForbidden,
			Message: "Dynamics 365 says you may not read this record, so LinkedIn details are not shown for it; ask your Dynamics admin for access"}
	case http.StatusNotFound:
		return &Refusal{Status: http.StatusNotFound, Code: CodeRecordNotFound,
			Message: "Dynamics 365 has no such record (it may have been deleted, or the form passes another id); reload the record"}
	default:
		return &Refusal{Status: http.StatusBadGateway, Code: CodeCRMUnavailable,
			Message: fmt.Sprintf("Dataverse failed (%d); try again shortly", resp.StatusCode)}
	}
}
