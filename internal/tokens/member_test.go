package tokens

import (
	"bytes"
	"context"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/snapbridge/snapbridge/internal/linkedin"
)

// connectWith runs the whole connect flow for acme/v1 asking for scopes
// and returns the connector.
func connectWith(t *testing.T, e *testEnv, scopes []string) *Connector {
	t.Helper()
	ctx := context.Background()
	c := NewConnector(e.vault, e.li, callbackURL, e.clock.Now)
	handle, err := c.NewHandle(ctx, Handle{Tenant: "acme", Viewer: "v1", SessionID: "sess-1"})
	if err != nil {
		t.Fatalf("NewHandle: %v", err)
	}
	authURL, err := c.Start(ctx, acme, handle, scopes)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	state, code := e.li.consent(t, authURL)
	h, err := c.Complete(ctx, lookupTenants(acme), state, code, "")
	if err != nil {
		t.Fatalf("Complete: %v", err)
	}
	if err := c.Confirm(ctx, h.Confirm, "acme", "v1", "sess-1"); err != nil {
		t.Fatalf("Confirm: %v", err)
	}
	return c
}

func TestConnectedAsIsSealedWithTheToken(t *testing.T) {
	ctx := context.Background()
	avery := Member{Name: "Avery Collins", Picture: "https://media.licdn.com/avery.jpg"}
	identity := []string{linkedin.ScopeDisplay, linkedin.ScopeOpenID, linkedin.ScopeProfile}
	tests := []struct {
		scenario      string
		scopes        []string
		userinfoErr   error
		refresh       bool // the access token is refreshed before reading
		want          Member
		wantUserinfos int
	}{
		{scenario: "openid and profile: who connected is kept", scopes: identity, want: avery, wantUserinfos: 1},
		{scenario: "a refreshed token keeps who connected", scopes: identity, refresh: true, want: avery, wantUserinfos: 1},
		{scenario: "without the identity scopes userinfo is not asked", scopes: []string{linkedin.ScopeDisplay}},
		{scenario: "a failed userinfo still connects, without a name", scopes: identity,
			userinfoErr: &linkedin.Error{Status: 403, Message: "not enough permissions"}, wantUserinfos: 1},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			e := newEnv(t)
			e.li.userinfoErr = tc.userinfoErr
			connectWith(t, e, tc.scopes)
			if tc.refresh {
				e.clock.advance(farFuture.Sub(e.clock.Now()))
				m := NewMemberTokens(e.vault, e.li, e.clock.Now)
				if _, err := m.AccessToken(ctx, acme, "v1"); err != nil {
					t.Fatalf("AccessToken: %v", err)
				}
				if e.li.refreshCalls != 1 {
					t.Fatalf("%d refreshes, want 1", e.li.refreshCalls)
				}
			}
			got, err := e.vault.Member(ctx, "acme", "v1")
			if err != nil {
				t.Fatalf("Member: %v", err)
			}
			if got != tc.want {
				t.Fatalf("Member = %+v, want %+v", got, tc.want)
			}
			if e.li.userinfoCalls != tc.wantUserinfos {
				t.Fatalf("%d userinfo calls, want %d", e.li.userinfoCalls, tc.wantUserinfos)
			}
			if tc.want.Name != "" {
				assertNotInFiles(t, filepath.Dir(e.path), tc.want.Name, tc.want.Picture)
			}
		})
	}
}

// assertNotInFiles fails when any file of dir (the database, its WAL)
// holds one of the plaintexts.
func assertNotInFiles(t *testing.T, dir string, plaintexts ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("read %s: %v", dir, err)
	}
	for _, ent := range entries {
		raw, err := os.ReadFile(filepath.Join(dir, ent.Name()))
		if err != nil {
			t.Fatalf("read %s: %v", ent.Name(), err)
		}
		for _, p := range plaintexts {
			if bytes.Contains(raw, []byte(p)) {
				t.Errorf("%s holds %q in plaintext", ent.Name(), p)
			}
		}
	}
}

func TestDisconnectForgetsWhoConnected(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	connectWith(t, e, []string{linkedin.ScopeDisplay, linkedin.ScopeOpenID, linkedin.ScopeProfile})
	if err := e.vault.Disconnect(ctx, "acme", "v1"); err != nil {
		t.Fatalf("Disconnect: %v", err)
	}
	if _, err := e.vault.Member(ctx, "acme", "v1"); !errors.Is(err, ErrNotConnected) {
		t.Fatalf("Member after disconnect: %v, want ErrNotConnected", err)
	}
}

func TestAppWithoutOpenIDStillConnects(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		scenario  string
		scopes    []string
		wantRetry bool
	}{
		{scenario: "identity scopes refused: LinkedIn is asked again without them",
			scopes: []string{linkedin.ScopeDisplay, linkedin.ScopeOpenID, linkedin.ScopeProfile}, wantRetry: true},
		{scenario: "a refused scope the connection needs is the member's error",
			scopes: []string{linkedin.ScopeDisplay}},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			e := newEnv(t)
			c := NewConnector(e.vault, e.li, callbackURL, e.clock.Now)
			handle, err := c.NewHandle(ctx, Handle{Tenant: "acme", Viewer: "v1", SessionID: "sess-1"})
			if err != nil {
				t.Fatalf("NewHandle: %v", err)
			}
			authURL, err := c.Start(ctx, acme, handle, tc.scopes)
			if err != nil {
				t.Fatalf("Start: %v", err)
			}
			state, _ := e.li.consent(t, authURL)
			_, err = c.Complete(ctx, lookupTenants(acme), state, "", "unauthorized_scope_error")
			var retry *RetryError
			if !tc.wantRetry {
				if !errors.Is(err, ErrDenied) || errors.As(err, &retry) {
					t.Fatalf("Complete = %v, want ErrDenied", err)
				}
				return
			}
			if !errors.As(err, &retry) {
				t.Fatalf("Complete = %v, want a RetryError", err)
			}
			u, err := url.Parse(retry.URL)
			if err != nil || u.Query().Get("scope") != linkedin.ScopeDisplay {
				t.Fatalf("retry URL %q, want scope %s only", retry.URL, linkedin.ScopeDisplay)
			}
			state, code := e.li.consent(t, retry.URL)
			h, err := c.Complete(ctx, lookupTenants(acme), state, code, "")
			if err != nil {
				t.Fatalf("Complete of the retry: %v", err)
			}
			if err := c.Confirm(ctx, h.Confirm, "acme", "v1", "sess-1"); err != nil {
				t.Fatalf("Confirm: %v", err)
			}
			if m, err := e.vault.Member(ctx, "acme", "v1"); err != nil || m != (Member{}) {
				t.Fatalf("Member = %+v, %v; want connected without a name", m, err)
			}
		})
	}
}
