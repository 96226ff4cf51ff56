package tokens

import (
	"bytes"
	"context"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/tenant"
)

const callbackURL = "https://snapbridge.example/oauth/callback"

func lookupTenants(tenants ...*tenant.Tenant) func(string) (*tenant.Tenant, bool) {
	return func(id string) (*tenant.Tenant, bool) {
		for _, t := range tenants {
			if t.ID == id {
				return t, true
			}
		}
		return nil, false
	}
}

func TestConnectFlow(t *testing.T) {
	ctx := context.Background()
	who := Handle{Tenant: "acme", Viewer: "v1", SessionID: "sess-1"}
	type step struct {
		c      *Connector
		e      *testEnv
		handle string
	}
	// start opens the popup: Start with the handle made for each row.
	start := func(t *testing.T, s step) (authURL string) {
		t.Helper()
		u, err := s.c.Start(ctx, acme, s.handle, nil)
		if err != nil {
			t.Fatalf("Start: %v", err)
		}
		return u
	}

	tests := []struct {
		scenario string
		// run drives the flow and returns Complete's answer.
		run          func(t *testing.T, s step) (Handle, error)
		wantErr      error
		wantMsg      string // a failure whose message contains this
		wantConn     bool   // acme/v1 is connected afterwards
		wantExchange int
	}{
		{scenario: "member allows: token stored, handle names who connected", wantConn: true, wantExchange: 1,
			run: func(t *testing.T, s step) (Handle, error) {
				state, code := s.e.li.consent(t, start(t, s))
				return s.c.Complete(ctx, lookupTenants(acme), state, code, "")
			}},
		{scenario: "state used twice is refused the second time", wantErr: ErrStateInvalid, wantConn: true, wantExchange: 1,
			run: func(t *testing.T, s step) (Handle, error) {
				state, code := s.e.li.consent(t, start(t, s))
				h, err := s.c.Complete(ctx, lookupTenants(acme), state, code, "")
				if err != nil {
					t.Fatalf("first Complete: %v", err)
				}
				if err := s.c.Confirm(ctx, h.Confirm, "acme", "v1", "sess-1"); err != nil {
					t.Fatalf("Confirm: %v", err)
				}
				return s.c.Complete(ctx, lookupTenants(acme), state, code, "")
			}},
		{scenario: "a consent nobody confirms stores nothing (a forwarded link)", wantErr: ErrStateInvalid, wantExchange: 1,
			run: func(t *testing.T, s step) (Handle, error) {
				state, code := s.e.li.consent(t, start(t, s))
				h, err := s.c.Complete(ctx, lookupTenants(acme), state, code, "")
				if err != nil || h.Confirm == "" {
					t.Fatalf("Complete: %+v, %v", h, err)
				}
				return Handle{}, s.c.Confirm(ctx, h.Confirm, "acme", "v1", "another-session")
			}},
		{scenario: "another session's attempt leaves the code to the session that started", wantConn: true, wantExchange: 1,
			run: func(t *testing.T, s step) (Handle, error) {
				state, code := s.e.li.consent(t, start(t, s))
				h, err := s.c.Complete(ctx, lookupTenants(acme), state, code, "")
				if err != nil {
					t.Fatalf("Complete: %v", err)
				}
				for _, who := range [][3]string{{"acme", "v2", "sess-1"}, {"acme", "v1", "sess-2"}, {"globex", "v1", "sess-1"}} {
					if err := s.c.Confirm(ctx, h.Confirm, who[0], who[1], who[2]); !errors.Is(err, ErrStateInvalid) {
						t.Fatalf("Confirm by %v: %v, want ErrStateInvalid", who, err)
					}
				}
				return h, nil
			}},
		{scenario: "a confirmation code works once", wantErr: ErrStateInvalid, wantConn: true, wantExchange: 1,
			run: func(t *testing.T, s step) (Handle, error) {
				state, code := s.e.li.consent(t, start(t, s))
				h, _ := s.c.Complete(ctx, lookupTenants(acme), state, code, "")
				if err := s.c.Confirm(ctx, h.Confirm, "acme", "v1", "sess-1"); err != nil {
					t.Fatalf("Confirm: %v", err)
				}
				return Handle{}, s.c.Confirm(ctx, h.Confirm, "acme", "v1", "sess-1")
			}},
		{scenario: "handle used twice is refused the second time", wantErr: ErrHandleInvalid,
			run: func(t *testing.T, s step) (Handle, error) {
				start(t, s)
				_, err := s.c.Start(ctx, acme, s.handle, nil)
				return Handle{}, err
			}},
		{scenario: "handle of another tenant is refused", wantErr: ErrStateInvalid,
			run: func(t *testing.T, s step) (Handle, error) {
				_, err := s.c.Start(ctx, globex, s.handle, nil)
				return Handle{}, err
			}},
		{scenario: "handle older than ten minutes is refused", wantErr: ErrStateInvalid,
			run: func(t *testing.T, s step) (Handle, error) {
				s.e.clock.advance(ConnectTTL)
				_, err := s.c.Start(ctx, acme, s.handle, nil)
				return Handle{}, err
			}},
		{scenario: "state older than ten minutes is refused", wantErr: ErrStateInvalid,
			run: func(t *testing.T, s step) (Handle, error) {
				state, code := s.e.li.consent(t, start(t, s))
				s.e.clock.advance(ConnectTTL + time.Second)
				return s.c.Complete(ctx, lookupTenants(acme), state, code, "")
			}},
		{scenario: "made-up state is refused", wantErr: ErrStateInvalid,
			run: func(t *testing.T, s step) (Handle, error) {
				_, code := s.e.li.consent(t, start(t, s))
				return s.c.Complete(ctx, lookupTenants(acme), "forged-state", code, "")
			}},
		{scenario: "member cancels consent", wantErr: ErrDenied,
			run: func(t *testing.T, s step) (Handle, error) {
				state, _ := s.e.li.consent(t, start(t, s))
				h, err := s.c.Complete(ctx, lookupTenants(acme), state, "", "user_cancelled_authorize")
				if h.Viewer != "v1" || h.SessionID != "sess-1" {
					t.Fatalf("denied Complete returned %+v; the popup needs the session to tell the widget", h)
				}
				// The cancelled state cannot be replayed with a code afterwards.
				if _, err := s.c.Complete(ctx, lookupTenants(acme), state, "code-1", ""); !errors.Is(err, ErrStateInvalid) {
					t.Fatalf("replay after cancel: %v, want ErrStateInvalid", err)
				}
				return h, err
			}},
		{scenario: "callback with neither code nor error", wantErr: ErrDenied,
			run: func(t *testing.T, s step) (Handle, error) {
				state, _ := s.e.li.consent(t, start(t, s))
				return s.c.Complete(ctx, lookupTenants(acme), state, "", "")
			}},
		{scenario: "LinkedIn refuses the code", wantErr: &linkedin.Error{}, wantExchange: 1,
			run: func(t *testing.T, s step) (Handle, error) {
				state, _ := s.e.li.consent(t, start(t, s))
				return s.c.Complete(ctx, lookupTenants(acme), state, "code-from-elsewhere", "")
			}},
		{scenario: "tenant removed from configuration meanwhile", wantMsg: "no longer configured",
			run: func(t *testing.T, s step) (Handle, error) {
				state, code := s.e.li.consent(t, start(t, s))
				return s.c.Complete(ctx, lookupTenants(globex), state, code, "")
			}},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			e := newEnv(t)
			c := NewConnector(e.vault, e.li, callbackURL, e.clock.Now)
			handle, err := c.NewHandle(ctx, who)
			if err != nil {
				t.Fatalf("NewHandle: %v", err)
			}
			h, err := tc.run(t, step{c: c, e: e, handle: handle})
			switch want := tc.wantErr.(type) {
			case nil:
				if tc.wantMsg != "" {
					if err == nil || !strings.Contains(err.Error(), tc.wantMsg) {
						t.Fatalf("flow error = %v, want one saying %q", err, tc.wantMsg)
					}
					break
				}
				if err != nil {
					t.Fatalf("flow failed: %v", err)
				}
				if h.Tenant != "acme" || h.Viewer != "v1" || h.SessionID != "sess-1" {
					t.Fatalf("Complete returned %+v, want acme/v1/sess-1", h)
				}
				if _, loadErr := e.vault.Load(ctx, "acme", "v1"); loadErr == nil {
					t.Fatal("the token was stored before the widget confirmed")
				}
				if err := c.Confirm(ctx, h.Confirm, "acme", "v1", "sess-1"); err != nil {
					t.Fatalf("Confirm: %v", err)
				}
			case *linkedin.Error:
				if _, ok := linkedin.AsError(err); !ok {
					t.Fatalf("flow error = %v, want LinkedIn's error", err)
				}
			default:
				if !errors.Is(err, want) {
					t.Fatalf("flow error = %v, want %v", err, want)
				}
			}
			if _, n, _ := e.li.calls(); n != tc.wantExchange {
				t.Fatalf("%d code exchanges, want %d", n, tc.wantExchange)
			}
			_, loadErr := e.vault.Load(ctx, "acme", "v1")
			if connected := loadErr == nil; connected != tc.wantConn {
				t.Fatalf("connected = %v (%v), want %v", connected, loadErr, tc.wantConn)
			}
		})
	}
}

