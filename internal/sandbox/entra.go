package sandbox

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"math/big"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Entra ID stand-in lifetimes, as Microsoft's defaults.
const (
	// EntraAccessTokenLifetime is how long an access token lives: about
	// an hour at Microsoft.
	EntraAccessTokenLifetime = time.Hour
	// EntraRefreshTokenLifetime is how long an unused refresh token
	// lives: 90 days at Microsoft; each refresh issues a new one.
	EntraRefreshTokenLifetime = 90 * 24 * time.Hour
	// EntraCodeLifetime is how long an authorization code can be
	// redeemed.
	EntraCodeLifetime = 10 * time.Minute
)

// EntraApp is an app registration in an Entra ID directory of the
// stand-in, with the directory's people and the Dynamics 365
// organisation (Dataverse) its delegated tokens read.
type EntraApp struct {
	// TenantID is the directory (tenant) id, a lower-case GUID.
	TenantID string
	// ClientID is the application (client) id.
	ClientID string
	// ClientSecrets are the secret values the token endpoint accepts.
	ClientSecrets []string
	// RedirectURIs are the exact redirect URIs registered (Web platform).
	RedirectURIs []string
	// Users are the directory's people the consent page offers.
	Users []EntraUser
	// Records are the organisation's contacts, leads and accounts,
	// served by the Dataverse stand-in under their ids.
	Records []Record
}

// EntraUser is one person of a directory.
type EntraUser struct {
	// ObjectID is the user's object id (the `oid` claim).
	ObjectID string
	// SystemUserID is the user's Dataverse systemuserid (WhoAmI's UserId).
	SystemUserID string
	// Name and Username are the `name` and `preferred_username` claims.
	Name, Username string
	// Denied are the ids of records the user may not read (Dataverse
	// answers 403 for them).
	Denied []string
}

// entra is the Entra ID and Dataverse stand-ins' state: one signing key,
// the registered apps, and the codes and tokens issued.
type entra struct {
	key     *rsa.PrivateKey
	keyID   string
	nowFunc func() time.Time
	// fixed, when not zero, is the Unix nanosecond the stand-in's clock
	// reads instead (SetEntraClock).
	fixed atomic.Int64

	mu      sync.Mutex
	apps    []EntraApp
	codes   map[string]entraCode
	access  map[string]entraToken
	refresh map[string]entraToken
	// claims, when set, changes the claims of every ID token issued
	// (a test's hostile token, still signed with the published key).
	claims func(map[string]any)
	// rogue, when set, signs ID tokens instead of key, under key's id:
	// a signature the published JWKS does not verify.
	rogue *rsa.PrivateKey
}

// entraCode is an issued authorization code.
type entraCode struct {
	app                           *EntraApp
	user                          EntraUser
	redirectURI, challenge, nonce string
	scope                         string
	expires                       time.Time
}

// entraToken is an issued access or refresh token.
type entraToken struct {
	app     *EntraApp
	user    EntraUser
	scope   string
	expires time.Time
}

func newEntra(apps []EntraApp, now func() time.Time) *entra {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic("sandbox: generate the Entra signing key: " + err.Error())
	}
	sum := sha256.Sum256(key.PublicKey.N.Bytes())
	e := &entra{key: key, keyID: base64.RawURLEncoding.EncodeToString(sum[:12]), nowFunc: now,
		codes: map[string]entraCode{}, access: map[string]entraToken{}, refresh: map[string]entraToken{}}
	for _, a := range apps {
		e.apps = append(e.apps, a.clone())
	}
	return e
}

// now is the stand-in's clock.
func (e *entra) now() time.Time {
	if n := e.fixed.Load(); n != 0 {
		return time.Unix(0, n)
	}
	return e.nowFunc()
}

// SetEntraClock sets the Entra and Dataverse stand-ins' clock to at (the
// zero time restores the configured clock), so tests expire their tokens.
func (s *Sandbox) SetEntraClock(at time.Time) {
	if at.IsZero() {
		s.entra.fixed.Store(0)
		return
	}
	s.entra.fixed.Store(at.UnixNano())
}

// RevokeEntraRefreshTokens forgets every refresh token the Entra stand-in
// issued, as an admin revoking sessions does: redeeming one is then
// invalid_grant.
func (s *Sandbox) RevokeEntraRefreshTokens() {
	s.entra.mu.Lock()
	defer s.entra.mu.Unlock()
	clear(s.entra.refresh)
}

