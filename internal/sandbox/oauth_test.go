package sandbox

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestAuthorizationPage(t *testing.T) {
	h := newHarness(t)
	base := url.Values{"response_type": {"code"}, "client_id": {DemoClientID}, "redirect_uri": {testRedirect},
		"state": {"st-9"}, "scope": {ScopeDisplay}}
	with := func(k, v string) url.Values {
		q := url.Values{}
		for kk, vv := range base {
			q[kk] = vv
		}
		if v == "" {
			q.Del(k)
		} else {
			q.Set(k, v)
		}
		return q
	}
	tests := []struct {
		scenario  string
		query     url.Values
		status    int
		redirErr  string // OAuth error expected in the redirect
		bodyWants []string
	}{
		{scenario: "a good request shows the consent form", query: base, status: http.StatusOK,
			bodyWants: []string{`name="member"`, DemoMembers()[0].Name, `value="allow"`, `value="deny"`,
				`name="state" value="st-9"`, ScopeDisplay}},
		{scenario: "an unknown client gets an error page, not a redirect", query: with("client_id", "nobody"),
			status: http.StatusBadRequest, bodyWants: []string{"not a registered"}},
		{scenario: "a redirect uri that is not registered exactly gets an error page",
			query: with("redirect_uri", testRedirect+"/extra"), status: http.StatusBadRequest,
			bodyWants: []string{"redirect_uri does not match"}},
		{scenario: "a missing redirect uri gets an error page", query: with("redirect_uri", ""),
			status: http.StatusBadRequest, bodyWants: []string{"redirect_uri does not match"}},
		{scenario: "a scope the app lacks goes back as unauthorized_scope_error",
			query: with("scope", "r_sales_nav_display w_member_social"), status: http.StatusFound,
			redirErr: "unauthorized_scope_error"},
		{scenario: "a token response type is refused", query: with("response_type", "token"),
			status: http.StatusFound, redirErr: "unsupported_response_type"},
		{scenario: "a plain PKCE method is refused", query: func() url.Values {
			q := with("code_challenge", strings.Repeat("a", 43))
			q.Set("code_challenge_method", "plain")
			return q
		}(), status: http.StatusFound, redirErr: "invalid_request"},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			a := h.get("/oauth/v2/authorization?"+tc.query.Encode(), nil)
			if a.status != tc.status {
				t.Fatalf("status %d, want %d: %s", a.status, tc.status, a.body)
			}
			if tc.redirErr != "" {
				loc, _ := url.Parse(a.header.Get("Location"))
				if got := loc.Query().Get("error"); got != tc.redirErr || loc.Query().Get("state") != "st-9" {
					t.Fatalf("redirect %s, want error=%s with state", loc, tc.redirErr)
				}
				return
			}
			if a.header.Get("Location") != "" {
				t.Fatalf("unexpected redirect to %s", a.header.Get("Location"))
			}
			if !strings.HasPrefix(a.header.Get("Content-Type"), "text/html") || a.header.Get("X-Frame-Options") != "DENY" {
				t.Fatalf("want an unframeable HTML page, got %q / %q", a.header.Get("Content-Type"), a.header.Get("X-Frame-Options"))
			}
			for _, want := range tc.bodyWants {
				if !strings.Contains(string(a.body), want) {
					t.Errorf("page lacks %q", want)
				}
			}
		})
	}
}

func TestConsentDecision(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		scenario  string
		decision  string
		wantCode  bool
		wantError string
	}{
		{scenario: "allow sends a code and the state back", decision: "allow", wantCode: true},
		{scenario: "deny sends user_cancelled_authorize back", decision: "deny", wantError: "user_cancelled_authorize"},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			q := h.consent(DemoClientID, ScopeDisplay, "", tc.decision)
			if q.Get("state") != "st-1" {
				t.Errorf("state %q, want st-1", q.Get("state"))
			}
			if got := strings.HasPrefix(q.Get("code"), "sandbox-code-"); got != tc.wantCode {
				t.Errorf("code %q, want one: %v", q.Get("code"), tc.wantCode)
			}
			if q.Get("error") != tc.wantError {
				t.Errorf("error %q, want %q", q.Get("error"), tc.wantError)
			}
		})
	}
	t.Run("an unknown member is asked again, not redirected", func(t *testing.T) {
		a := h.postForm("/oauth/v2/authorization", url.Values{"response_type": {"code"}, "client_id": {DemoClientID},
			"redirect_uri": {testRedirect}, "scope": {ScopeDisplay}, "member": {"intruder"}, "decision": {"allow"}})
		if a.status != http.StatusBadRequest || a.header.Get("Location") != "" {
			t.Fatalf("status %d location %q, want 400 without redirect", a.status, a.header.Get("Location"))
		}
	})
}