func TestStartBuildsAuthorizationURL(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	c := NewConnector(e.vault, e.li, callbackURL, e.clock.Now)
	h1, _ := c.NewHandle(ctx, Handle{Tenant: "acme", Viewer: "v1", SessionID: "s1"})
	h2, _ := c.NewHandle(ctx, Handle{Tenant: "acme", Viewer: "v1", SessionID: "s2"})
	if len(h1) < 43 || h1 == h2 {
		t.Fatalf("handles %q and %q: want distinct ids of 32 random bytes", h1, h2)
	}
	tests := []struct {
		scenario  string
		handle    string
		scopes    []string
		wantScope string
	}{
		{scenario: "no scopes asks for the display scope", handle: h1, wantScope: linkedin.ScopeDisplay},
		{scenario: "requested scopes are passed on", handle: h2, scopes: []string{linkedin.ScopeDisplay, linkedin.ScopeAnalytics},
			wantScope: linkedin.ScopeDisplay + " " + linkedin.ScopeAnalytics},
	}
	states := map[string]bool{}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			raw, err := c.Start(ctx, acme, tc.handle, tc.scopes)
			if err != nil {
				t.Fatalf("Start: %v", err)
			}
			u, _ := url.Parse(raw)
			q := u.Query()
			if q.Get("client_id") != acme.LinkedIn.ClientID || q.Get("redirect_uri") != callbackURL ||
				q.Get("scope") != tc.wantScope || q.Get("code_challenge_method") != "S256" {
				t.Fatalf("authorization URL %s: wrong app, redirect, scope or PKCE method", raw)
			}
			state := q.Get("state")
			if len(state) < 43 || states[state] || state == tc.handle {
				t.Fatalf("state %q is not a fresh random id", state)
			}
			states[state] = true
		})
	}
	// The PKCE verifier must not be readable from the database files.
	for _, verifier := range e.li.verifiers {
		files, _ := filepath.Glob(e.path + "*")
		for _, f := range files {
			raw, _ := os.ReadFile(f)
			if bytes.Contains(raw, []byte(verifier)) {
				t.Fatalf("%s holds a PKCE verifier in clear", filepath.Base(f))
			}
		}
	}
}

