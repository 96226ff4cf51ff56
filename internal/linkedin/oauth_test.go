package linkedin

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

var testApp = App{ClientID: "client-abc", ClientSecret: "client-secret-xyz"}

func TestAuthCodeURL(t *testing.T) {
	const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	sum := sha256.Sum256([]byte(verifier))
	challenge := base64.RawURLEncoding.EncodeToString(sum[:])
	tests := []struct {
		scenario string
		verifier string
		scopes   []string
		want     url.Values
	}{
		{
			scenario: "consent with PKCE asks an S256 challenge",
			verifier: verifier,
			scopes:   []string{ScopeDisplay, ScopeAnalytics},
			want: url.Values{
				"response_type":         {"code"},
				"client_id":             {"client-abc"},
				"redirect_uri":          {"https://snap.example/oauth/callback"},
				"state":                 {"st-1"},
				"scope":                 {"r_sales_nav_display r_sales_nav_analytics"},
				"code_challenge":        {challenge},
				"code_challenge_method": {"S256"},
			},
		},
		{
			scenario: "consent without PKCE carries no challenge",
			scopes:   []string{ScopeDisplay},
			want: url.Values{
				"response_type": {"code"},
				"client_id":     {"client-abc"},
				"redirect_uri":  {"https://snap.example/oauth/callback"},
				"state":         {"st-1"},
				"scope":         {"r_sales_nav_display"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			c := New(Config{})
			raw := c.AuthCodeURL(testApp, "https://snap.example/oauth/callback", "st-1", tt.verifier, tt.scopes)
			u, err := url.Parse(raw)
			if err != nil {
				t.Fatalf("parse %q: %v", raw, err)
			}
			if got := u.Scheme + "://" + u.Host + u.Path; got != DefaultAuthURL {
				t.Fatalf("consent page = %q, want %q", got, DefaultAuthURL)
			}
			got := u.Query()
			if len(got) != len(tt.want) {
				t.Fatalf("query = %v, want %v", got, tt.want)
			}
			for k, v := range tt.want {
				if got.Get(k) != v[0] {
					t.Errorf("%s = %q, want %q", k, got.Get(k), v[0])
				}
			}
			if strings.Contains(raw, testApp.ClientSecret) {
				t.Fatal("consent URL carries the client secret")
			}
		})
	}
}

// tokenForm checks a token request the way LinkedIn would: form-encoded,
// credentials in the body, and the given grant fields.
func tokenForm(t *testing.T, r *http.Request, want map[string]string) {
	t.Helper()
	if r.Method != http.MethodPost || r.URL.Path != "/oauth/v2/accessToken" {
		t.Errorf("%s %s, want POST /oauth/v2/accessToken", r.Method, r.URL.Path)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		t.Errorf("Content-Type = %q", ct)
	}
	if r.Header.Get("Authorization") != "" {
		t.Errorf("credentials sent in an Authorization header; LinkedIn wants them in the body")
	}
	if err := r.ParseForm(); err != nil {
		t.Errorf("form: %v", err)
		return
	}
	want["client_id"] = testApp.ClientID
	want["client_secret"] = testApp.ClientSecret
	for k, v := range want {
		if got := r.PostForm.Get(k); got != v {
			t.Errorf("form %s = %q, want %q", k, got, v)
		}
	}
}

// oauthError answers an OAuth error.
func oauthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]any{"error": code, "error_description": desc})
}

