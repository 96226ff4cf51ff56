package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// testLeases: a free lease is taken, its holder renews it, another owner
// gets it only once it expired, release frees it, and a release by an
// owner not holding it changes nothing.
func testLeases(t *testing.T, open Opener) {
	ctx := context.Background()
	db := open(t)
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	const ttl = 90 * time.Second
	acquire := func(name, owner string, now time.Time) bool {
		t.Helper()
		ok, err := db.AcquireLease(ctx, name, owner, ttl, now)
		if err != nil {
			t.Fatalf("AcquireLease(%s, %s): %v", name, owner, err)
		}
		return ok
	}
	release := func(name, owner string) {
		t.Helper()
		if err := db.ReleaseLease(ctx, name, owner); err != nil {
			t.Fatalf("ReleaseLease(%s, %s): %v", name, owner, err)
		}
	}
	steps := []struct {
		scenario string
		do       func() bool
		want     bool
	}{
		{"a free lease is taken", func() bool { return acquire("export:1", "a", at) }, true},
		{"another owner is refused while it runs", func() bool { return acquire("export:1", "b", at.Add(ttl-time.Millisecond)) }, false},
		{"the holder renews it", func() bool { return acquire("export:1", "a", at.Add(ttl/2)) }, true},
		{"the renewal moved the expiry", func() bool { return acquire("export:1", "b", at.Add(ttl)) }, false},
		{"another owner takes it once it expired", func() bool { return acquire("export:1", "b", at.Add(ttl/2+ttl)) }, true},
		{"the old holder is refused after the takeover", func() bool { return acquire("export:1", "a", at.Add(ttl/2+ttl+time.Second)) }, false},
		{"a release by a non-owner does nothing", func() bool {
			release("export:1", "a")
			return acquire("export:1", "c", at.Add(ttl/2+ttl+time.Second))
		}, false},
		{"a release by the holder frees it", func() bool {
			release("export:1", "b")
			return acquire("export:1", "c", at.Add(ttl/2+ttl+time.Second))
		}, true},
		{"leases of other names are independent", func() bool { return acquire("export:2", "a", at.Add(ttl/2+ttl+time.Second)) }, true},
		{"releasing a lease nobody holds does nothing", func() bool {
			release("export:3", "a")
			return acquire("export:3", "b", at)
		}, true},
	}
	for _, s := range steps {
		if got := s.do(); got != s.want {
			t.Fatalf("%s: acquired = %v, want %v", s.scenario, got, s.want)
		}
	}
	for _, bad := range []struct {
		scenario, name, owner string
		ttl                   time.Duration
	}{
		{"no name", "", "a", ttl},
		{"no owner", "export:9", "", ttl},
		{"no ttl", "export:9", "a", 0},
	} {
		if ok, err := db.AcquireLease(ctx, bad.name, bad.owner, bad.ttl, at); err == nil || ok {
			t.Errorf("%s: AcquireLease = %v, %v; want an error", bad.scenario, ok, err)
		}
	}
}

// testLeaseConcurrentOneOwnerWins: of N owners asking for the same free
// lease at once, exactly one gets it, and the same again once it expired.
func testLeaseConcurrentOneOwnerWins(t *testing.T, open Opener) {
	ctx := context.Background()
	db := open(t)
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	const owners, ttl = 20, time.Minute
	for round, now := range []time.Time{at, at.Add(ttl)} {
		var wg sync.WaitGroup
		var mu sync.Mutex
		var winners []string
		start := make(chan struct{})
		for i := range owners {
			wg.Go(func() {
				owner := fmt.Sprintf("instance-%d-%d", round, i)
				<-start
				ok, err := db.AcquireLease(ctx, "export-submit:acme:c1:seat", owner, ttl, now)
				if err != nil {
					t.Errorf("AcquireLease: %v", err)
					return
				}
				if ok {
					mu.Lock()
					winners = append(winners, owner)
					mu.Unlock()
				}
			})
		}
		close(start)
		wg.Wait()
		if len(winners) != 1 {
			t.Fatalf("round %d: %d of %d owners got the lease (%v), want exactly 1", round, len(winners), owners, winners)
		}
	}
}
