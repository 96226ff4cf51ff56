package sandbox

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strings"
	"time"
)

// tokenAnswer is the token endpoint's success body.
type tokenAnswer struct {
	AccessToken           string `json:"access_token"`
	ExpiresIn             int64  `json:"expires_in"`
	RefreshToken          string `json:"refresh_token,omitempty"`
	RefreshTokenExpiresIn int64  `json:"refresh_token_expires_in,omitempty"`
	Scope                 string `json:"scope"`
}

// serveAccessToken is POST /oauth/v2/accessToken: authorization_code,
// refresh_token and client_credentials grants.
func (s *Sandbox) serveAccessToken(w http.ResponseWriter, r *http.Request) {
	s.count("oauth.token")
	if !allow(w, r, http.MethodPost) {
		return
	}
	if s.injectTokenFault(w) {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "The request body must be form-encoded.")
		return
	}
	form := r.PostForm
	app, ok := s.authenticateClient(w, r)
	if !ok {
		return
	}
	switch form.Get("grant_type") {
	case "authorization_code":
		s.exchangeCode(w, r, app)
	case "refresh_token":
		s.refresh(w, r, app)
	case "client_credentials":
		s.clientCredentials(w, r, app)
	case "":
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "A required parameter \"grant_type\" is missing")
	default:
		writeOAuthError(w, http.StatusBadRequest, "unsupported_grant_type", "grant_type is not supported")
	}
}

// authenticateClient checks the client credentials from the form or from
// HTTP Basic; both at once must agree.
func (s *Sandbox) authenticateClient(w http.ResponseWriter, r *http.Request) (*App, bool) {
	id, secret := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	if bid, bsecret, basic := r.BasicAuth(); basic {
		if (id != "" && id != bid) || (secret != "" && secret != bsecret) {
			writeOAuthError(w, http.StatusBadRequest, "invalid_request", "Client credentials were given twice and differ")
			return nil, false
		}
		id, secret = bid, bsecret
	}
	if id == "" {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "A required parameter \"client_id\" is missing")
		return nil, false
	}
	app, known := s.cat().apps[id]
	if !known || subtle.ConstantTimeCompare([]byte(secret), []byte(app.ClientSecret)) != 1 {
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "Client authentication failed")
		return nil, false
	}
	return app, true
}

func (s *Sandbox) exchangeCode(w http.ResponseWriter, r *http.Request, app *App) {
	code, redirectURI := r.PostForm.Get("code"), r.PostForm.Get("redirect_uri")
	if code == "" || redirectURI == "" {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "code and redirect_uri are required")
		return
	}
	g, found := s.takeCode(code)
	now := s.now()
	switch {
	case !found:
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "The authorization code is unknown or was already used")
		return
	case !g.live(now):
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "The authorization code expired")
		return
	case g.clientID != app.ClientID:
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "The authorization code was issued to another client")
		return
	case g.redirectURI != redirectURI:
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "redirect_uri does not match the authorization request")
		return
	case g.challenge != "" && !verifierMatches(r.PostForm.Get("code_verifier"), g.challenge):
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "code_verifier does not match the code_challenge")
		return
	}
	member := grant{clientID: app.ClientID, memberID: g.memberID, scopes: g.scopes}
	writeJSON(w, http.StatusOK, s.memberTokens(member, now.Add(RefreshTokenLifetime), ""))
}

// memberTokens issues an access token, and a refresh token unless one is
// being reused (refreshing does not extend a LinkedIn refresh token).
func (s *Sandbox) memberTokens(g grant, refreshExpires time.Time, refreshToken string) tokenAnswer {
	now := s.now()
	access := g
	access.expires = now.Add(s.cfg.MemberTokenLifetime)
	at := s.issue(accessTokens, prefixAccessToken, access)
	if refreshToken == "" {
		rg := g
		rg.expires = refreshExpires
		refreshToken = s.issue(refreshTokens, prefixRefreshToken, rg)
	}
	return tokenAnswer{
		AccessToken: at, ExpiresIn: seconds(s.cfg.MemberTokenLifetime),
		RefreshToken: refreshToken, RefreshTokenExpiresIn: seconds(refreshExpires.Sub(now)),
		Scope: strings.Join(g.scopes, ","),
	}
}

func (s *Sandbox) refresh(w http.ResponseWriter, r *http.Request, app *App) {
	rt := r.PostForm.Get("refresh_token")
	if rt == "" {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "A required parameter \"refresh_token\" is missing")
		return
	}
	if s.Faults().RevokeRefresh {
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "The provided authorization grant or refresh token is invalid, expired or revoked")
		return
	}
	g, found := s.lookup(refreshTokens, rt)
	if !found || !g.live(s.now()) || g.clientID != app.ClientID {
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "The provided authorization grant or refresh token is invalid, expired or revoked")
		return
	}
	writeJSON(w, http.StatusOK, s.memberTokens(g, g.expires, rt))
}

// clientCredentials issues a 2-legged application token with the app's
// scopes, or with those asked for when the app holds them all.
func (s *Sandbox) clientCredentials(w http.ResponseWriter, r *http.Request, app *App) {
	scopes := splitScopes(r.PostForm.Get("scope"))
	for _, sc := range scopes {
		if !app.hasScope(sc) {
			writeOAuthError(w, http.StatusBadRequest, "invalid_scope", "Scope \""+sc+"\" is not authorized for your application")
			return
		}
	}
	if len(scopes) == 0 {
		scopes = app.Scopes
	}
	at := s.issue(accessTokens, prefixAppToken, grant{
		clientID: app.ClientID, scopes: scopes, expires: s.now().Add(s.cfg.AppTokenLifetime),
	})
	writeJSON(w, http.StatusOK, tokenAnswer{
		AccessToken: at, ExpiresIn: seconds(s.cfg.AppTokenLifetime), Scope: strings.Join(scopes, ","),
	})
}

// verifierMatches checks PKCE S256: BASE64URL(SHA256(verifier)) == challenge.
func verifierMatches(verifier, challenge string) bool {
	if len(verifier) < 43 || len(verifier) > 128 {
		return false
	}
	sum := sha256.Sum256([]byte(verifier))
	got := base64.RawURLEncoding.EncodeToString(sum[:])
	return subtle.ConstantTimeCompare([]byte(got), []byte(challenge)) == 1
}

func seconds(d time.Duration) int64 { return int64(d / time.Second) }
