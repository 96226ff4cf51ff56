// Package sat brokers LinkedIn Sales Access Tokens: the short-lived tokens
// that sign a viewer into the Sales Navigator Display Services iframe.
// Tokens are cached per tenant and viewer until shortly before they expire,
// each tied to the member authorization it was issued on, and concurrent
// requests for one viewer share one upstream call.
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
	"github.com/snapbridge/snapbridge/internal/metrics"
	"github.com/snapbridge/snapbridge/internal/tenant"
	"github.com/snapbridge/snapbridge/internal/tokens"
)

// LinkedIn is the part of the LinkedIn client the broker needs.
type LinkedIn interface {
	SalesAccessToken(ctx context.Context, memberToken string) (linkedin.SalesAccessToken, error)
}

// MemberTokens gives a viewer's live member token with the generation of
// the authorization it belongs to, names the authorization stored now
// without opening it, and hears when LinkedIn refused a token. Grant and
// Generation answer an error wrapping tokens.ErrNotConnected once the
// viewer disconnected or was revoked; *tokens.MemberTokens satisfies it.
type MemberTokens interface {
	Grant(ctx context.Context, t *tenant.Tenant, viewer string) (tokens.Grant, error)
	Generation(ctx context.Context, t *tenant.Tenant, viewer string) (string, error)
	Rejected(ctx context.Context, t *tenant.Tenant, viewer string) error
}

// ErrExpiredOnArrival means LinkedIn handed out a token that was already
// (or almost) expired; it is never cached or passed on.
var ErrExpiredOnArrival = errors.New("sat: LinkedIn returned an already expired token")

// sweepFloor is the cache size below which expired entries are left to be
// replaced on the viewer's next visit rather than swept.
const sweepFloor = 64

// DefaultRecheck is how long a cached token is handed out from memory
// alone. After that the next request checks, against the store but
// without opening the member token, that the viewer's authorization is
// still the one the token was issued on. Change notifications drop a
// token at once; this bounds how long a notification lost on the way
// (Redis restarted unnoticed) can leave one behind.
const DefaultRecheck = 30 * time.Second

// entry is one viewer's cached token with the generation of the member
// authorization it was issued on, or a fetch under way (pending). A fetch
// tells by the entry's identity whether the entry it started is still the
// one in the cache when it lands: Forget, changes and sweeps drop
// entries, and a later fetch starts a new one.
type entry struct {
	tok     linkedin.SalesAccessToken
	gen     string
	pending bool
	// checked is when gen was last known to be the viewer's, and epoch
	// the broker's epoch then: a token is handed out from memory alone
	// while both are current.
	checked time.Time
	epoch   uint64
	// heard, while pending, is the generation the last change notified
	// for the viewer: the fetch lands only if it got a token on it.
	heard    string
	hasHeard bool
}

// Broker hands out Sales Access Tokens. It is safe for concurrent use.
type Broker struct {
	li          LinkedIn
	members     MemberTokens
	renewBefore time.Duration
	recheck     time.Duration
	now         func() time.Time

	// shared and ring, set by Share, share tokens across instances.
	shared Sharing
	ring   *keyring.KeyRing
	// degraded, set by Follow, says that changes announced elsewhere may
	// not reach this instance now: every token is then checked.
	degraded func() bool

	flight    singleflight.Group
	mu        sync.Mutex
	cache     map[string]*entry
	nextSweep int
	// epoch moves on when changes may have been missed: every cached token
	// is then checked before it is handed out again.
	epoch       uint64
	sawDegraded bool

	// metrics counts hits, misses, evictions and coalesced fetches (nil:
	// none); set by Instrument.
	metrics *metrics.CacheCounters
}

// NewBroker returns a broker that renews tokens renewBefore ahead of their
// expiry (default 60s when zero). now is the clock; nil means time.Now.
// Cached tokens are checked against the store every DefaultRecheck.
func NewBroker(li LinkedIn, members MemberTokens, renewBefore time.Duration, now func() time.Time) *Broker {
	if renewBefore <= 0 {
		renewBefore = time.Minute
	}
	if now == nil {
		now = time.Now
	}
	return &Broker{li: li, members: members, renewBefore: renewBefore, recheck: DefaultRecheck, now: now,
		cache: map[string]*entry{}, nextSweep: sweepFloor}
}