func TestNewHandleRefusesBadInput(t *testing.T) {
	e := newEnv(t)
	c := NewConnector(e.vault, e.li, callbackURL, e.clock.Now)
	tests := []struct {
		scenario string
		h        Handle
	}{
		{scenario: "no tenant", h: Handle{Viewer: "v1", SessionID: "s"}},
		{scenario: "no viewer", h: Handle{Tenant: "acme", SessionID: "s"}},
		{scenario: "no session", h: Handle{Tenant: "acme", Viewer: "v1"}},
		{scenario: "session already over", h: Handle{Tenant: "acme", Viewer: "v1", SessionID: "s", ExpiresAt: t0.Add(-time.Second)}},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			if id, err := c.NewHandle(context.Background(), tc.h); err == nil {
				t.Fatalf("NewHandle = %q, want an error", id)
			}
		})
	}
}

func TestHandleLivesNoLongerThanSession(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	c := NewConnector(e.vault, e.li, callbackURL, e.clock.Now)
	id, err := c.NewHandle(ctx, Handle{Tenant: "acme", Viewer: "v1", SessionID: "s", ExpiresAt: t0.Add(time.Minute)})
	if err != nil {
		t.Fatalf("NewHandle: %v", err)
	}
	e.clock.advance(time.Minute)
	if _, err := c.Start(ctx, acme, id, nil); !errors.Is(err, ErrStateInvalid) {
		t.Fatalf("Start after the session ended: %v, want ErrStateInvalid", err)
	}
}