func TestCodeExchange(t *testing.T) {
	verifier, challenge := pkce("verifier-")
	tests := []struct {
		scenario  string
		challenge string
		form      func(code string) url.Values
		basic     bool
		before    func(h *harness, form url.Values) // runs before the exchange
		status    int
		errCode   string
	}{
		{scenario: "the right PKCE verifier gets tokens", challenge: challenge, status: http.StatusOK,
			form: func(code string) url.Values { return exchangeForm(code, verifier) }},
		{scenario: "a wrong PKCE verifier is invalid_grant", challenge: challenge, status: http.StatusBadRequest,
			errCode: "invalid_grant",
			form:    func(code string) url.Values { return exchangeForm(code, strings.Repeat("x", 50)) }},
		{scenario: "a missing PKCE verifier is invalid_grant", challenge: challenge, status: http.StatusBadRequest,
			errCode: "invalid_grant", form: func(code string) url.Values { return exchangeForm(code, "") }},
		{scenario: "without PKCE no verifier is needed", status: http.StatusOK,
			form: func(code string) url.Values { return exchangeForm(code, "") }},
		{scenario: "client credentials by HTTP Basic work", status: http.StatusOK, basic: true,
			form: func(code string) url.Values {
				f := exchangeForm(code, "")
				f.Del("client_id")
				f.Del("client_secret")
				return f
			}},
		{scenario: "a different redirect uri is invalid_grant", status: http.StatusBadRequest, errCode: "invalid_grant",
			form: func(code string) url.Values {
				f := exchangeForm(code, "")
				f.Set("redirect_uri", "http://127.0.0.1:8080/other")
				return f
			}},
		{scenario: "a reused code is invalid_grant", status: http.StatusBadRequest, errCode: "invalid_grant",
			form: func(code string) url.Values { return exchangeForm(code, "") },
			before: func(h *harness, form url.Values) {
				if a := h.postForm("/oauth/v2/accessToken", form); a.status != http.StatusOK {
					h.t.Fatalf("first exchange: %d %s", a.status, a.body)
				}
			}},
		{scenario: "a code older than ten minutes is invalid_grant", status: http.StatusBadRequest, errCode: "invalid_grant",
			form:   func(code string) url.Values { return exchangeForm(code, "") },
			before: func(h *harness, _ url.Values) { h.clock.Advance(CodeLifetime + time.Second) }},
		{scenario: "a wrong client secret is invalid_client", status: http.StatusUnauthorized, errCode: "invalid_client",
			form: func(code string) url.Values {
				f := exchangeForm(code, "")
				f.Set("client_secret", "guess")
				return f
			}},
		{scenario: "a code of another client is invalid_grant", status: http.StatusBadRequest, errCode: "invalid_grant",
			form: func(code string) url.Values {
				f := exchangeForm(code, "")
				f.Set("client_id", testClientID)
				return f
			}},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			h := newHarness(t)
			code := h.consent(DemoClientID, ScopeDisplay+" "+ScopeAnalytics, tc.challenge, "allow").Get("code")
			form := tc.form(code)
			if tc.before != nil {
				tc.before(h, form)
			}
			req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/oauth/v2/accessToken", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tc.basic {
				req.SetBasicAuth(DemoClientID, testSecret)
			}
			a := h.do(req)
			m := a.json(t)
			if a.status != tc.status {
				t.Fatalf("status %d, want %d: %s", a.status, tc.status, a.body)
			}
			if tc.errCode != "" {
				if m["error"] != tc.errCode || m["error_description"] == "" {
					t.Fatalf("body %v, want error %s with a description", m, tc.errCode)
				}
				return
			}
			at, _ := m["access_token"].(string)
			rt, _ := m["refresh_token"].(string)
			if !strings.HasPrefix(at, "sandbox-at-") || !strings.HasPrefix(rt, "sandbox-rt-") {
				t.Errorf("tokens %q / %q lack the sandbox- prefixes", at, rt)
			}
			if m["expires_in"] != float64(60*24*3600) || m["refresh_token_expires_in"] != float64(365*24*3600) {
				t.Errorf("lifetimes %v / %v, want 60 and 365 days", m["expires_in"], m["refresh_token_expires_in"])
			}
			if m["scope"] != ScopeDisplay+","+ScopeAnalytics {
				t.Errorf("scope %v", m["scope"])
			}
		})
	}
}

func exchangeForm(code, verifier string) url.Values {
	f := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {testRedirect},
		"client_id": {DemoClientID}, "client_secret": {testSecret}}
	if verifier != "" {
		f.Set("code_verifier", verifier)
	}
	return f
}

