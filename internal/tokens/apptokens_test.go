package tokens

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/shared/redistest"
)

// appAnswer issues numbered tokens living 30 minutes from the clock.
func appAnswer(c *clock) func(n int, what string) linkedin.Token {
	return func(n int, what string) linkedin.Token {
		return linkedin.Token{AccessToken: fmt.Sprintf("app-%d-%s", n, what), ExpiresAt: c.Now().Add(30 * time.Minute)}
	}
}

func TestAppTokens(t *testing.T) {
	ctx := context.Background()
	const scope = linkedin.ScopeProfiles
	first := "app-1-client-acme/" + scope
	second := "app-2-client-acme/" + scope
	tests := []struct {
		scenario string
		// then runs after a first successful Get at t0 and returns the
		// next Get's answer.
		then      func(a *AppTokens, e *testEnv) (string, error)
		want      string
		wantErr   bool
		wantCalls int
	}{
		{scenario: "cached token is reused", want: first, wantCalls: 1,
			then: func(a *AppTokens, e *testEnv) (string, error) { return a.Get(ctx, acme, scope) }},
		{scenario: "still cached 24 minutes later", want: first, wantCalls: 1,
			then: func(a *AppTokens, e *testEnv) (string, error) {
				e.clock.advance(24*time.Minute + 59*time.Second)
				return a.Get(ctx, acme, scope)
			}},
		{scenario: "renewed five minutes before expiry", want: second, wantCalls: 2,
			then: func(a *AppTokens, e *testEnv) (string, error) {
				e.clock.advance(25 * time.Minute)
				return a.Get(ctx, acme, scope)
			}},
		{scenario: "failed renewal falls back to the unexpired token", want: first, wantCalls: 2,
			then: func(a *AppTokens, e *testEnv) (string, error) {
				e.clock.advance(27 * time.Minute)
				e.li.appErr = &linkedin.Error{Status: 503}
				return a.Get(ctx, acme, scope)
			}},
		{scenario: "failed renewal after expiry is an error", wantErr: true, wantCalls: 2,
			then: func(a *AppTokens, e *testEnv) (string, error) {
				e.clock.advance(30 * time.Minute)
				e.li.appErr = &linkedin.Error{Status: 503}
				return a.Get(ctx, acme, scope)
			}},
		{scenario: "invalidated token is fetched again", want: second, wantCalls: 2,
			then: func(a *AppTokens, e *testEnv) (string, error) {
				a.Invalidate("acme", scope)
				return a.Get(ctx, acme, scope)
			}},
		{scenario: "invalidating every scope of the tenant", want: second, wantCalls: 2,
			then: func(a *AppTokens, e *testEnv) (string, error) {
				a.Invalidate("acme", "")
				return a.Get(ctx, acme, scope)
			}},
		{scenario: "invalidating another tenant changes nothing", want: first, wantCalls: 1,
			then: func(a *AppTokens, e *testEnv) (string, error) {
				a.Invalidate("globex", scope)
				return a.Get(ctx, acme, scope)
			}},
		{scenario: "another scope is another token", want: "app-2-client-acme/" + linkedin.ScopeValidation, wantCalls: 2,
			then: func(a *AppTokens, e *testEnv) (string, error) { return a.Get(ctx, acme, linkedin.ScopeValidation) }},
		{scenario: "another tenant is another token", want: second, wantCalls: 2,
			then: func(a *AppTokens, e *testEnv) (string, error) { return a.Get(ctx, globex, scope) }},
		{scenario: "empty scope is refused", wantErr: true, wantCalls: 1,
			then: func(a *AppTokens, e *testEnv) (string, error) { return a.Get(ctx, acme, "") }},
		{scenario: "no tenant is refused", wantErr: true, wantCalls: 1,
			then: func(a *AppTokens, e *testEnv) (string, error) { return a.Get(ctx, nil, scope) }},
	}
	for _, mode := range []string{"in-process", "shared through redis"} {
		for _, tc := range tests {
			t.Run(mode+"/"+tc.scenario, func(t *testing.T) {
				e := newEnv(t)
				e.li.appAnswer = appAnswer(e.clock)
				a := NewAppTokens(e.li, e.clock.Now)
				if mode != "in-process" {
					a.Share(redisClient(t, redistest.Start(t).URL), e.ring)
				}
				if got, err := a.Get(ctx, acme, scope); err != nil || got != first {
					t.Fatalf("first Get = %q, %v", got, err)
				}
				got, err := tc.then(a, e)
				if tc.wantErr {
					if err == nil {
						t.Fatalf("Get = %q, want an error", got)
					}
				} else if err != nil || got != tc.want {
					t.Fatalf("Get = %q, %v; want %q", got, err, tc.want)
				}
				if _, _, n := e.li.calls(); n != tc.wantCalls {
					t.Fatalf("%d upstream calls, want %d", n, tc.wantCalls)
				}
			})
		}
	}
}

func TestAppTokensConcurrentGetCallsOnce(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.li.appAnswer = appAnswer(e.clock)
	a := NewAppTokens(e.li, e.clock.Now)
	started, release := e.li.hold()
	const callers = 30
	got := make([]string, callers)
	errs := make([]error, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() { got[i], errs[i] = a.Get(ctx, acme, linkedin.ScopeProfiles) })
	}
	<-started
	time.Sleep(50 * time.Millisecond) // let the other callers join the call in flight
	release()
	wg.Wait()
	for i := range callers {
		if errs[i] != nil || got[i] != "app-1-client-acme/"+linkedin.ScopeProfiles {
			t.Fatalf("caller %d got %q, %v", i, got[i], errs[i])
		}
	}
	if _, _, n := e.li.calls(); n != 1 {
		t.Fatalf("%d upstream calls for %d concurrent callers, want 1", n, callers)
	}
}

func TestAppTokensFailureIsWrapped(t *testing.T) {
	e := newEnv(t)
	e.li.appErr = &linkedin.Error{Status: 401, Code: "invalid_client", Message: "bad credentials"}
	_, err := NewAppTokens(e.li, e.clock.Now).Get(context.Background(), acme, linkedin.ScopeProfiles)
	var le *linkedin.Error
	if !errors.As(err, &le) || le.Status != 401 {
		t.Fatalf("Get error = %v, want LinkedIn's 401 wrapped", err)
	}
}
