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

	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/tenant"
)

// LinkedIn is the part of the LinkedIn client the broker needs.
type LinkedIn interface {
	SalesAccessToken(ctx context.Context, memberToken string) (linkedin.SalesAccessToken, error)
}

// MemberTokens gives a viewer's live member token, and hears when LinkedIn
// refused it.
type MemberTokens interface {
	AccessToken(ctx context.Context, t *tenant.Tenant, viewer string) (string, error)
	Rejected(ctx context.Context, t *tenant.Tenant, viewer string) error
}

// ErrExpiredOnArrival means LinkedIn handed out a token that was already
// (or almost) expired; it is never cached or passed on.
var ErrExpiredOnArrival = errors.New("sat: LinkedIn returned an already expired token")

// Broker hands out Sales Access Tokens. It is safe for concurrent use.
type Broker struct {
	li          LinkedIn
	members     MemberTokens
	renewBefore time.Duration
	now         func() time.Time

	flight singleflight.Group
	mu     sync.Mutex
	cache  map[string]linkedin.SalesAccessToken
}

// NewBroker returns a broker that renews tokens renewBefore ahead of their
// expiry (default 60s when zero).
func NewBroker(li LinkedIn, members MemberTokens, renewBefore time.Duration, now func() time.Time) *Broker {
	if renewBefore <= 0 {
		renewBefore = time.Minute
	}
	if now == nil {
		now = time.Now
	}
	return &Broker{li: li, members: members, renewBefore: renewBefore, now: now,
		cache: map[string]linkedin.SalesAccessToken{}}
}

// Token returns a Sales Access Token for the viewer, valid for at least
// the renewal margin. Errors from MemberTokens (not connected) pass through.
func (b *Broker) Token(ctx context.Context, t *tenant.Tenant, viewer string) (linkedin.SalesAccessToken, error) {
	key := t.ID + "\x00" + viewer
	if tok, ok := b.cached(key); ok {
		return tok, nil
	}
	// The flight is detached from one caller's cancellation so that the
	// others waiting on it are not failed by it.
	v, err, _ := b.flight.Do(key, func() (any, error) {
		if tok, ok := b.cached(key); ok {
			return tok, nil
		}
		tok, err := b.fetch(context.WithoutCancel(ctx), t, viewer)
		if err != nil {
			return nil, err
		}
		b.mu.Lock()
		b.cache[key] = tok
		b.mu.Unlock()
		return tok, nil
	})
	if err != nil {
		return linkedin.SalesAccessToken{}, err
	}
	return v.(linkedin.SalesAccessToken), nil
}

// Forget drops the cached token of a viewer (after a disconnect).
func (b *Broker) Forget(tenantID, viewer string) {
	b.mu.Lock()
	delete(b.cache, tenantID+"\x00"+viewer)
	b.mu.Unlock()
}

func (b *Broker) cached(key string) (linkedin.SalesAccessToken, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	tok, ok := b.cache[key]
	if ok && b.now().Add(b.renewBefore).Before(tok.ExpiresAt) {
		return tok, true
	}
	if ok {
		delete(b.cache, key)
	}
	return linkedin.SalesAccessToken{}, false
}

// fetch asks LinkedIn, retrying once with a refreshed member token when
// LinkedIn says the stored one is no longer valid.
func (b *Broker) fetch(ctx context.Context, t *tenant.Tenant, viewer string) (linkedin.SalesAccessToken, error) {
	for attempt := 0; ; attempt++ {
		member, err := b.members.AccessToken(ctx, t, viewer)
		if err != nil {
			return linkedin.SalesAccessToken{}, err
		}
		tok, err := b.li.SalesAccessToken(ctx, member)
		if linkedin.IsUnauthorized(err) && attempt == 0 {
			if rerr := b.members.Rejected(ctx, t, viewer); rerr != nil {
				return linkedin.SalesAccessToken{}, rerr
			}
			continue
		}
		if err != nil {
			return linkedin.SalesAccessToken{}, fmt.Errorf("sales access token: %w", err)
		}
		if !b.now().Add(b.renewBefore).Before(tok.ExpiresAt) {
			return linkedin.SalesAccessToken{}, ErrExpiredOnArrival
		}
		return tok, nil
	}
}