func TestRefreshToken(t *testing.T) {
	tests := []struct {
		scenario string
		token    func(rt string) string
		clientID string
		faults   Faults
		status   int
	}{
		{scenario: "a live refresh token gets a new access token", token: func(rt string) string { return rt },
			clientID: DemoClientID, status: http.StatusOK},
		{scenario: "an unknown refresh token is invalid_grant", token: func(string) string { return "sandbox-rt-nope" },
			clientID: DemoClientID, status: http.StatusBadRequest},
		{scenario: "another client's refresh token is invalid_grant", token: func(rt string) string { return rt },
			clientID: testClientID, status: http.StatusBadRequest},
		{scenario: "revoked refresh tokens are invalid_grant", token: func(rt string) string { return rt },
			clientID: DemoClientID, faults: Faults{RevokeRefresh: true}, status: http.StatusBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			h := newHarness(t)
			_, rt := h.memberToken(DemoClientID, ScopeDisplay)
			h.sb.SetFaults(tc.faults)
			h.clock.Advance(24 * time.Hour)
			a := h.postForm("/oauth/v2/accessToken", url.Values{"grant_type": {"refresh_token"},
				"refresh_token": {tc.token(rt)}, "client_id": {tc.clientID}, "client_secret": {testSecret}})
			m := a.json(t)
			if a.status != tc.status {
				t.Fatalf("status %d, want %d: %s", a.status, tc.status, a.body)
			}
			if tc.status != http.StatusOK {
				if m["error"] != "invalid_grant" {
					t.Fatalf("error %v, want invalid_grant", m["error"])
				}
				return
			}
			if m["refresh_token"] != rt {
				t.Errorf("refresh token changed")
			}
			if m["refresh_token_expires_in"] != float64(364*24*3600) {
				t.Errorf("refresh_token_expires_in %v: refreshing must not extend it", m["refresh_token_expires_in"])
			}
			if sat := h.api("/v2/salesAccessTokens?q=viewerAndDeveloperApp", m["access_token"].(string)); sat.status != http.StatusOK {
				t.Errorf("refreshed token does not work: %d %s", sat.status, sat.body)
			}
		})
	}
}

func TestClientCredentials(t *testing.T) {
	tests := []struct {
		scenario  string
		form      url.Values
		status    int
		errCode   string
		wantScope string
	}{
		{scenario: "an app gets a 30-minute token with its scopes",
			form:   url.Values{"client_id": {DemoClientID}, "client_secret": {testSecret}},
			status: http.StatusOK, wantScope: strings.Join(AllScopes(), ",")},
		{scenario: "an app may narrow the scopes",
			form:   url.Values{"client_id": {DemoClientID}, "client_secret": {testSecret}, "scope": {ScopeProfiles}},
			status: http.StatusOK, wantScope: ScopeProfiles},
		{scenario: "a scope the app lacks is invalid_scope",
			form:   url.Values{"client_id": {limitedClientID}, "client_secret": {testSecret}, "scope": {ScopeProfiles}},
			status: http.StatusBadRequest, errCode: "invalid_scope"},
		{scenario: "a wrong secret is invalid_client",
			form:   url.Values{"client_id": {DemoClientID}, "client_secret": {"nope"}},
			status: http.StatusUnauthorized, errCode: "invalid_client"},
		{scenario: "a missing client id is invalid_request",
			form:   url.Values{"client_secret": {testSecret}},
			status: http.StatusBadRequest, errCode: "invalid_request"},
	}
	h := newHarness(t)
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			tc.form.Set("grant_type", "client_credentials")
			a := h.postForm("/oauth/v2/accessToken", tc.form)
			m := a.json(t)
			if a.status != tc.status || m["error"] != nilIfEmpty(tc.errCode) {
				t.Fatalf("got %d %v, want %d %q", a.status, m, tc.status, tc.errCode)
			}
			if tc.errCode != "" {
				return
			}
			if at, _ := m["access_token"].(string); !strings.HasPrefix(at, "sandbox-app-") {
				t.Errorf("token %q lacks sandbox-app-", at)
			}
			if _, has := m["refresh_token"]; has || m["expires_in"] != float64(1800) || m["scope"] != tc.wantScope {
				t.Errorf("answer %v: want no refresh token, expires_in 1800, scope %s", m, tc.wantScope)
			}
		})
	}
	t.Run("the token endpoint only accepts POST", func(t *testing.T) {
		if a := h.get("/oauth/v2/accessToken", nil); a.status != http.StatusMethodNotAllowed {
			t.Fatalf("GET got %d", a.status)
		}
	})
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
