package assoc

import (
	"sync"
	"time"

	"github.com/snapbridge/snapbridge/internal/tenant"
)

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
	send   func(t *tenant.Tenant, ids []string) // runs in its own goroutine

	mu       sync.Mutex
	t        *tenant.Tenant // latest configuration seen for this tenant
	pending  []string
	firstAt  time.Time
	deadline time.Time
	timer    *time.Timer
}

func newBatcher(max int, window time.Duration, send func(t *tenant.Tenant, ids []string)) *batcher {
	return &batcher{max: max, window: window, send: send}
}

// add queues ids, sending every full batch at once.
func (b *batcher) add(t *tenant.Tenant, ids []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.t = t
	now := time.Now()
	if len(b.pending) == 0 {
		b.firstAt = now
	}
	b.pending = append(b.pending, ids...)
	for len(b.pending) >= b.max {
		chunk := b.pending[:b.max:b.max]
		b.pending = append([]string(nil), b.pending[b.max:]...)
		go b.send(t, chunk)
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
	chunk := b.pending
	b.pending = nil
	go b.send(b.t, chunk)
}
