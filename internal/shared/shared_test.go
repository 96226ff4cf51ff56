package shared_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/shared"
	"github.com/snapbridge/snapbridge/internal/shared/redistest"
)

// pair is two instances' view of one shared state.
type pair struct{ a, b shared.State }

// implementations are every State, each run through the same suite.
var implementations = []struct {
	scenario string
	start    func(t *testing.T) pair
}{
	{"in-process", func(t *testing.T) pair {
		l := shared.NewLocal(0, nil)
		return pair{l, l}
	}},
	{"redis", func(t *testing.T) pair {
		srv := redistest.Start(t)
		return pair{newRedis(t, srv.URL), newRedis(t, srv.URL)}
	}},
	{"failover on a live redis", func(t *testing.T) pair {
		srv := redistest.Start(t)
		return pair{shared.NewFailover(shared.FailoverConfig{Redis: newRedis(t, srv.URL)}),
			shared.NewFailover(shared.FailoverConfig{Redis: newRedis(t, srv.URL)})}
	}},
}

func newRedis(t *testing.T, url string) *shared.Redis {
	t.Helper()
	r, err := shared.NewRedis(url, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// eventually waits for cond, polling, for at most 5 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 5s", what)
		}
	}
}

func TestEveryStateSharesWhatItHolds(t *testing.T) {
	for _, impl := range implementations {
		t.Run(impl.scenario, func(t *testing.T) {
			t.Run("cache", func(t *testing.T) { testCache(t, impl.start(t)) })
			t.Run("locks", func(t *testing.T) { testLocks(t, impl.start(t)) })
			t.Run("one worker among many", func(t *testing.T) { testOneWorker(t, impl.start(t)) })
			t.Run("notifications", func(t *testing.T) { testNotifications(t, impl.start(t)) })
			t.Run("counters", func(t *testing.T) { testCounters(t, impl.start(t)) })
		})
	}
}

