package linkedin

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/snapbridge/snapbridge/internal/telemetry"
)

// backoff is a jittered exponential backoff: the n-th wait is drawn from
// [d/2, d) with d = min(max, base·2ⁿ), so that many instances that failed
// together do not come back together.
type backoff struct {
	base, max time.Duration
}

// Retries start 100 ms apart and never wait more than 2 s.
const (
	backoffBase = 100 * time.Millisecond
	backoffMax  = 2 * time.Second
)

func (b backoff) delay(n int) time.Duration {
	d := b.max
	if n < 30 && b.base<<n < b.max {
		d = b.base << n
	}
	if d <= 1 {
		return d
	}
	half := d / 2
	return half + rand.N(d-half)
}

// call runs attempt once, or, when idempotent, up to 1+MaxRetries times
// while it fails in a way worth repeating. Each attempt gets its own
// Timeout; the waits between attempts end early when ctx ends.
func (c *Client) call(ctx context.Context, idempotent bool, attempt func(ctx context.Context) error) error {
	ctx = telemetry.CountAttempts(ctx)
	for n := 0; ; n++ {
		actx, cancel := context.WithTimeout(context.WithValue(ctx, attemptKey{}, n), c.cfg.Timeout)
		err := attempt(actx)
		cancel()
		if err == nil {
			return nil
		}
		if !idempotent || n >= c.cfg.MaxRetries || ctx.Err() != nil {
			return err
		}
		wait, ok := retryable(err, c.backoff.max)
		if !ok {
			return err
		}
		t := time.NewTimer(max(wait, c.backoff.delay(n)))
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

// retryable says whether err is worth another attempt and how long
// LinkedIn asked us to wait first. Transport failures and 5xx are; 429 and
// other 4xx never are: LinkedIn's daily limits are only made worse by
// hammering, and a 4xx will not change by asking again. A 503 whose
// Retry-After exceeds limit is left to the caller, who can tell the user.
func retryable(err error, limit time.Duration) (time.Duration, bool) {
	le, ok := AsError(err)
	switch {
	case !ok:
		return 0, false
	case le.Status == 0:
		return 0, true
	case le.Status >= 500:
		if le.RetryAfter > limit {
			return 0, false
		}
		return le.RetryAfter, true
	default:
		return 0, false
	}
}

// attemptKey marks each attempt's context with its number (0 the first).
type attemptKey struct{}

// Attempt returns the number of the attempt a request's context belongs
// to: 0 for a call's first attempt, n for its n-th retry. Transports that
// count retries (internal/metrics) read it.
func Attempt(ctx context.Context) int {
	n, _ := ctx.Value(attemptKey{}).(int)
	return n
}