// Token returns a Sales Access Token for the viewer, valid for at least
// the renewal margin. A cached token is handed out only while the member
// authorization it was issued on is the viewer's: once the viewer
// disconnects, is revoked or connects again (as another LinkedIn member,
// say) it is dropped, and the not-connected error returned or a new token
// fetched. A cache hit reads nothing but memory: changes reach the broker
// through MemberChanged and Follow, and a token is checked against the
// store (without opening the member token) every DefaultRecheck, after
// changes may have been missed, and on every request while they cannot
// be heard (Redis degraded). Errors from MemberTokens (not connected)
// pass through.
func (b *Broker) Token(ctx context.Context, t *tenant.Tenant, viewer string) (linkedin.SalesAccessToken, error) {
	if t == nil || viewer == "" {
		return linkedin.SalesAccessToken{}, fmt.Errorf("sales access token: tenant and viewer are required")
	}
	key := cacheKey(t.ID, viewer)
	if c := b.cached(key); c.e != nil {
		if c.current {
			b.metrics.Hit(1)
			return c.tok, nil
		}
		tok, ok, err := b.check(ctx, t, viewer, key, c)
		if ok || err != nil {
			return tok, err
		}
	}
	// The flight is detached from one caller's cancellation so that the
	// others waiting on it are not failed by it.
	b.metrics.Miss(1)
	led := false
	v, err, _ := b.flight.Do(key, func() (any, error) {
		led = true
		if c := b.cached(key); c.e != nil && c.current {
			return c.tok, nil
		}
		e := b.begin(key)
		var tok linkedin.SalesAccessToken
		var gen string
		var err error
		if b.shared != nil {
			tok, gen, err = b.fetchShared(context.WithoutCancel(ctx), t, viewer, key)
		} else {
			tok, gen, err = b.fetch(context.WithoutCancel(ctx), t, viewer)
		}
		b.land(key, e, tok, gen, err)
		return tok, err
	})
	if !led {
		b.metrics.Coalesced(1)
	}
	if errors.Is(err, tokens.ErrNotConnected) {
		b.Forget(t.ID, viewer)
	}
	if err != nil {
		return linkedin.SalesAccessToken{}, err
	}
	return v.(linkedin.SalesAccessToken), nil
}

// check asks the store whether the authorization a cached token was
// issued on is still the viewer's. ok: hand the token out. Not ok and no
// error: the viewer connected again, fetch a new one.
func (b *Broker) check(ctx context.Context, t *tenant.Tenant, viewer, key string, c hit) (linkedin.SalesAccessToken, bool, error) {
	at := b.now()
	gen, err := b.members.Generation(ctx, t, viewer)
	switch {
	case errors.Is(err, tokens.ErrNotConnected):
		b.Forget(t.ID, viewer)
		return linkedin.SalesAccessToken{}, false, err
	case err != nil:
		// A transient failure to check is no reason to drop a good token.
		return c.tok, true, nil
	case gen != c.gen:
		b.drop(key, c.e)
		return linkedin.SalesAccessToken{}, false, nil
	}
	b.mu.Lock()
	if b.cache[key] == c.e {
		c.e.checked, c.e.epoch = at, c.epoch
	}
	b.mu.Unlock()
	return c.tok, true, nil
}

// MemberChanged drops what the broker keeps about the viewer of c unless
// it was issued on the authorization c names: give it to
// tokens.Vault.OnChange. A viewer no longer connected also loses the
// token shared with the other instances.
func (b *Broker) MemberChanged(c tokens.MemberChange) {
	b.memberChanged(c)
	if !c.Missed && c.Generation == "" {
		b.forgetShared(cacheKey(c.Tenant, c.Viewer))
	}
}

// Follow applies, until stop is called, the member changes every instance
// sharing n announces (tokens.Vault.Share). While n says it is degraded
// (a Degraded() bool method, as shared.Failover has), announcements may
// not arrive, so every cached token is checked against the store before
// it is handed out; when announcements may have been missed, every cached
// token is checked once. Call it before b serves.
func (b *Broker) Follow(n tokens.Notifier) (stop func()) {
	if d, ok := n.(interface{ Degraded() bool }); ok {
		b.degraded = d.Degraded
	}
	return tokens.FollowChanges(n, b.memberChanged)
}

