// Package sat brokers LinkedIn Sales Access Tokens: the short-lived tokens
// that sign a viewer into the Sales Navigator Display Services iframe.
// Tokens are cached per tenant and viewer until shortly before they expire,
// and concurrent requests for one viewer share one upstream call.
package sat

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/snapbridge/snapbridge/internal/keyring"
	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/tenant"
	"github.com/snapbridge/snapbridge/internal/tokens"
)

// LinkedIn is the part of the LinkedIn client the broker needs.
type LinkedIn interface {
	SalesAccessToken(ctx context.Context, memberToken string) (linkedin.SalesAccessToken, error)
}

// MemberTokens gives a viewer's live member token, and hears when LinkedIn
// refused it. AccessToken answers an error wrapping tokens.ErrNotConnected
// once the viewer disconnected or was revoked; *tokens.MemberTokens
// satisfies it.
type MemberTokens interface {
	AccessToken(ctx context.Context, t *tenant.Tenant, viewer string) (string, error)
	Rejected(ctx context.Context, t *tenant.Tenant, viewer string) error
}

// ErrExpiredOnArrival means LinkedIn handed out a token that was already
// (or almost) expired; it is never cached or passed on.
var ErrExpiredOnArrival = errors.New("sat: LinkedIn returned an already expired token")

// sweepFloor is the cache size below which expired entries are left to be
// replaced on the viewer's next visit rather than swept.
const sweepFloor = 64

// entry is one viewer's cached token, or a fetch under way (pending). A
// fetch tells by the entry's identity whether the entry it started is
// still the one in the cache when it lands: Forget and sweeps drop
// entries, and a later fetch starts a new one.
type entry struct {
	tok     linkedin.SalesAccessToken
	pending bool
}

// Broker hands out Sales Access Tokens. It is safe for concurrent use.
type Broker struct {
	li          LinkedIn
	members     MemberTokens
	renewBefore time.Duration
	now         func() time.Time

	// shared and ring, set by Share, share tokens across instances.
	shared Sharing
	ring   *keyring.KeyRing

	flight    singleflight.Group
	mu        sync.Mutex
	cache     map[string]*entry
	nextSweep int
}

// NewBroker returns a broker that renews tokens renewBefore ahead of their
// expiry (default 60s when zero). now is the clock; nil means time.Now.
func NewBroker(li LinkedIn, members MemberTokens, renewBefore time.Duration, now func() time.Time) *Broker {
	if renewBefore <= 0 {
		renewBefore = time.Minute
	}
	if now == nil {
		now = time.Now
	}
	return &Broker{li: li, members: members, renewBefore: renewBefore, now: now,
		cache: map[string]*entry{}, nextSweep: sweepFloor}
}

// Token returns a Sales Access Token for the viewer, valid for at least
// the renewal margin. A cached token is handed out only while the viewer's
// member authorization still stands: once it is disconnected or revoked the
// token is dropped and the not-connected error returned. Errors from
// MemberTokens (not connected) pass through.
func (b *Broker) Token(ctx context.Context, t *tenant.Tenant, viewer string) (linkedin.SalesAccessToken, error) {
	if t == nil || viewer == "" {
		return linkedin.SalesAccessToken{}, fmt.Errorf("sales access token: tenant and viewer are required")
	}
	key := cacheKey(t.ID, viewer)
	if tok, ok := b.cached(key); ok {
		// A SAT must not outlive the authorization it was issued on. A
		// transient failure to check is no reason to drop a good token.
		if _, err := b.members.AccessToken(ctx, t, viewer); errors.Is(err, tokens.ErrNotConnected) {
			b.Forget(t.ID, viewer)
			return linkedin.SalesAccessToken{}, err
		}
		return tok, nil
	}
	// The flight is detached from one caller's cancellation so that the
	// others waiting on it are not failed by it.
	v, err, _ := b.flight.Do(key, func() (any, error) {
		if tok, ok := b.cached(key); ok {
			return tok, nil
		}
		e := b.begin(key)
		var tok linkedin.SalesAccessToken
		var err error
		if b.shared != nil {
			tok, err = b.fetchShared(context.WithoutCancel(ctx), t, viewer, key)
		} else {
			tok, err = b.fetch(context.WithoutCancel(ctx), t, viewer)
		}
		b.land(key, e, tok, err)
		return tok, err
	})
	if errors.Is(err, tokens.ErrNotConnected) {
		b.Forget(t.ID, viewer)
	}
	if err != nil {
		return linkedin.SalesAccessToken{}, err
	}
	return v.(linkedin.SalesAccessToken), nil
}