func (a EntraApp) clone() EntraApp {
	a.ClientSecrets = slices.Clone(a.ClientSecrets)
	a.RedirectURIs = slices.Clone(a.RedirectURIs)
	a.Users = slices.Clone(a.Users)
	a.Records = slices.Clone(a.Records)
	return a
}

// SetEntraIDTokenClaims makes every ID token the Entra stand-in issues
// from now on pass through change before it is signed (nil restores the
// faithful ones). Tests use it for hostile tokens signed exactly as
// Entra signs.
func (s *Sandbox) SetEntraIDTokenClaims(change func(claims map[string]any)) {
	s.entra.mu.Lock()
	defer s.entra.mu.Unlock()
	s.entra.claims = change
}

// SetEntraIDTokenRogueKey makes the Entra stand-in sign ID tokens with a
// key of its own that its JWKS does not publish (under the published
// key's id) while on is true: a bad signature, for tests.
func (s *Sandbox) SetEntraIDTokenRogueKey(on bool) {
	var rogue *rsa.PrivateKey
	if on {
		var err error
		if rogue, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic("sandbox: generate a rogue key: " + err.Error())
		}
	}
	s.entra.mu.Lock()
	defer s.entra.mu.Unlock()
	s.entra.rogue = rogue
}

// EntraPublicKey is the stand-in's ID token signing key as its JWKS
// publishes it, with its key id.
func (s *Sandbox) EntraPublicKey() (kid string, key *rsa.PublicKey) {
	return s.entra.keyID, &s.entra.key.PublicKey
}

// entraPath matches the stand-in's Entra endpoints:
// /<tenant id>/v2.0/.well-known/openid-configuration,
// /<tenant id>/discovery/v2.0/keys, /<tenant id>/oauth2/v2.0/authorize
// and /<tenant id>/oauth2/v2.0/token.
var entraPath = regexp.MustCompile(`^/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/(v2\.0/\.well-known/openid-configuration|discovery/v2\.0/keys|oauth2/v2\.0/authorize|oauth2/v2\.0/token)$`)

// serveEntra answers an Entra endpoint; it reports false for any other
// path.
func (s *Sandbox) serveEntra(w http.ResponseWriter, r *http.Request) bool {
	m := entraPath.FindStringSubmatch(r.URL.Path)
	if m == nil {
		return false
	}
	tid, endpoint := m[1], m[2]
	s.count("entra")
	switch endpoint {
	case "v2.0/.well-known/openid-configuration":
		s.serveEntraDiscovery(w, r, tid)
	case "discovery/v2.0/keys":
		s.serveEntraKeys(w)
	case "oauth2/v2.0/authorize":
		s.serveEntraAuthorize(w, r, tid)
	default:
		s.serveEntraToken(w, r, tid)
	}
	return true
}

// serveEntraDiscovery is the OpenID Provider Configuration document.
func (s *Sandbox) serveEntraDiscovery(w http.ResponseWriter, r *http.Request, tid string) {
	base := s.baseURL(r) + "/" + tid
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                base + "/v2.0",
		"authorization_endpoint":                base + "/oauth2/v2.0/authorize",
		"token_endpoint":                        base + "/oauth2/v2.0/token",
		"jwks_uri":                              base + "/discovery/v2.0/keys",
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"code_challenge_methods_supported":      []string{"S256"},
		"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
	})
}

// serveEntraKeys is the JWKS: the one RS256 signing key.
func (s *Sandbox) serveEntraKeys(w http.ResponseWriter) {
	pub := s.entra.key.PublicKey
	writeJSON(w, http.StatusOK, map[string]any{"keys": []map[string]any{{
		"kty": "RSA", "use": "sig", "alg": "RS256", "kid": s.entra.keyID,
		"n": base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}}})
}

// app returns the registration of clientID in directory tid.
func (e *entra) app(tid, clientID string) *EntraApp {
	for i := range e.apps {
		if e.apps[i].TenantID == tid && e.apps[i].ClientID == clientID {
			return &e.apps[i]
		}
	}
	return nil
}

// entraError is an OAuth error answer, with Entra's AADSTS code in the
// description.
func entraError(w http.ResponseWriter, status int, code, description string) {
	writeJSON(w, status, map[string]any{"error": code, "error_description": description})
}