func testCache(t *testing.T, p pair) {
	ctx := context.Background()
	if _, ok, err := p.a.Get(ctx, "k"); ok || err != nil {
		t.Fatalf("Get of nothing = %v, %v; want not found", ok, err)
	}
	value := []byte("v1")
	if err := p.a.Set(ctx, "k", value, time.Minute); err != nil {
		t.Fatal(err)
	}
	value[0] = 'X' // the stored value is a copy
	if v, ok, err := p.b.Get(ctx, "k"); !ok || err != nil || string(v) != "v1" {
		t.Fatalf("other instance's Get = %q, %v, %v; want v1", v, ok, err)
	}
	if err := p.b.Set(ctx, "k", []byte("v2"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if v, _, _ := p.a.Get(ctx, "k"); string(v) != "v2" {
		t.Fatalf("after a replace, Get = %q, want v2", v)
	}
	if _, ok, _ := p.a.Get(ctx, "other"); ok {
		t.Fatal("a key never set was found")
	}
	if err := p.b.Delete(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := p.a.Get(ctx, "k"); ok {
		t.Fatal("a deleted value was found")
	}
	if err := p.a.Delete(ctx, "k"); err != nil {
		t.Fatalf("deleting nothing: %v", err)
	}
	if err := p.a.Set(ctx, "short", []byte("x"), 20*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a value past its ttl is gone", func() bool { _, ok, _ := p.b.Get(ctx, "short"); return !ok })
}

func testLocks(t *testing.T, p pair) {
	ctx := context.Background()
	release, taken, err := p.a.Take(ctx, "l", time.Minute)
	if !taken || err != nil {
		t.Fatalf("Take of a free lock = %v, %v", taken, err)
	}
	waited := make(chan bool)
	go func() {
		_, taken, err := p.b.Take(ctx, "l", time.Minute)
		waited <- taken || err != nil
	}()
	select {
	case <-waited:
		t.Fatal("a second Take did not wait for the holder")
	case <-time.After(50 * time.Millisecond):
	}
	release()
	if bad := <-waited; bad {
		t.Fatal("the waiter took the lock (or failed) instead of reading the holder's result")
	}
	release() // a second release does nothing
	again, taken, err := p.b.Take(ctx, "l", time.Minute)
	if !taken || err != nil {
		t.Fatalf("Take after release = %v, %v", taken, err)
	}
	release() // the first holder's stale release must not free the new holder's lock
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, taken, err := p.a.Take(cctx, "l", time.Minute); taken || !errors.Is(err, context.Canceled) {
		t.Fatalf("Take of a held lock with an ended context = %v, %v; want context.Canceled", taken, err)
	}
	again()

	if _, taken, _ := p.a.Take(ctx, "expiring", 30*time.Millisecond); !taken {
		t.Fatal("Take of a free lock failed")
	}
	if _, taken, err := p.b.Take(ctx, "expiring", time.Minute); taken || err != nil {
		t.Fatalf("waiting on a lock that expires = %v, %v; want released by expiry", taken, err)
	}
}

// testOneWorker is how services use the locks: 50 callers on two
// instances, each reading the result or taking the lock to produce it.
func testOneWorker(t *testing.T, p pair) {
	ctx := context.Background()
	var work atomic.Int32
	var wg sync.WaitGroup
	for i := range 50 {
		s := p.a
		if i%2 == 1 {
			s = p.b
		}
		wg.Go(func() {
			for {
				if v, ok, err := s.Get(ctx, "result"); err != nil || ok {
					if string(v) != "done" || err != nil {
						t.Errorf("result = %q, %v", v, err)
					}
					return
				}
				release, taken, err := s.Take(ctx, "work", 10*time.Second)
				if err != nil {
					t.Error(err)
					return
				}
				if taken {
					if _, ok, _ := s.Get(ctx, "result"); !ok { // re-read: another may have finished just before
						work.Add(1)
						_ = s.Set(ctx, "result", []byte("done"), time.Minute)
					}
					release()
				}
			}
		})
	}
	wg.Wait()
	if n := work.Load(); n != 1 {
		t.Fatalf("the work ran %d times, want once", n)
	}
}

func testNotifications(t *testing.T, p pair) {
	ctx := context.Background()
	got := make(chan string, 4)
	stop := p.b.Subscribe("tenants", func(m string) { got <- m })
	other := p.b.Subscribe("elsewhere", func(m string) { got <- "elsewhere:" + m })
	defer other()
	if err := p.a.Publish(ctx, "tenants", "acme"); err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-got:
		if m != "acme" {
			t.Fatalf("heard %q, want acme", m)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the subscriber on the other instance heard nothing")
	}
	stop()
	if err := p.a.Publish(ctx, "tenants", "after-stop"); err != nil {
		t.Fatal(err)
	}
	if err := p.a.Publish(ctx, "elsewhere", "marker"); err != nil {
		t.Fatal(err)
	}
	// Messages arrive in order: the marker comes after anything on tenants.
	if m := <-got; m != "elsewhere:marker" {
		t.Fatalf("heard %q after stop, want only the marker", m)
	}
}

func testCounters(t *testing.T, p pair) {
	ctx := context.Background()
	if n, err := p.a.Add(ctx, "c", 2, time.Minute); n != 2 || err != nil {
		t.Fatalf("Add = %d, %v; want 2", n, err)
	}
	if n, err := p.b.Add(ctx, "c", 3, time.Minute); n != 5 || err != nil {
		t.Fatalf("Add on the other instance = %d, %v; want 5", n, err)
	}
	if n, _ := p.a.Add(ctx, "d", 0, time.Minute); n != 0 {
		t.Fatalf("another counter = %d, want 0", n)
	}
	if _, err := p.a.Add(ctx, "short", 1, 20*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a counter past its ttl restarts", func() bool { n, _ := p.b.Add(ctx, "short", 0, time.Minute); return n == 0 })
}

// An instance killed while it holds a long lock (a Sales Access Token
// fetch, a member-token refresh) blocks the other instances for one
// heartbeat, not for the lock's whole ttl; a living holder keeps its lock
// for as long as it asked.
func TestLockOfAKilledHolderFreesAfterOneHeartbeat(t *testing.T) {
	srv := redistest.Start(t)
	holder, other := newRedis(t, srv.URL), newRedis(t, srv.URL)
	shared.SetLockHeartbeat(holder, 300*time.Millisecond)
	ctx := context.Background()
	if _, taken, err := holder.Take(ctx, "refresh:demo:seller", time.Minute); err != nil || !taken {
		t.Fatalf("Take = %v, %v; want taken", taken, err)
	}

	// Well past three heartbeats, the living holder still has it.
	wait, cancel := context.WithTimeout(ctx, time.Second)
	_, taken, err := other.Take(wait, "refresh:demo:seller", time.Minute)
	cancel()
	if taken || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("another instance got past a living holder's lock: taken %v, err %v", taken, err)
	}

	holder.Close() // the holder dies: nothing renews the lock any more
	wait, cancel = context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, taken, err := other.Take(wait, "refresh:demo:seller", time.Minute); taken || err != nil {
		t.Fatalf("waiting on a dead holder's lock: taken %v, err %v; want freed (not taken, no error)", taken, err)
	}
	release, taken, err := other.Take(wait, "refresh:demo:seller", time.Minute)
	if err != nil || !taken {
		t.Fatalf("after the dead holder's lock expired: Take = %v, %v; want taken", taken, err)
	}
	release()
}
