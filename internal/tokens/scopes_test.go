package tokens

import (
	"context"
	"errors"
	"net/url"
	"testing"

	"github.com/snapbridge/snapbridge/internal/linkedin"
)

func TestAccessTokenWithScope(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	m := NewMemberTokens(e.vault, e.li, e.clock.Now)
	save := func(viewer, scope string) {
		t.Helper()
		if err := e.vault.Save(ctx, "acme", viewer, linkedin.Token{AccessToken: "at-" + viewer, ExpiresAt: farFuture, Scope: scope}); err != nil {
			t.Fatal(err)
		}
	}
	save("display-only", linkedin.ScopeDisplay)
	save("analytics", linkedin.ScopeDisplay+","+linkedin.ScopeAnalytics)
	save("space-separated", linkedin.ScopeDisplay+" "+linkedin.ScopeCompliance)
	save("unknown-scope", "")
	tests := []struct {
		scenario, viewer, scope string
		wantToken               string
		wantErr                 error
	}{
		{scenario: "a granted scope gives the token", viewer: "analytics", scope: linkedin.ScopeAnalytics, wantToken: "at-analytics"},
		{scenario: "space-separated grants are read too", viewer: "space-separated", scope: linkedin.ScopeCompliance, wantToken: "at-space-separated"},
		{scenario: "a missing scope is ErrScopeMissing", viewer: "display-only", scope: linkedin.ScopeAnalytics, wantErr: ErrScopeMissing},
		{scenario: "an unreported scope lets LinkedIn decide", viewer: "unknown-scope", scope: linkedin.ScopeAnalytics, wantToken: "at-unknown-scope"},
		{scenario: "a viewer who never connected is not connected", viewer: "nobody", scope: linkedin.ScopeAnalytics, wantErr: ErrNotConnected},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			got, err := m.AccessTokenWithScope(ctx, acme, tc.viewer, tc.scope)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				var se *ScopeError
				if errors.Is(tc.wantErr, ErrScopeMissing) && (!errors.As(err, &se) || se.Scope != tc.scope) {
					t.Fatalf("err = %v, want a ScopeError naming %s", err, tc.scope)
				}
				return
			}
			if err != nil || got != tc.wantToken {
				t.Fatalf("got %q, %v; want %q", got, err, tc.wantToken)
			}
		})
	}
}

func TestScopedHandleAsksForGrantedAndNewScopes(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	c := NewConnector(e.vault, e.li, callbackURL, e.clock.Now)
	if err := e.vault.Save(ctx, "acme", "connected", linkedin.Token{AccessToken: "at", ExpiresAt: farFuture,
		Scope: linkedin.ScopeDisplay + "," + linkedin.ScopeCompliance}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		scenario, viewer string
		scopes           []string
		wantScope        string
	}{
		{scenario: "a connected viewer keeps every granted scope and adds the new one", viewer: "connected",
			scopes:    []string{linkedin.ScopeAnalytics},
			wantScope: linkedin.ScopeDisplay + " " + linkedin.ScopeCompliance + " " + linkedin.ScopeAnalytics},
		{scenario: "a new viewer gets display plus the feature's scope", viewer: "new",
			scopes: []string{linkedin.ScopeAnalytics}, wantScope: linkedin.ScopeDisplay + " " + linkedin.ScopeAnalytics},
		{scenario: "a scope already granted is not asked twice", viewer: "connected",
			scopes: []string{linkedin.ScopeCompliance}, wantScope: linkedin.ScopeDisplay + " " + linkedin.ScopeCompliance},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			h, err := c.NewScopedHandle(ctx, Handle{Tenant: "acme", Viewer: tc.viewer, SessionID: "s"}, tc.scopes)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := c.Start(ctx, acme, h, nil)
			if err != nil {
				t.Fatal(err)
			}
			u, _ := url.Parse(raw)
			if got := u.Query().Get("scope"); got != tc.wantScope {
				t.Fatalf("consent asks for %q, want %q", got, tc.wantScope)
			}
			if _, err := c.Start(ctx, acme, h, nil); !errors.Is(err, ErrStateInvalid) {
				t.Fatalf("second use of a scoped handle: %v, want ErrStateInvalid", err)
			}
		})
	}
	if _, err := c.NewScopedHandle(ctx, Handle{Tenant: "acme"}, []string{linkedin.ScopeAnalytics}); err == nil {
		t.Fatal("a handle without viewer and session was made")
	}
}