func TestSessionAskingAgainGetsTheSameConnectLink(t *testing.T) {
	ctx := context.Background()
	who := Handle{Tenant: "acme", Viewer: "v1", SessionID: "s1"}
	tests := []struct {
		scenario string
		// between runs after the first handle was made; it returns the
		// handle the second NewHandle is made for.
		between  func(t *testing.T, c *Connector, e *testEnv, first string) Handle
		wantSame bool
	}{
		{scenario: "asking again at once gives the same handle", wantSame: true,
			between: func(*testing.T, *Connector, *testEnv, string) Handle { return who }},
		{scenario: "asking again with more than half the life left gives the same handle", wantSame: true,
			between: func(_ *testing.T, _ *Connector, e *testEnv, _ string) Handle {
				e.clock.advance(handleReuse - time.Second)
				return who
			}},
		{scenario: "asking again with half the life left gives a new one",
			between: func(_ *testing.T, _ *Connector, e *testEnv, _ string) Handle {
				e.clock.advance(handleReuse)
				return who
			}},
		{scenario: "a handle already used is not given again",
			between: func(t *testing.T, c *Connector, _ *testEnv, first string) Handle {
				if _, err := c.Start(ctx, acme, first, nil); err != nil {
					t.Fatalf("Start: %v", err)
				}
				return who
			}},
		{scenario: "a session ending with its handle gets that handle again", wantSame: true,
			between: func(_ *testing.T, _ *Connector, e *testEnv, _ string) Handle {
				e.clock.advance(8 * time.Minute)
				h := who
				h.ExpiresAt = t0.Add(ConnectTTL)
				return h
			}},
		{scenario: "another session of the same viewer gets its own",
			between: func(*testing.T, *Connector, *testEnv, string) Handle {
				return Handle{Tenant: "acme", Viewer: "v1", SessionID: "s2"}
			}},
		{scenario: "another viewer gets its own",
			between: func(*testing.T, *Connector, *testEnv, string) Handle {
				return Handle{Tenant: "acme", Viewer: "v2", SessionID: "s1"}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			e := newEnv(t)
			c := NewConnector(e.vault, e.li, callbackURL, e.clock.Now)
			first, err := c.NewHandle(ctx, who)
			if err != nil {
				t.Fatalf("NewHandle: %v", err)
			}
			second, err := c.NewHandle(ctx, tc.between(t, c, e, first))
			if err != nil {
				t.Fatalf("second NewHandle: %v", err)
			}
			if same := second == first; same != tc.wantSame {
				t.Fatalf("second handle same as the first: %v, want %v", same, tc.wantSame)
			}
			// Whatever was handed out and not used yet still starts a consent.
			if _, err := c.Start(ctx, acme, second, nil); err != nil {
				t.Fatalf("Start with the second handle: %v", err)
			}
			if !tc.wantSame {
				_, err := c.Start(ctx, acme, first, nil)
				if used := errors.Is(err, ErrStateInvalid); err != nil && !used {
					t.Fatalf("Start with the first handle: %v", err)
				}
			}
		})
	}
}

