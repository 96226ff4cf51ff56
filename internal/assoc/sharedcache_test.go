package assoc_test

import (
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
// the cluster's, not one instance's.
func TestHitsAndMissesAreCountedAcrossInstances(t *testing.T) {
	url := redistest.Start(t).URL
	a := newRig(t, assoc.Config{Shared: sharedRedis(t, url)}, nil)
	b := newRig(t, assoc.Config{Shared: sharedRedis(t, url)}, nil)
	tn := acme(100)
	resolveOne(t, a, tn, "r1", false) // a miss on a
	resolveOne(t, b, tn, "r1", false) // a hit on b, from a's answer
	resolveOne(t, b, tn, "r1", false) // another hit on b
	for _, rg := range []*rig{a, b} {
		if _, hits, misses := rg.resolver.Stats(tn.ID); hits != 2 || misses != 1 {
			t.Fatalf("Stats = %d hits, %d misses; want the cluster's 2 and 1", hits, misses)
		}
	}
}