func TestExchange(t *testing.T) {
	const code, verifier = "AQcode-secret", "verifier-secret-0123456789-0123456789-0123"
	tests := []struct {
		scenario  string
		verifier  string
		handler   func(n int, w http.ResponseWriter, r *http.Request)
		wantCalls int
		check     func(t *testing.T, tok Token, err error)
	}{
		{
			scenario: "code and verifier become a member token with refresh token",
			verifier: verifier,
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				tokenForm(t, r, map[string]string{
					"grant_type":    "authorization_code",
					"code":          code,
					"redirect_uri":  "https://snap.example/cb",
					"code_verifier": verifier,
				})
				writeJSON(w, 200, map[string]any{
					"access_token": "AQmember", "expires_in": 5184000,
					"refresh_token": "AQrefresh", "refresh_token_expires_in": 31536000,
					"scope": "r_sales_nav_display,r_sales_nav_analytics",
				})
			},
			wantCalls: 1,
			check: func(t *testing.T, tok Token, err error) {
				if err != nil {
					t.Fatalf("Exchange: %v", err)
				}
				if tok.AccessToken != "AQmember" || tok.RefreshToken != "AQrefresh" || tok.Scope != "r_sales_nav_display,r_sales_nav_analytics" {
					t.Fatalf("token = %+v", tok)
				}
				near(t, "ExpiresAt", tok.ExpiresAt, 60*24*time.Hour)
				near(t, "RefreshExpiresAt", tok.RefreshExpiresAt, 365*24*time.Hour)
			},
		},
		{
			scenario: "member token without refresh token",
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				tokenForm(t, r, map[string]string{"grant_type": "authorization_code", "code": code, "code_verifier": ""})
				writeJSON(w, 200, map[string]any{"access_token": "AQmember", "expires_in": 5184000})
			},
			wantCalls: 1,
			check: func(t *testing.T, tok Token, err error) {
				if err != nil {
					t.Fatalf("Exchange: %v", err)
				}
				if tok.RefreshToken != "" || !tok.RefreshExpiresAt.IsZero() {
					t.Fatalf("token = %+v, want no refresh token", tok)
				}
			},
		},
		{
			scenario:  "500 is not retried",
			handler:   func(n int, w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) },
			wantCalls: 1,
			check: func(t *testing.T, tok Token, err error) {
				wantErrorStatus(t, err, 500)
			},
		},
		{
			scenario: "used code is invalid_grant and secrets stay out of the error",
			verifier: verifier,
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				oauthError(w, 400, "invalid_grant", "code "+code+" for "+testApp.ClientSecret+" with "+verifier+" expired")
			},
			wantCalls: 1,
			check: func(t *testing.T, tok Token, err error) {
				if !IsInvalidGrant(err) {
					t.Fatalf("IsInvalidGrant(%v) = false", err)
				}
				wantErrorStatus(t, err, 400)
				for _, s := range []string{code, testApp.ClientSecret, verifier} {
					if strings.Contains(err.Error(), s) {
						t.Fatalf("error %q contains a secret", err)
					}
				}
			},
		},
		{
			scenario: "answer without access_token is malformed",
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 200, map[string]any{"expires_in": 60})
			},
			wantCalls: 1,
			check: func(t *testing.T, tok Token, err error) {
				if le := wantErrorStatus(t, err, 200); le.Err != ErrMalformed {
					t.Fatalf("error %v is not ErrMalformed", err)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			c, up := newUpstream(t, tt.handler)
			tok, err := c.Exchange(context.Background(), testApp, "https://snap.example/cb", code, tt.verifier)
			if calls := int(up.calls.Load()); calls != tt.wantCalls {
				t.Errorf("LinkedIn saw %d calls, want %d", calls, tt.wantCalls)
			}
			tt.check(t, tok, err)
		})
	}
}