func TestScopedAndPlainHandlesOfOneSessionAreKeptApart(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	c := NewConnector(e.vault, e.li, callbackURL, e.clock.Now)
	who := Handle{Tenant: "acme", Viewer: "v1", SessionID: "s1"}
	plain, _ := c.NewHandle(ctx, who)
	scoped, _ := c.NewScopedHandle(ctx, who, []string{linkedin.ScopeAnalytics})
	again, _ := c.NewScopedHandle(ctx, who, []string{linkedin.ScopeAnalytics})
	if plain == "" || plain == scoped || scoped != again {
		t.Fatalf("handles plain %q, scoped %q, scoped again %q: want the scoped one twice and a distinct plain one", plain, scoped, again)
	}
	for handle, want := range map[string]string{plain: linkedin.ScopeDisplay, scoped: linkedin.ScopeDisplay + " " + linkedin.ScopeAnalytics} {
		raw, err := c.Start(ctx, acme, handle, nil)
		if err != nil {
			t.Fatalf("Start: %v", err)
		}
		if u, _ := url.Parse(raw); u.Query().Get("scope") != want {
			t.Fatalf("consent asks for %q, want %q", u.Query().Get("scope"), want)
		}
	}
}

func TestCompleteKeepsOnlyKnownLinkedInErrorCodes(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		scenario, errCode string
		wantCode          string
		wantCancelled     bool
	}{
		{scenario: "the member cancels the login", errCode: "user_cancelled_login", wantCode: "user_cancelled_login", wantCancelled: true},
		{scenario: "the member refuses access", errCode: "user_cancelled_authorize", wantCode: "user_cancelled_authorize", wantCancelled: true},
		{scenario: "the app lacks the scope", errCode: "unauthorized_scope_error", wantCode: "unauthorized_scope_error"},
		{scenario: "markup and line breaks", errCode: "<script>alert(1)</script>\r\nlevel=ERROR", wantCode: DeniedOther},
		{scenario: "a known code with a tail", errCode: "access_denied_hostile", wantCode: DeniedOther},
		{scenario: "ten kilobytes", errCode: strings.Repeat("A", 10<<10), wantCode: DeniedOther},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			e := newEnv(t)
			c := NewConnector(e.vault, e.li, callbackURL, e.clock.Now)
			handle, _ := c.NewHandle(ctx, Handle{Tenant: "acme", Viewer: "v1", SessionID: "s1"})
			authURL, err := c.Start(ctx, acme, handle, nil)
			if err != nil {
				t.Fatalf("Start: %v", err)
			}
			state, _ := e.li.consent(t, authURL)
			_, err = c.Complete(ctx, lookupTenants(acme), state, "", tc.errCode)
			var denied *DeniedError
			if !errors.As(err, &denied) || !errors.Is(err, ErrDenied) {
				t.Fatalf("Complete: %v, want a DeniedError", err)
			}
			if denied.Code != tc.wantCode || denied.Cancelled() != tc.wantCancelled {
				t.Fatalf("DeniedError code %q cancelled %v, want %q and %v", denied.Code, denied.Cancelled(), tc.wantCode, tc.wantCancelled)
			}
			if tc.wantCode == DeniedOther && strings.Contains(err.Error(), tc.errCode[:8]) {
				t.Fatalf("the error message carries LinkedIn's text: %q", err)
			}
		})
	}
}
