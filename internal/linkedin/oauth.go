package linkedin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// oauthConfig is app's OAuth configuration against c's endpoints.
// LinkedIn wants client_id and client_secret in the form body; saying so
// also stops x/oauth2 from probing with a second request.
func (c *Client) oauthConfig(app App, redirectURL string, scopes []string) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     app.ClientID,
		ClientSecret: app.ClientSecret,
		RedirectURL:  redirectURL,
		Scopes:       scopes,
		Endpoint: oauth2.Endpoint{
			AuthURL:   c.cfg.AuthURL,
			TokenURL:  c.cfg.TokenURL,
			AuthStyle: oauth2.AuthStyleInParams,
		},
	}
}

// oauthContext makes x/oauth2 send through c's HTTP client.
func (c *Client) oauthContext(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, c.http)
}

// AuthCodeURL is LinkedIn's consent page for app, asking for scopes and
// returning to redirectURL with state. When pkceVerifier is not empty the
// URL carries its S256 code challenge; Exchange must then get the same
// verifier.
func (c *Client) AuthCodeURL(app App, redirectURL, state, pkceVerifier string, scopes []string) string {
	var opts []oauth2.AuthCodeOption
	if pkceVerifier != "" {
		opts = append(opts, oauth2.S256ChallengeOption(pkceVerifier))
	}
	return c.oauthConfig(app, redirectURL, scopes).AuthCodeURL(state, opts...)
}

// Exchange trades an authorization code for the member's token. It is
// never retried: a code is good for one try, and a second attempt after a
// lost answer would only earn invalid_grant.
func (c *Client) Exchange(ctx context.Context, app App, redirectURL, code, pkceVerifier string) (Token, error) {
	if code == "" {
		return Token{}, errors.New("exchange code: code is empty")
	}
	var opts []oauth2.AuthCodeOption
	if pkceVerifier != "" {
		opts = append(opts, oauth2.VerifierOption(pkceVerifier))
	}
	conf := c.oauthConfig(app, redirectURL, nil)
	var tok Token
	err := c.call(ctx, false, func(ctx context.Context) error {
		t, err := conf.Exchange(c.oauthContext(ctx), code, opts...)
		if err != nil {
			return tokenError(err, app.ClientSecret, code, pkceVerifier)
		}
		tok, err = tokenOf(t)
		return err
	})
	if err != nil {
		return Token{}, fmt.Errorf("exchange code: %w", err)
	}
	return tok, nil
}

// Refresh trades a refresh token for a new member token. LinkedIn does not
// extend the refresh token's life by refreshing; RefreshExpiresAt says
// when it ends. invalid_grant (IsInvalidGrant) means the member must
// authorize again. Retried on 5xx and timeouts.
func (c *Client) Refresh(ctx context.Context, app App, refreshToken string) (Token, error) {
	if refreshToken == "" {
		return Token{}, errors.New("refresh token: refresh token is empty")
	}
	conf := c.oauthConfig(app, "", nil)
	var tok Token
	err := c.call(ctx, true, func(ctx context.Context) error {
		t, err := conf.TokenSource(c.oauthContext(ctx), &oauth2.Token{RefreshToken: refreshToken}).Token()
		if err != nil {
			return tokenError(err, app.ClientSecret, refreshToken)
		}
		tok, err = tokenOf(t)
		return err
	})
	if err != nil {
		return Token{}, fmt.Errorf("refresh token: %w", err)
	}
	return tok, nil
}

// AppToken gets app's own token by the client-credentials flow, for
// 2-legged APIs such as Profile Associations (scope r_sales_nav_profiles).
// Retried on 5xx and timeouts.
func (c *Client) AppToken(ctx context.Context, app App, scopes ...string) (Token, error) {
	conf := &clientcredentials.Config{
		ClientID:     app.ClientID,
		ClientSecret: app.ClientSecret,
		TokenURL:     c.cfg.TokenURL,
		Scopes:       scopes,
		AuthStyle:    oauth2.AuthStyleInParams,
	}
	var tok Token
	err := c.call(ctx, true, func(ctx context.Context) error {
		t, err := conf.Token(c.oauthContext(ctx))
		if err != nil {
			return tokenError(err, app.ClientSecret)
		}
		tok, err = tokenOf(t)
		return err
	})
	if err != nil {
		return Token{}, fmt.Errorf("app token: %w", err)
	}
	return tok, nil
}

// tokenOf converts x/oauth2's token, reading LinkedIn's extra fields.
func tokenOf(t *oauth2.Token) (Token, error) {
	if t.AccessToken == "" {
		return Token{}, malformed(http.StatusOK, "no access_token")
	}
	tok := Token{
		AccessToken:  t.AccessToken,
		ExpiresAt:    t.Expiry,
		RefreshToken: t.RefreshToken,
	}
	if s, ok := t.Extra("scope").(string); ok {
		tok.Scope = s
	}
	if secs := seconds(t.Extra("refresh_token_expires_in")); secs > 0 {
		tok.RefreshExpiresAt = time.Now().Add(time.Duration(secs) * time.Second)
	}
	return tok, nil
}

// seconds reads a JSON number of seconds that may arrive as a float, a
// json.Number or a string (form-encoded answers).
func seconds(v any) int64 {
	switch n := v.(type) {
	case float64:
		return int64(n)
	case json.Number:
		i, _ := n.Int64()
		return i
	case string:
		i, _ := strconv.ParseInt(n, 10, 64)
		return i
	default:
		return 0
	}
}

// tokenError turns an x/oauth2 failure into an *Error: LinkedIn's answer
// keeps its status and OAuth error code; anything else is a transport
// failure (Status 0) or an answer we could not read. secrets are removed
// from every message, since x/oauth2 and LinkedIn may echo what was sent.
func tokenError(err error, secrets ...string) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		e := &Error{Code: re.ErrorCode, Message: redact(re.ErrorDescription, secrets...)}
		if re.Response != nil {
			e.Status = re.Response.StatusCode
			if e.Status == http.StatusTooManyRequests || e.Status == http.StatusServiceUnavailable {
				e.RetryAfter = retryAfter(re.Response.Header.Get("Retry-After"), time.Now())
			}
		}
		if e.Status >= 200 && e.Status <= 299 {
			// LinkedIn said 200 but put an error code in the body.
			e.Status = http.StatusBadRequest
		}
		if e.Message == "" {
			e.Message = redact(re.ErrorCode, secrets...)
		}
		if e.Message == "" {
			e.Message = http.StatusText(e.Status)
		}
		return e
	}
	msg := redact(err.Error(), secrets...)
	if strings.HasPrefix(msg, "oauth2: cannot parse") || strings.HasPrefix(msg, "oauth2: server response missing") {
		return malformed(http.StatusOK, strings.TrimPrefix(msg, "oauth2: "))
	}
	// Transport failures: x/oauth2 returns the client's error as is, or
	// flattens a body read failure into text.
	return &Error{Err: redactedError{msg: msg, err: err}}
}

// redactedError shows a cleaned message but still unwraps to the original
// error, so errors.Is(err, context.DeadlineExceeded) keeps working.
type redactedError struct {
	msg string
	err error
}

func (r redactedError) Error() string { return r.msg }
func (r redactedError) Unwrap() error { return r.err }
