package assoc_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/assoc"
	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/shared"
	"github.com/snapbridge/snapbridge/internal/shared/redistest"
	"github.com/snapbridge/snapbridge/internal/tenant"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// sharedRedis is a private Redis and a client of it for one instance.
func sharedRedis(t *testing.T, url string) *shared.Redis {
	t.Helper()
	r, err := shared.NewRedis(url, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// TestRecordLookedUpOnOneInstanceIsCachedOnAnother: two instances (each
// with its own database and LinkedIn connection) sharing one Redis ask
// LinkedIn once for a record, and the second serves the first's answer,
// stale too when LinkedIn fails it later.
func TestRecordLookedUpOnOneInstanceIsCachedOnAnother(t *testing.T) {
	url := redistest.Start(t).URL
	a := newRig(t, assoc.Config{Shared: sharedRedis(t, url)}, nil)
	liB := &countingLinkedIn{}
	b := newRig(t, assoc.Config{Shared: sharedRedis(t, url)}, liB)
	tn := acme(100)

	first := resolveOne(t, a, tn, "r1", false)
	if first.Status != wire.StatusMatched || first.Cached {
		t.Fatalf("first look-up %+v, want a match from LinkedIn", first)
	}
	got := resolveOne(t, b, tn, "r1", false)
	if got.Status != wire.StatusMatched || !got.Cached || !got.CachedAt.Equal(start) || got.Member != "urn:li:person:r1" {
		t.Fatalf("the other instance answered %+v, want the first one's cached match", got)
	}
	if n := liB.total(); n != 0 {
		t.Fatalf("the other instance called LinkedIn %d times, want none", n)
	}
	if used, err := b.db.LookupsUsed(t.Context(), tn.ID, start.Format("2006-01-02")); err != nil || used != 0 {
		t.Fatalf("the other instance counted %d look-ups (%v), want none", used, err)
	}

	// Past expiry with LinkedIn failing, a third instance that never saw
	// the record serves the shared answer, stale.
	liC := &countingLinkedIn{callErr: func(int, string) error { return &linkedin.Error{Err: errors.New("dial: refused")} }}
	c := newRig(t, assoc.Config{Shared: sharedRedis(t, url)}, liC)
	c.clock.Advance(7 * time.Hour)
	stale := resolveOne(t, c, tn, "r1", false)
	if stale.Status != wire.StatusMatched || !stale.Stale || !stale.CachedAt.Equal(start) {
		t.Fatalf("with LinkedIn failing, the third instance answered %+v, want the shared match, stale", stale)
	}
}

// TestThrottleOnOneInstanceBacksOffEveryInstance: after LinkedIn throttles
// a tenant on one instance, the others stop calling for that tenant too,
// until the back-off ends.
func TestThrottleOnOneInstanceBacksOffEveryInstance(t *testing.T) {
	url := redistest.Start(t).URL
	liA := &countingLinkedIn{callErr: func(int, string) error {
		return &linkedin.Error{Status: 429, Message: "throttled", RetryAfter: 30 * time.Second}
	}}
	a := newRig(t, assoc.Config{Shared: sharedRedis(t, url)}, liA)
	liB := &countingLinkedIn{}
	b := newRig(t, assoc.Config{Shared: sharedRedis(t, url)}, liB)
	tn := acme(100)
	if got := resolveOne(t, a, tn, "r1", false); got.Status != wire.StatusThrottled {
		t.Fatalf("first instance answered %+v, want throttled", got)
	}
	b.clock.Advance(29 * time.Second)
	if got := resolveOne(t, b, tn, "r2", false); got.Status != wire.StatusThrottled {
		t.Fatalf("during the back-off the other instance answered %+v, want throttled", got)
	}
	if n := liB.total(); n != 0 {
		t.Fatalf("the other instance called LinkedIn %d times during the back-off, want none", n)
	}
	if got := resolveOne(t, b, acmeOther(), "r2", false); got.Status != wire.StatusMatched {
		t.Fatalf("another tenant answered %+v, want matched: the back-off is per tenant", got)
	}
	b.clock.Advance(2 * time.Second)
	if got := resolveOne(t, b, tn, "r2", false); got.Status != wire.StatusMatched {
		t.Fatalf("after the back-off the other instance answered %+v, want matched", got)
	}
}

// acmeOther is a second tenant beside acme.
func acmeOther() *tenant.Tenant {
	tn := acme(100)
	tn.ID = "globex"
	tn.CRM.InstanceID = "globex.crm.dynamics.com"
	return tn
}

// TestHitsAndMissesAreCountedAcrossInstances: the console's hit rate is
// the cluster's, not one instance's: each instance's own counts at once,
// the others' within SharedCountsEvery.
func TestHitsAndMissesAreCountedAcrossInstances(t *testing.T) {
	url := redistest.Start(t).URL
	a := newRig(t, assoc.Config{Shared: sharedRedis(t, url)}, nil)
	b := newRig(t, assoc.Config{Shared: sharedRedis(t, url)}, nil)
	tn := acme(100)
	resolveOne(t, a, tn, "r1", false) // a miss on a
	resolveOne(t, b, tn, "r1", false) // a hit on b, from a's answer
	resolveOne(t, b, tn, "r1", false) // another hit on b
	if _, hits, _ := b.resolver.Stats(tn.ID); hits < 2 {
		t.Fatalf("b's Stats = %d hits; want at least its own 2 at once", hits)
	}
	deadline := time.Now().Add(5 * assoc.SharedCountsEvery)
	for _, rg := range []*rig{a, b} {
		for {
			_, hits, misses := rg.resolver.Stats(tn.ID)
			if hits == 2 && misses == 1 {
				break
			}
			if hits > 2 || misses > 1 || time.Now().After(deadline) {
				t.Fatalf("Stats = %d hits, %d misses; want the cluster's 2 and 1", hits, misses)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// stuckCounters is shared state whose counters never answer (a Redis
// that hangs on INCRBY) while its cache works.
type stuckCounters struct {
	*shared.Local
	release chan struct{}
}

func (s stuckCounters) Add(ctx context.Context, key string, delta int64, ttl time.Duration) (int64, error) {
	<-s.release
	return 0, errors.New("released")
}

// TestCachedLookUpDoesNotWaitToBeCounted: look-ups answer while the
// shared counters hang (a Redis that takes INCRBY and never answers).
func TestCachedLookUpDoesNotWaitToBeCounted(t *testing.T) {
	stuck := stuckCounters{Local: shared.NewLocal(0, nil), release: make(chan struct{})}
	defer close(stuck.release)
	rg := newRig(t, assoc.Config{Shared: stuck}, nil)
	tn := acme(100)
	done := make(chan struct{})
	go func() {
		defer close(done)
		resolveOne(t, rg, tn, "r1", false) // a miss, answered by LinkedIn
		resolveOne(t, rg, tn, "r1", false) // a hit
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("look-ups waited for the shared counters")
	}
	if n := rg.li.total(); n != 1 {
		t.Fatalf("%d LinkedIn calls, want 1", n)
	}
}
