package tokens

import (
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/snapbridge/snapbridge/internal/keyring"
	"github.com/snapbridge/snapbridge/internal/tenant"
)

// AppTokenRenewal is how long before expiry a cached app token is renewed.
const AppTokenRenewal = 5 * time.Minute

// appTokenDefaultTTL is assumed when LinkedIn does not say when an app
// token expires: client-credentials tokens live 30 minutes.
const appTokenDefaultTTL = 30 * time.Minute

// AppTokens caches client-credentials tokens per tenant and scope in
// memory, renews them AppTokenRenewal before they expire, and lets
// concurrent callers share one upstream call. It is safe for concurrent
// use.
type AppTokens struct {
	li     LinkedIn
	now    func() time.Time
	flight singleflight.Group
	// shared and ring, set by Share, share tokens across instances.
	shared Sharing
	ring   *keyring.KeyRing

	mu    sync.Mutex
	cache map[appTokenKey]cachedAppToken
}

type appTokenKey struct{ tenant, scope string }

type cachedAppToken struct {
	token     string
	expiresAt time.Time
}

// NewAppTokens returns an empty cache fetching through li. now is the
// clock; nil means time.Now.
func NewAppTokens(li LinkedIn, now func() time.Time) *AppTokens {
	if now == nil {
		now = time.Now
	}
	return &AppTokens{li: li, now: now, cache: map[appTokenKey]cachedAppToken{}}
}

// Get returns an app token of tenant t for scope. A cached token is reused
// until AppTokenRenewal before its expiry; if renewing then fails, the
// cached token is returned while it has not expired.
func (a *AppTokens) Get(ctx context.Context, t *tenant.Tenant, scope string) (string, error) {
	if t == nil || scope == "" {
		return "", fmt.Errorf("app token: tenant and scope are required")
	}
	key := appTokenKey{tenant: t.ID, scope: scope}
	if tok, ok := a.cached(key, AppTokenRenewal); ok {
		return tok, nil
	}
	ch := a.flight.DoChan(t.ID+"\x00"+scope, func() (any, error) {
		shared, cancel := context.WithTimeout(context.WithoutCancel(ctx), upstreamTimeout)
		defer cancel()
		return a.fetch(shared, t, key)
	})
	select {
	case <-ctx.Done():
		return "", fmt.Errorf("app token %s %s: %w", t.ID, scope, ctx.Err())
	case res := <-ch:
		if res.Err != nil {
			return "", res.Err
		}
		return res.Val.(string), nil
	}
}

// Invalidate drops the cached token of the tenant for scope, e.g. after
// LinkedIn answered 401 to it; an empty scope drops every scope of the
// tenant.
func (a *AppTokens) Invalidate(tenantID, scope string) {
	a.mu.Lock()
	for k := range a.cache {
		if k.tenant == tenantID && (scope == "" || k.scope == scope) {
			delete(a.cache, k)
		}
	}
	a.mu.Unlock()
	a.forgetShared(tenantID, scope)
}

func (a *AppTokens) fetch(ctx context.Context, t *tenant.Tenant, key appTokenKey) (string, error) {
	// A call that finished just before this one began may have renewed it.
	if tok, ok := a.cached(key, AppTokenRenewal); ok {
		return tok, nil
	}
	if a.shared != nil {
		return a.fetchShared(ctx, t, key)
	}
	return a.fetchLocal(ctx, t, key)
}

// fetchLocal asks LinkedIn and caches the token in this instance; if
// LinkedIn fails, a cached token that has not expired still serves.
func (a *AppTokens) fetchLocal(ctx context.Context, t *tenant.Tenant, key appTokenKey) (string, error) {
	got, err := a.li.AppToken(ctx, appOf(t), key.scope)
	if err != nil {
		if tok, ok := a.cached(key, 0); ok {
			return tok, nil
		}
		return "", fmt.Errorf("app token %s %s: %w", key.tenant, key.scope, err)
	}
	if got.AccessToken == "" {
		return "", fmt.Errorf("app token %s %s: linkedin returned no access token", key.tenant, key.scope)
	}
	expires := got.ExpiresAt
	if expires.IsZero() {
		expires = a.now().Add(appTokenDefaultTTL)
	}
	a.mu.Lock()
	a.cache[key] = cachedAppToken{token: got.AccessToken, expiresAt: expires}
	a.mu.Unlock()
	return got.AccessToken, nil
}

// cached returns the cached token if it stays valid for longer than margin.
func (a *AppTokens) cached(key appTokenKey, margin time.Duration) (string, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	c, ok := a.cache[key]
	if !ok || !a.now().Add(margin).Before(c.expiresAt) {
		return "", false
	}
	return c.token, true
}