var entraConsentPage = template.Must(template.New("consent").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in to your account</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#1b1b1b}
button{display:block;width:100%;margin:.5rem 0;padding:.7rem;border:1px solid #8a8886;background:#fff;text-align:left;font-size:1rem;cursor:pointer}
.primary{background:#0067b8;color:#fff;border-color:#0067b8}.note{color:#605e5c;font-size:.9rem}</style></head>
<body><h1>Microsoft</h1><p class="note">Entra ID stand-in (snapbridge sandbox)</p>
<h2>Permissions requested</h2><p>An app in your organisation wants to:</p>
<ul><li>Access Dynamics 365 as you</li><li>Maintain access to data you have given it access to</li><li>View your basic profile</li></ul>
<form method="post">{{range $k, $v := .Params}}<input type="hidden" name="{{$k}}" value="{{$v}}">{{end}}
<p>Pick an account and accept:</p>
{{range .Users}}<button type="submit" name="login" value="{{.ObjectID}}" class="primary">Accept as {{.Name}} ({{.Username}})</button>{{end}}
<button type="submit" name="login" value="" formnovalidate>Cancel</button></form></body></html>`))

// serveEntraAuthorize shows the consent page (GET) and, when a user is
// picked (POST), redirects to the registered redirect URI with a code, as
// Entra does after sign-in and consent.
func (s *Sandbox) serveEntraAuthorize(w http.ResponseWriter, r *http.Request, tid string) {
	if !allow(w, r, http.MethodGet, http.MethodPost) {
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, "AADSTS900144: the request is malformed", http.StatusBadRequest)
		return
	}
	q := r.Form
	e := s.entra
	e.mu.Lock()
	app := e.app(tid, q.Get("client_id"))
	var users []EntraUser
	if app != nil {
		users = slices.Clone(app.Users)
	}
	e.mu.Unlock()
	// Entra shows an error page, never redirecting, when it cannot trust
	// the redirect URI.
	switch {
	case app == nil:
		http.Error(w, "AADSTS700016: Application with identifier '"+q.Get("client_id")+"' was not found in the directory '"+tid+"'.", http.StatusBadRequest)
		return
	case !slices.Contains(app.RedirectURIs, q.Get("redirect_uri")):
		http.Error(w, "AADSTS50011: The redirect URI specified in the request does not match the redirect URIs configured for the application.", http.StatusBadRequest)
		return
	}
	back := func(params url.Values) {
		params.Set("state", q.Get("state"))
		http.Redirect(w, r, q.Get("redirect_uri")+"?"+params.Encode(), http.StatusFound)
	}
	scope := q.Get("scope")
	switch {
	case q.Get("response_type") != "code":
		back(url.Values{"error": {"unsupported_response_type"}, "error_description": {"AADSTS70005: response_type must be code"}})
		return
	case q.Get("code_challenge") == "" || q.Get("code_challenge_method") != "S256":
		back(url.Values{"error": {"invalid_request"}, "error_description": {"AADSTS50148: a PKCE code_challenge with method S256 is required"}})
		return
	case !slices.Contains(strings.Fields(scope), "openid") || !strings.Contains(scope, "/user_impersonation"):
		back(url.Values{"error": {"invalid_scope"}, "error_description": {"AADSTS70011: the scope must ask for openid and <org>/user_impersonation"}})
		return
	}
	if r.Method == http.MethodGet {
		params := map[string]string{}
		for _, k := range []string{"client_id", "redirect_uri", "response_type", "response_mode", "scope", "state", "nonce", "code_challenge", "code_challenge_method"} {
			params[k] = q.Get(k)
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_ = entraConsentPage.Execute(w, map[string]any{"Params": params, "Users": users})
		return
	}
	i := slices.IndexFunc(users, func(u EntraUser) bool { return u.ObjectID != "" && u.ObjectID == q.Get("login") })
	if i < 0 {
		back(url.Values{"error": {"access_denied"}, "error_description": {"AADSTS65004: User declined to consent to access the app."}})
		return
	}
	code := "entra-code-" + rand.Text()
	e.mu.Lock()
	e.codes[code] = entraCode{app: app, user: users[i], redirectURI: q.Get("redirect_uri"), challenge: q.Get("code_challenge"),
		nonce: q.Get("nonce"), scope: scope, expires: e.now().Add(EntraCodeLifetime)}
	e.mu.Unlock()
	back(url.Values{"code": {code}})
}

// serveEntraToken redeems a code (with its PKCE verifier) or a refresh
// token for tokens, authenticating the client by its secret.
func (s *Sandbox) serveEntraToken(w http.ResponseWriter, r *http.Request, tid string) {
	if !allow(w, r, http.MethodPost) {
		return
	}
	if err := r.ParseForm(); err != nil {
		entraError(w, http.StatusBadRequest, "invalid_request", "AADSTS900144: the body must be a form")
		return
	}
	f := r.PostForm
	clientID, secret := f.Get("client_id"), f.Get("client_secret")
	if id, sec, ok := r.BasicAuth(); ok {
		clientID, secret = id, sec
	}
	e := s.entra
	e.mu.Lock()
	defer e.mu.Unlock()
	app := e.app(tid, clientID)
	if app == nil || !slices.ContainsFunc(app.ClientSecrets, func(s string) bool {
		return subtle.ConstantTimeCompare([]byte(s), []byte(secret)) == 1
	}) {
		entraError(w, http.StatusUnauthorized, "invalid_client", "AADSTS7000215: Invalid client secret provided.")
		return
	}
	now := e.now()
	var user EntraUser
	var scope, nonce string
	switch f.Get("grant_type") {
	case "authorization_code":
		c, ok := e.codes[f.Get("code")]
		delete(e.codes, f.Get("code"))
		sum := sha256.Sum256([]byte(f.Get("code_verifier")))
		switch {
		case !ok || c.app != app || !now.Before(c.expires):
			entraError(w, http.StatusBadRequest, "invalid_grant", "AADSTS70008: The provided authorization code or refresh token has expired or was already redeemed.")
			return
		case c.redirectURI != f.Get("redirect_uri"):
			entraError(w, http.StatusBadRequest, "invalid_grant", "AADSTS50011: The redirect URI does not match the one the code was issued for.")
			return
		case base64.RawURLEncoding.EncodeToString(sum[:]) != c.challenge:
			entraError(w, http.StatusBadRequest, "invalid_grant", "AADSTS501481: The Code_Verifier does not match the code_challenge supplied in the authorization request.")
			return
		}
		user, scope, nonce = c.user, c.scope, c.nonce
	case "refresh_token":
		t, ok := e.refresh[f.Get("refresh_token")]
		delete(e.refresh, f.Get("refresh_token"))
		if !ok || t.app != app || !now.Before(t.expires) {
			entraError(w, http.StatusBadRequest, "invalid_grant", "AADSTS700082: The refresh token has expired or was revoked.")
			return
		}
		user, scope = t.user, t.scope
	default:
		entraError(w, http.StatusBadRequest, "unsupported_grant_type", "AADSTS70003: grant_type must be authorization_code or refresh_token")
		return
	}
	access, refresh := "entra-at-"+rand.Text(), "entra-rt-"+rand.Text()
	e.access[access] = entraToken{app: app, user: user, scope: scope, expires: now.Add(EntraAccessTokenLifetime)}
	e.refresh[refresh] = entraToken{app: app, user: user, scope: scope, expires: now.Add(EntraRefreshTokenLifetime)}
	claims := map[string]any{
		"iss": s.baseURL(r) + "/" + tid + "/v2.0", "aud": clientID, "sub": user.ObjectID + ":" + clientID,
		"oid": user.ObjectID, "tid": tid, "name": user.Name, "preferred_username": user.Username,
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(EntraAccessTokenLifetime).Unix(), "ver": "2.0",
	}
	if nonce != "" {
		claims["nonce"] = nonce
	}
	if e.claims != nil {
		e.claims(claims)
	}
	signer := e.key
	if e.rogue != nil {
		signer = e.rogue
	}
	idToken, err := signRS256(signer, e.keyID, claims)
	if err != nil {
		entraError(w, http.StatusInternalServerError, "server_error", "could not sign the ID token")
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{
		"token_type": "Bearer", "scope": scope, "expires_in": int(EntraAccessTokenLifetime.Seconds()),
		"access_token": access, "refresh_token": refresh, "id_token": idToken,
	})
}

// signRS256 signs claims as a JWT with RS256 (RFC 7515, 7518 §3.3).
func signRS256(key *rsa.PrivateKey, kid string, claims map[string]any) (string, error) {
	header, err := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "kid": kid})
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	signing := base64.RawURLEncoding.EncodeToString(header) + "." + base64.RawURLEncoding.EncodeToString(payload)
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		return "", fmt.Errorf("sign: %w", err)
	}
	return signing + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

// SignEntraIDToken signs claims with the stand-in's published key, as its
// token endpoint does; tests use it for tokens the endpoint would not
// issue.
func (s *Sandbox) SignEntraIDToken(claims map[string]any) (string, error) {
	return signRS256(s.entra.key, s.entra.keyID, claims)
}
