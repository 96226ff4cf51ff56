package assoc

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/snapbridge/snapbridge/internal/linkedin"
)

// backoff is the time until which a tenant does not call LinkedIn after a
// 429: rate limits are unpublished and a 429 is the only signal, so
// carrying on would only prolong the throttling.
type backoff struct {
	mu    sync.Mutex
	until time.Time
}

// activeUntil reports whether the tenant is still backing off at now,
// and until when.
func (b *backoff) activeUntil(now time.Time) (time.Time, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.until, now.Before(b.until)
}

// trip backs off for d from now, never shortening a longer back-off.
func (b *backoff) trip(now time.Time, d time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if until := now.Add(d); until.After(b.until) {
		b.until = until
	}
}

// backoffFor is how long to back off after err: LinkedIn's Retry-After
// when it sent one, otherwise ThrottleBackoff plus up to half of it again,
// so that tenants and instances throttled together do not return together.
func (r *Resolver) backoffFor(err error) time.Duration {
	if e, ok := linkedin.AsError(err); ok && e.RetryAfter > 0 {
		return e.RetryAfter
	}
	base := r.cfg.ThrottleBackoff
	return base + time.Duration(rand.Int64N(int64(base)/2+1))
}

func sharedBackoffKey(tenantID string) string { return "backoff:" + tenantID }

// backingOff reports whether the tenant backs off at now, and until when:
// after a 429 on this instance or, with Config.Shared, on any other (whose
// back-off this instance then keeps too).
func (r *Resolver) backingOff(ctx context.Context, tenantID string, ts *tenantState) (time.Time, bool) {
	now := r.now()
	if until, ok := ts.backoff.activeUntil(now); ok || r.cfg.Shared == nil {
		return until, ok
	}
	raw, ok, err := r.cfg.Shared.Get(ctx, sharedBackoffKey(tenantID))
	if err != nil || !ok {
		return time.Time{}, false
	}
	until, err := time.Parse(time.RFC3339Nano, string(raw))
	if err != nil || !now.Before(until) {
		return time.Time{}, false
	}
	ts.backoff.trip(now, until.Sub(now))
	return until, true
}

// tripBackoff backs the tenant off for d from now, on every instance with
// Config.Shared.
func (r *Resolver) tripBackoff(tenantID string, ts *tenantState, now time.Time, d time.Duration) {
	ts.backoff.trip(now, d)
	if r.cfg.Shared == nil {
		return
	}
	until, _ := ts.backoff.activeUntil(now)
	_ = r.cfg.Shared.Set(context.Background(), sharedBackoffKey(tenantID), []byte(until.Format(time.RFC3339Nano)), until.Sub(now))
}

// isBackingOff is backingOff without the time.
func (r *Resolver) isBackingOff(ctx context.Context, tenantID string, ts *tenantState) bool {
	_, ok := r.backingOff(ctx, tenantID, ts)
	return ok
}
