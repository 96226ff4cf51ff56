package tokens

import (
	"context"
	"fmt"
	"time"

	"github.com/snapbridge/snapbridge/internal/keyring"
	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/shared"
	"github.com/snapbridge/snapbridge/internal/tenant"
)

// Sharing lets the token services of several instances share tokens and
// locks (internal/shared). Tokens are sealed with the key ring before they
// are stored, so none reaches Redis in plaintext.
type Sharing interface {
	shared.Cache
	shared.Locks
}

// sharedLockTTL bounds how long one instance may hold a shared fetch or
// refresh before the others try themselves.
const sharedLockTTL = upstreamTimeout

// appScopes are the scopes Invalidate of every scope forgets in the
// shared cache (this instance's cache knows its own).
var appScopes = []string{linkedin.ScopeProfiles, linkedin.ScopeValidation, linkedin.ScopeDisplay,
	linkedin.ScopeAnalytics, linkedin.ScopeCompliance}

// Share makes a share its tokens through s, sealed with ring, so that
// instances fetch each tenant's token once; it returns a. Call it before
// a serves; without it tokens stay in this instance.
func (a *AppTokens) Share(s Sharing, ring *keyring.KeyRing) *AppTokens {
	a.shared, a.ring = s, ring
	return a
}

// appSharedKey is where instances share the token of key: by tenant,
// scope and credentials id, so a token fetched with old credentials is
// never read for new ones.
func appSharedKey(key appTokenKey) string {
	return "apptoken:" + key.tenant + ":" + key.scope + ":" + key.creds
}

// fetchShared reads the token another instance stored or, under the
// cluster-wide lock, fetches and stores it.
func (a *AppTokens) fetchShared(ctx context.Context, t *tenant.Tenant, key appTokenKey) (string, error) {
	for {
		if tok, ok := a.readShared(ctx, key, AppTokenRenewal); ok {
			return tok, nil
		}
		release, taken, err := a.shared.Take(ctx, appSharedKey(key), sharedLockTTL)
		if err != nil {
			return "", fmt.Errorf("app token %s %s: %w", key.tenant, key.scope, err)
		}
		if !taken {
			continue
		}
		tok, err := a.fetchOnce(ctx, t, key)
		release()
		return tok, err
	}
}

// fetchOnce is what the lock's holder does: read again, then ask LinkedIn.
func (a *AppTokens) fetchOnce(ctx context.Context, t *tenant.Tenant, key appTokenKey) (string, error) {
	if tok, ok := a.readShared(ctx, key, AppTokenRenewal); ok {
		return tok, nil
	}
	tok, err := a.fetchLocal(ctx, t, key)
	if err != nil {
		return "", err
	}
	a.mu.Lock()
	c := a.cache[key]
	a.mu.Unlock()
	a.writeShared(ctx, key, c)
	return tok, nil
}

// readShared opens the shared token of key if it stays valid for longer
// than margin, and keeps it in this instance's cache too.
func (a *AppTokens) readShared(ctx context.Context, key appTokenKey, margin time.Duration) (string, bool) {
	raw, ok, err := a.shared.Get(ctx, appSharedKey(key))
	if err != nil || !ok {
		return "", false
	}
	token, expires, ok := shared.Open(a.ring, []byte(appSharedKey(key)), raw)
	if !ok || !a.now().Add(margin).Before(expires) {
		return "", false
	}
	a.mu.Lock()
	a.cache[key] = cachedAppToken{token: token, expiresAt: expires}
	a.mu.Unlock()
	return token, true
}

// writeShared seals and stores c until it expires; a failure only costs
// the other instances a fetch of their own.
func (a *AppTokens) writeShared(ctx context.Context, key appTokenKey, c cachedAppToken) {
	if c.token == "" {
		return
	}
	raw, err := shared.Seal(a.ring, []byte(appSharedKey(key)), c.token, c.expiresAt)
	if err != nil {
		return
	}
	_ = a.shared.Set(ctx, appSharedKey(key), raw, c.expiresAt.Sub(a.now()))
}

// forgetShared drops the shared tokens of the tenant for scope (every
// scope when empty) fetched with any of creds (credentials ids).
func (a *AppTokens) forgetShared(tenantID, scope string, creds map[string]bool) {
	if a.shared == nil {
		return
	}
	scopes := appScopes
	if scope != "" {
		scopes = []string{scope}
	}
	for c := range creds {
		for _, s := range scopes {
			_ = a.shared.Delete(context.Background(), appSharedKey(appTokenKey{tenant: tenantID, scope: s, creds: c}))
		}
	}
}
