package assoc

import (
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

// active reports whether the tenant is still backing off at now.
func (b *backoff) active(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return now.Before(b.until)
}

// activeUntil is active that also says until when.
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
