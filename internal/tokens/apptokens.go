package tokens

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/snapbridge/snapbridge/internal/keyring"
	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/metrics"
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
	// creds is the credentials id each tenant was last asked with here,
	// so Invalidate knows which shared token to forget.
	creds map[string]string

	// metrics counts hits, misses and coalesced fetches (nil: none); set
	// by Instrument.
	metrics *metrics.CacheCounters
}

// appTokenKey names one cached token: a tenant's token for scope,
// fetched with the client credentials credentialsID names. A token
// fetched with a tenant's old credentials is thus never served for new
// ones, even when the fetch ends after the change.
type appTokenKey struct{ tenant, scope, creds string }

// appCredentialsLabel is the HMAC key credentialsID hashes under: not a
// secret, it only keeps these hashes apart from any other use of SHA-256.
const appCredentialsLabel = "snapbridge app token credentials v1"

// credentialsID names a LinkedIn application's client id and secret
// without revealing them: HMAC-SHA256 under a fixed label, the first 16
// bytes as hex. It is part of the cache keys (and of the Redis keys
// instances share), never the secret itself.
func credentialsID(app linkedin.App) string {
	m := hmac.New(sha256.New, []byte(appCredentialsLabel))
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(app.ClientID)))
	m.Write(n[:])
	m.Write([]byte(app.ClientID))
	m.Write([]byte(app.ClientSecret))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

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
	return &AppTokens{li: li, now: now, cache: map[appTokenKey]cachedAppToken{}, creds: map[string]string{}}
}

// Get returns an app token of tenant t for scope. A cached token is reused
// until AppTokenRenewal before its expiry; if renewing then fails, the
// cached token is returned while it has not expired.
func (a *AppTokens) Get(ctx context.Context, t *tenant.Tenant, scope string) (string, error) {
	if t == nil || scope == "" {
		return "", fmt.Errorf("app token: tenant and scope are required")
	}
	key := appTokenKey{tenant: t.ID, scope: scope, creds: credentialsID(appOf(t))}
	a.mu.Lock()
	a.creds[t.ID] = key.creds
	a.mu.Unlock()
	if tok, ok := a.cached(key, AppTokenRenewal); ok {
		a.metrics.Hit(1)
		return tok, nil
	}
	a.metrics.Miss(1)
	var led atomic.Bool
	ch := a.flight.DoChan(t.ID+"\x00"+scope+"\x00"+key.creds, func() (any, error) {
		led.Store(true)
		shared, cancel := context.WithTimeout(context.WithoutCancel(ctx), upstreamTimeout)
		defer cancel()
		return a.fetch(shared, t, key)
	})
	select {
	case <-ctx.Done():
		return "", fmt.Errorf("app token %s %s: %w", t.ID, scope, ctx.Err())
	case res := <-ch:
		if !led.Load() {
			a.metrics.Coalesced(1)
		}
		if res.Err != nil {
			return "", res.Err
		}
		return res.Val.(string), nil
	}
}

// Invalidate drops the cached token of the tenant for scope, e.g. after
// LinkedIn answered 401 to it; an empty scope drops every scope of the
// tenant. Tokens of every credentials of the tenant are dropped here; in
// the shared cache, those of the credentials this instance knows.
func (a *AppTokens) Invalidate(tenantID, scope string) {
	a.mu.Lock()
	creds := map[string]bool{}
	if c, ok := a.creds[tenantID]; ok {
		creds[c] = true
	}
	for k := range a.cache {
		if k.tenant == tenantID && (scope == "" || k.scope == scope) {
			creds[k.creds] = true
			delete(a.cache, k)
		}
	}
	a.mu.Unlock()
	a.forgetShared(tenantID, scope, creds)
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

// Instrument counts the cache's hits, misses and coalesced fetches in m.
// It returns a; call it before a serves.
func (a *AppTokens) Instrument(m *metrics.Registry) *AppTokens {
	a.metrics = m.Cache(metrics.CacheAppTokens)
	return a
}