func TestRefresh(t *testing.T) {
	const refresh = "AQrefresh-secret"
	tests := []struct {
		scenario  string
		handler   func(n int, w http.ResponseWriter, r *http.Request)
		wantCalls int
		check     func(t *testing.T, tok Token, err error)
	}{
		{
			scenario: "refresh token becomes a new member token",
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				tokenForm(t, r, map[string]string{"grant_type": "refresh_token", "refresh_token": refresh})
				writeJSON(w, 200, map[string]any{
					"access_token": "AQnew", "expires_in": 5184000,
					"refresh_token": refresh, "refresh_token_expires_in": 86400,
				})
			},
			wantCalls: 1,
			check: func(t *testing.T, tok Token, err error) {
				if err != nil {
					t.Fatalf("Refresh: %v", err)
				}
				if tok.AccessToken != "AQnew" || tok.RefreshToken != refresh {
					t.Fatalf("token = %+v", tok)
				}
				near(t, "RefreshExpiresAt", tok.RefreshExpiresAt, 24*time.Hour)
			},
		},
		{
			scenario: "revoked refresh token is invalid_grant, not retried, not in the error",
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				oauthError(w, 400, "invalid_grant", "The provided refresh token "+refresh+" is invalid, expired or revoked")
			},
			wantCalls: 1,
			check: func(t *testing.T, tok Token, err error) {
				if !IsInvalidGrant(err) {
					t.Fatalf("IsInvalidGrant(%v) = false", err)
				}
				if strings.Contains(err.Error(), refresh) {
					t.Fatalf("error %q contains the refresh token", err)
				}
			},
		},
		{
			scenario: "500 then 200 succeeds with two calls",
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				if n == 1 {
					w.WriteHeader(500)
					return
				}
				writeJSON(w, 200, map[string]any{"access_token": "AQnew", "expires_in": 60})
			},
			wantCalls: 2,
			check: func(t *testing.T, tok Token, err error) {
				if err != nil || tok.AccessToken != "AQnew" {
					t.Fatalf("Refresh = %+v, %v", tok, err)
				}
			},
		},
		{
			scenario: "429 is throttled after one call",
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", "7")
				w.WriteHeader(429)
			},
			wantCalls: 1,
			check: func(t *testing.T, tok Token, err error) {
				if le := wantErrorStatus(t, err, 429); le.RetryAfter != 7*time.Second || !IsThrottled(err) {
					t.Fatalf("error = %+v, want throttled with Retry-After 7s", le)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			c, up := newUpstream(t, tt.handler)
			tok, err := c.Refresh(context.Background(), testApp, refresh)
			if calls := int(up.calls.Load()); calls != tt.wantCalls {
				t.Errorf("LinkedIn saw %d calls, want %d", calls, tt.wantCalls)
			}
			tt.check(t, tok, err)
		})
	}
}

func TestAppToken(t *testing.T) {
	tests := []struct {
		scenario  string
		handler   func(n int, w http.ResponseWriter, r *http.Request)
		wantCalls int
		check     func(t *testing.T, tok Token, err error)
	}{
		{
			scenario: "client credentials give a 30-minute app token",
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				tokenForm(t, r, map[string]string{"grant_type": "client_credentials", "scope": "r_sales_nav_profiles"})
				writeJSON(w, 200, map[string]any{"access_token": "AQapp", "expires_in": 1800})
			},
			wantCalls: 1,
			check: func(t *testing.T, tok Token, err error) {
				if err != nil || tok.AccessToken != "AQapp" {
					t.Fatalf("AppToken = %+v, %v", tok, err)
				}
				near(t, "ExpiresAt", tok.ExpiresAt, 30*time.Minute)
			},
		},
		{
			scenario: "503 twice then 200 succeeds with three calls",
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				if n < 3 {
					w.WriteHeader(503)
					return
				}
				writeJSON(w, 200, map[string]any{"access_token": "AQapp", "expires_in": 1800})
			},
			wantCalls: 3,
			check: func(t *testing.T, tok Token, err error) {
				if err != nil || tok.AccessToken != "AQapp" {
					t.Fatalf("AppToken = %+v, %v", tok, err)
				}
			},
		},
		{
			scenario: "wrong secret is invalid_client, not retried, secret not in the error",
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				oauthError(w, 401, "invalid_client", "Client authentication failed for "+testApp.ClientSecret)
			},
			wantCalls: 1,
			check: func(t *testing.T, tok Token, err error) {
				le := wantErrorStatus(t, err, 401)
				if le.Code != "invalid_client" || strings.Contains(err.Error(), testApp.ClientSecret) {
					t.Fatalf("error = %q", err)
				}
			},
		},
		{
			scenario: "garbage answer is malformed",
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte("{not json"))
			},
			wantCalls: 1,
			check: func(t *testing.T, tok Token, err error) {
				if le := wantErrorStatus(t, err, 200); le.Err != ErrMalformed {
					t.Fatalf("error %v is not ErrMalformed", err)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			c, up := newUpstream(t, tt.handler)
			tok, err := c.AppToken(context.Background(), testApp, ScopeProfiles)
			if calls := int(up.calls.Load()); calls != tt.wantCalls {
				t.Errorf("LinkedIn saw %d calls, want %d", calls, tt.wantCalls)
			}
			tt.check(t, tok, err)
		})
	}
}

// near checks that at lies about d from now.
func near(t *testing.T, what string, at time.Time, d time.Duration) {
	t.Helper()
	if off := time.Until(at) - d; off < -time.Minute || off > time.Minute {
		t.Fatalf("%s = %v, want about now+%v", what, at, d)
	}
}
