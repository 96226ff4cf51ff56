package assoc

import (
	"context"
	"sync"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/snapbridge/snapbridge/internal/tenant"
)

// maxFrom bounds the requests a batch's span links to.
const maxFrom = 32

// batcher gathers one tenant's records needing LinkedIn so that requests
// arriving together share batch calls. A full batch (max records) leaves at
// once; a partial one leaves when no record has joined it for a window, or
// four windows after its first record, whichever comes first. So 40
// requests for 40 records that arrive together cost two calls, and a lone
// request waits one window. Windows run on the real clock, not the
// resolver's, because they measure waiting, not cache age.
type batcher struct {
	max    int
	window time.Duration
	// send runs in its own goroutine; from are the spans of the requests
	// that queued the batch (for its own span).
	send func(t *tenant.Tenant, ids []string, from []trace.SpanContext)

	mu       sync.Mutex
	t        *tenant.Tenant // latest configuration seen for this tenant
	pending  []string
	from     []trace.SpanContext
	firstAt  time.Time
	deadline time.Time
	timer    *time.Timer
}

func newBatcher(max int, window time.Duration, send func(t *tenant.Tenant, ids []string, from []trace.SpanContext)) *batcher {
	return &batcher{max: max, window: window, send: send}
}

// add queues ids for the request whose span ctx carries, sending every
// full batch at once.
func (b *batcher) add(ctx context.Context, t *tenant.Tenant, ids []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.t = t
	now := time.Now()
	if len(b.pending) == 0 {
		b.firstAt = now
	}
	b.pending = append(b.pending, ids...)
	sc := trace.SpanContextFromContext(ctx)
	if sc.IsValid() && len(b.from) < maxFrom {
		b.from = append(b.from, sc)
	}
	for len(b.pending) >= b.max {
		chunk := b.pending[:b.max:b.max]
		b.pending = append([]string(nil), b.pending[b.max:]...)
		from := b.from
		b.from = nil
		if len(b.pending) > 0 && sc.IsValid() {
			b.from = []trace.SpanContext{sc} // what is left is this request's
		}
		go b.send(t, chunk, from)
		b.firstAt = now
	}
	if len(b.pending) == 0 {
		return
	}
	b.deadline = now.Add(b.window)
	if limit := b.firstAt.Add(4 * b.window); b.deadline.After(limit) {
		b.deadline = limit
	}
	if b.timer == nil {
		b.timer = time.AfterFunc(b.window, b.expire)
	}
}

// expire sends the pending records once their deadline has come; a
// deadline pushed back by later arrivals re-arms the timer instead, which
// avoids resetting a timer that may already be firing.
func (b *batcher) expire() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.pending) == 0 {
		b.timer = nil
		return
	}
	if wait := time.Until(b.deadline); wait > 0 {
		b.timer = time.AfterFunc(wait, b.expire)
		return
	}
	b.timer = nil
	chunk, from := b.pending, b.from
	b.pending, b.from = nil, nil
	go b.send(b.t, chunk, from)
}
