package sandbox

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
)

// entraFixture is the stand-in with the demo Entra app over loopback.
type entraFixture struct {
	sb     *Sandbox
	url    string
	opts   DemoOptions
	client *http.Client
}

func newEntraFixture(t *testing.T) *entraFixture {
	t.Helper()
	opts := DemoOptions{ClientSecret: "demo-client-secret-for-tests-0123", ContextSecret: "demo-context-secret-for-tests-0123456789"}
	sb := New(Config{Entra: DemoEntraApps(opts)})
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &entraFixture{sb: sb, url: srv.URL, opts: opts, client: noFollow}
}

func (f *entraFixture) base() string { return f.url + "/" + DynamicsEntraTenantID }

// signIn picks user on the consent page and returns the code, with the
// PKCE verifier it was asked with.
func (f *entraFixture) signIn(t *testing.T, user, nonce string) (code, verifier string) {
	t.Helper()
	verifier = "verifier-" + strings.Repeat("v", 40)
	sum := sha256.Sum256([]byte(verifier))
	form := url.Values{"client_id": {DynamicsEntraClientID}, "redirect_uri": {DynamicsRedirectURI(f.opts)},
		"response_type": {"code"}, "scope": {f.url + "/user_impersonation offline_access openid profile"},
		"state": {"st"}, "nonce": {nonce}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])},
		"code_challenge_method": {"S256"}}
	page, err := f.client.Get(f.base() + "/oauth2/v2.0/authorize?" + form.Encode())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(page.Body)
	page.Body.Close()
	if page.StatusCode != http.StatusOK || !strings.Contains(string(body), "Access Dynamics 365 as you") {
		t.Fatalf("consent page: %d %s", page.StatusCode, body)
	}
	form.Set("login", user)
	resp, err := f.client.PostForm(f.base()+"/oauth2/v2.0/authorize", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || loc.Query().Get("state") != "st" {
		t.Fatalf("consent: %d to %s", resp.StatusCode, loc)
	}
	return loc.Query().Get("code"), verifier
}

// token posts a token request and decodes the answer.
func (f *entraFixture) token(t *testing.T, form url.Values) (int, map[string]any) {
	t.Helper()
	form.Set("client_id", DynamicsEntraClientID)
	if form.Get("client_secret") == "" {
		form.Set("client_secret", DynamicsClientSecret(f.opts.ContextSecret))
	}
	resp, err := f.client.PostForm(f.base()+"/oauth2/v2.0/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, out
}

// A seller signs in through the consent page; the code flow with PKCE
// yields an ID token that the go-oidc library verifies against the
// published discovery document and JWKS, with Entra's claims.
func TestEntraStandInSignsInWithPKCE(t *testing.T) {
	f := newEntraFixture(t)
	code, verifier := f.signIn(t, DynamicsSeller, "n-0ce")
	status, tok := f.token(t, url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {DynamicsRedirectURI(f.opts)}, "code_verifier": {verifier}})
	if status != http.StatusOK || tok["refresh_token"] == nil || tok["access_token"] == nil {
		t.Fatalf("token: %d %v", status, tok)
	}
	provider, err := oidc.NewProvider(context.Background(), f.base()+"/v2.0")
	if err != nil {
		t.Fatal(err)
	}
	idt, err := provider.Verifier(&oidc.Config{ClientID: DynamicsEntraClientID}).Verify(context.Background(), tok["id_token"].(string))
	if err != nil {
		t.Fatal(err)
	}
	var claims struct{ Tid, Oid, Nonce, Name string }
	if err := idt.Claims(&claims); err != nil || claims.Tid != DynamicsEntraTenantID || claims.Oid != DynamicsSeller ||
		claims.Nonce != "n-0ce" || claims.Name != "Megan Bowen" {
		t.Fatalf("claims %+v, %v", claims, err)
	}

	// The refresh token is rotated: the new one works, the old one not.
	status, next := f.token(t, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok["refresh_token"].(string)}})
	if status != http.StatusOK || next["refresh_token"] == tok["refresh_token"] {
		t.Fatalf("refresh: %d %v", status, next)
	}
	if status, again := f.token(t, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok["refresh_token"].(string)}}); status != http.StatusBadRequest || again["error"] != "invalid_grant" {
		t.Fatalf("old refresh token: %d %v", status, again)
	}
}

// The token endpoint refuses what Entra refuses.
func TestEntraStandInRefusesBadRedemptions(t *testing.T) {
	f := newEntraFixture(t)
	for _, tc := range []struct {
		scenario string
		change   func(url.Values)
		status   int
		code     string
	}{
		{"wrong PKCE verifier", func(v url.Values) { v.Set("code_verifier", "another") }, http.StatusBadRequest, "invalid_grant"},
		{"another redirect URI", func(v url.Values) { v.Set("redirect_uri", "http://127.0.0.1:1/cb") }, http.StatusBadRequest, "invalid_grant"},
		{"wrong client secret", func(v url.Values) { v.Set("client_secret", "not-the-secret") }, http.StatusUnauthorized, "invalid_client"},
		{"unknown code", func(v url.Values) { v.Set("code", "entra-code-forged") }, http.StatusBadRequest, "invalid_grant"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			code, verifier := f.signIn(t, DynamicsSeller, "n")
			form := url.Values{"grant_type": {"authorization_code"}, "code": {code},
				"redirect_uri": {DynamicsRedirectURI(f.opts)}, "code_verifier": {verifier}}
			tc.change(form)
			if status, out := f.token(t, form); status != tc.status || out["error"] != tc.code {
				t.Fatalf("got %d %v, want %d %s", status, out, tc.status, tc.code)
			}
		})
	}
	code, verifier := f.signIn(t, DynamicsSeller, "n")
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {DynamicsRedirectURI(f.opts)}, "code_verifier": {verifier}}
	if status, _ := f.token(t, form); status != http.StatusOK {
		t.Fatalf("first redemption: %d", status)
	}
	if status, out := f.token(t, form); status != http.StatusBadRequest || out["error"] != "invalid_grant" {
		t.Fatalf("a code redeemed twice: %d %v", status, out)
	}

	// An unregistered redirect URI gets Entra's error page, no redirect.
	resp, err := f.client.Get(f.base() + "/oauth2/v2.0/authorize?" + url.Values{"client_id": {DynamicsEntraClientID},
		"redirect_uri": {"https://evil.example/cb"}, "response_type": {"code"}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
		t.Fatalf("unregistered redirect URI: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}