// Forget drops the cached token of a viewer (after a disconnect or a
// revocation). A fetch already under way still answers its callers but
// does not cache its token, and later callers start a fetch of their own.
func (b *Broker) Forget(tenantID, viewer string) {
	key := cacheKey(tenantID, viewer)
	b.mu.Lock()
	delete(b.cache, key)
	b.mu.Unlock()
	b.flight.Forget(key)
	b.forgetShared(key)
}

func cacheKey(tenantID, viewer string) string { return tenantID + "\x00" + viewer }

func (b *Broker) cached(key string) (linkedin.SalesAccessToken, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	e, ok := b.cache[key]
	if !ok || e.pending {
		return linkedin.SalesAccessToken{}, false
	}
	if b.usable(e.tok) {
		return e.tok, true
	}
	delete(b.cache, key)
	return linkedin.SalesAccessToken{}, false
}

// usable reports a token valid for at least the renewal margin.
func (b *Broker) usable(tok linkedin.SalesAccessToken) bool {
	return b.now().Add(b.renewBefore).Before(tok.ExpiresAt)
}

// begin marks a fetch for key under way and returns its entry.
func (b *Broker) begin(key string) *entry {
	b.mu.Lock()
	defer b.mu.Unlock()
	e := &entry{pending: true}
	b.cache[key] = e
	b.sweep()
	return e
}

// land caches a fetched token, unless the fetch failed or its entry was
// forgotten or swept meanwhile: then the token only serves its callers.
func (b *Broker) land(key string, e *entry, tok linkedin.SalesAccessToken, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cache[key] != e {
		return
	}
	if err != nil {
		delete(b.cache, key)
		return
	}
	e.tok, e.pending = tok, false
}

// sweep drops the tokens no longer usable, so viewers who never come back
// do not keep their entries; it runs when the cache has doubled since the
// last sweep, which keeps its cost constant per insert. b.mu is held.
func (b *Broker) sweep() {
	if len(b.cache) < b.nextSweep {
		return
	}
	for key, e := range b.cache {
		if !e.pending && !b.usable(e.tok) {
			delete(b.cache, key)
		}
	}
	b.nextSweep = max(2*len(b.cache), sweepFloor)
}

// fetch asks LinkedIn, retrying once with a refreshed member token when
// LinkedIn says the stored one is no longer valid.
func (b *Broker) fetch(ctx context.Context, t *tenant.Tenant, viewer string) (linkedin.SalesAccessToken, error) {
	for retried := false; ; retried = true {
		member, err := b.members.AccessToken(ctx, t, viewer)
		if err != nil {
			return linkedin.SalesAccessToken{}, err
		}
		tok, err := b.li.SalesAccessToken(ctx, member)
		if linkedin.IsUnauthorized(err) && !retried {
			if rerr := b.members.Rejected(ctx, t, viewer); rerr != nil {
				return linkedin.SalesAccessToken{}, rerr
			}
			continue
		}
		if err != nil {
			return linkedin.SalesAccessToken{}, fmt.Errorf("sales access token: %w", err)
		}
		if !b.usable(tok) {
			return linkedin.SalesAccessToken{}, ErrExpiredOnArrival
		}
		return tok, nil
	}
}