func (b *Broker) memberChanged(c tokens.MemberChange) {
	if c.Missed {
		b.mu.Lock()
		b.epoch++
		b.mu.Unlock()
		return
	}
	key := cacheKey(c.Tenant, c.Viewer)
	b.mu.Lock()
	e, ok := b.cache[key]
	switch {
	case !ok:
	case e.pending:
		e.heard, e.hasHeard = c.Generation, true
	case e.gen != c.Generation:
		delete(b.cache, key)
	}
	b.mu.Unlock()
	if ok {
		// Later callers do not join a fetch that may have read the old
		// authorization.
		b.flight.Forget(key)
	}
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

// hit is a usable cached token (e nil: none) and whether it may be handed
// out without a check (current); epoch is the broker's when it was read.
type hit struct {
	e       *entry
	tok     linkedin.SalesAccessToken
	gen     string
	epoch   uint64
	current bool
}

func (b *Broker) cached(key string) hit {
	degraded := b.degraded != nil && b.degraded()
	now := b.now()
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case degraded:
		b.sawDegraded = true
	case b.sawDegraded:
		// Announcements made while degraded never came; the missed-messages
		// notice may still be on its way.
		b.sawDegraded = false
		b.epoch++
	}
	e, ok := b.cache[key]
	if !ok || e.pending {
		return hit{}
	}
	if !b.usable(e.tok) {
		delete(b.cache, key)
		return hit{}
	}
	current := !degraded && e.epoch == b.epoch && now.Sub(e.checked) < b.recheck
	return hit{e: e, tok: e.tok, gen: e.gen, epoch: b.epoch, current: current}
}

// drop removes e from the cache if it is still there.
func (b *Broker) drop(key string, e *entry) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cache[key] == e {
		delete(b.cache, key)
	}
}

// usable reports a token valid for at least the renewal margin.
func (b *Broker) usable(tok linkedin.SalesAccessToken) bool {
	return b.now().Add(b.renewBefore).Before(tok.ExpiresAt)
}

// begin marks a fetch for key under way and returns its entry. The
// authorization the fetch reads is current as of now and this epoch.
func (b *Broker) begin(key string) *entry {
	now := b.now()
	b.mu.Lock()
	defer b.mu.Unlock()
	e := &entry{pending: true, checked: now, epoch: b.epoch}
	b.cache[key] = e
	b.sweep()
	return e
}

// land caches a fetched token with the generation it was issued on,
// unless the fetch failed, its entry was forgotten or swept meanwhile, or
// a change notified meanwhile named another authorization: then the token
// only serves its callers.
func (b *Broker) land(key string, e *entry, tok linkedin.SalesAccessToken, gen string, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cache[key] != e {
		return
	}
	if err != nil || (e.hasHeard && e.heard != gen) {
		delete(b.cache, key)
		return
	}
	e.tok, e.gen, e.pending = tok, gen, false
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
			b.metrics.Evicted(1)
		}
	}
	b.nextSweep = max(2*len(b.cache), sweepFloor)
}

// fetch asks LinkedIn, retrying once with a refreshed member token when
// LinkedIn says the stored one is no longer valid. It returns the token
// with the generation of the authorization it was issued on.
func (b *Broker) fetch(ctx context.Context, t *tenant.Tenant, viewer string) (linkedin.SalesAccessToken, string, error) {
	for retried := false; ; retried = true {
		member, err := b.members.Grant(ctx, t, viewer)
		if err != nil {
			return linkedin.SalesAccessToken{}, "", err
		}
		tok, err := b.li.SalesAccessToken(ctx, member.AccessToken)
		if linkedin.IsUnauthorized(err) && !retried {
			if rerr := b.members.Rejected(ctx, t, viewer); rerr != nil {
				return linkedin.SalesAccessToken{}, "", rerr
			}
			continue
		}
		if err != nil {
			return linkedin.SalesAccessToken{}, "", fmt.Errorf("sales access token: %w", err)
		}
		if !b.usable(tok) {
			return linkedin.SalesAccessToken{}, "", ErrExpiredOnArrival
		}
		return tok, member.Generation, nil
	}
}

// Instrument counts the broker's cache hits, misses, evictions and
// coalesced fetches in m. It returns b; call it before b serves.
func (b *Broker) Instrument(m *metrics.Registry) *Broker {
	b.metrics = m.Cache(metrics.CacheSAT)
	return b
}
