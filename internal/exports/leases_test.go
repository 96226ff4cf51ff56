package exports

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/store"
	"github.com/snapbridge/snapbridge/internal/store/sqlite"
)

// countingLinkedIn is one instance's view of the shared fake LinkedIn: it
// counts the polls this instance makes.
type countingLinkedIn struct {
	*fakeLinkedIn
	polls atomic.Int64
}

func (c *countingLinkedIn) AnalyticsExport(ctx context.Context, token string, id int64, contract string) (linkedin.AnalyticsJob, error) {
	c.polls.Add(1)
	return c.fakeLinkedIn.AnalyticsExport(ctx, token, id, contract)
}

// instance is one snapbridge process of a cluster: its own connection to
// the shared database, its own lease owner, the shared LinkedIn and clock.
type instance struct {
	svc *Service
	li  *countingLinkedIn
}

const clusterMaxPoll = 8 * time.Second

func newInstance(t *testing.T, e *env, owner string) *instance {
	t.Helper()
	db, err := sqlite.Open(e.path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	li := &countingLinkedIn{fakeLinkedIn: e.li}
	svc := New(Config{FirstPoll: time.Second, MaxPoll: clusterMaxPoll, Now: e.clock.Now, Owner: owner},
		db, li, e.members, fakeApps{}, tenants{"acme": acme})
	return &instance{svc: svc, li: li}
}

// tickAll ticks every instance at once and returns the earliest next due
// time any of them reported.
func tickAll(instances ...*instance) time.Time {
	var wg sync.WaitGroup
	nexts := make([]time.Time, len(instances))
	for i, in := range instances {
		wg.Go(func() { nexts[i] = in.svc.tick(context.Background()) })
	}
	wg.Wait()
	var next time.Time
	for _, n := range nexts {
		if !n.IsZero() && (next.IsZero() || n.Before(next)) {
			next = n
		}
	}
	return next
}

// Two instances following the same job poll it one at a time: the one
// holding its lease makes every poll, the other none, and LinkedIn is
// asked no more often than by a single instance.
func TestAJobIsPolledByOneInstanceAtATime(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	a, b := newInstance(t, e, "instance-a"), newInstance(t, e, "instance-b")
	j, err := a.svc.CreateAnalytics(ctx, acme, "v1", "viewer:v1", request("urn:li:salesContract:1", "seat", testNow.Add(-time.Hour), testNow))
	if err != nil || j.Status != store.JobRunning {
		t.Fatalf("CreateAnalytics = %s, %v; want running", j.Status, err)
	}
	for range 20 {
		if cur, _ := a.svc.Analytics(ctx, "acme", j.ID); cur.Status == store.JobCompleted {
			break
		}
		next := tickAll(a, b)
		if d := next.Sub(e.clock.Now()); d > 0 {
			e.clock.advance(d)
		}
	}
	if cur, _ := a.svc.Analytics(ctx, "acme", j.ID); cur.Status != store.JobCompleted {
		t.Fatalf("job = %s, want completed", cur.Status)
	}
	// The script is ENQUEUED (at creation), PROCESSING, COMPLETED: two polls.
	pa, pb := a.li.polls.Load(), b.li.polls.Load()
	if pa+pb != 2 || (pa != 0 && pb != 0) {
		t.Fatalf("instance a polled %d times and b %d times; want 2 polls, all by one instance", pa, pb)
	}
}

// An instance that dies while following a job (its poller stops without
// releasing the lease) holds the job up for the lease's TTL only: the
// other instance leaves it alone until then, without spinning, and then
// follows it to the end.
func TestAnotherInstanceTakesOverAJobAfterTheHolderDies(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.li.script = []string{"ENQUEUED", "PROCESSING", "PROCESSING", "COMPLETED"}
	a, b := newInstance(t, e, "instance-a"), newInstance(t, e, "instance-b")
	j, err := a.svc.CreateAnalytics(ctx, acme, "v1", "viewer:v1", request("urn:li:salesContract:1", "seat", testNow.Add(-time.Hour), testNow))
	if err != nil {
		t.Fatal(err)
	}
	e.clock.advance(time.Second)
	a.svc.tick(ctx) // a polls first and holds the job's lease
	if a.li.polls.Load() != 1 {
		t.Fatalf("instance a polled %d times, want 1", a.li.polls.Load())
	}
	// a dies here: it never ticks again and never releases its lease.
	diedAt := e.clock.Now()
	ttl := 3 * clusterMaxPoll
	for e.clock.Now().Before(diedAt.Add(ttl)) {
		next := b.svc.tick(ctx)
		if next.IsZero() {
			next = e.clock.Now().Add(clusterMaxPoll) // what Run waits when nothing is due
		}
		if b.li.polls.Load() != 0 {
			t.Fatalf("instance b polled at %s, %s after a died, before its lease (%s) expired",
				e.clock.Now().Format(time.TimeOnly), e.clock.Now().Sub(diedAt), ttl)
		}
		if !next.After(e.clock.Now()) {
			t.Fatalf("instance b asked to tick again at %s, not after now (%s): it would spin on a job it cannot take", next, e.clock.Now())
		}
		e.clock.advance(min(next.Sub(e.clock.Now()), diedAt.Add(ttl).Sub(e.clock.Now())))
	}
	for range 20 {
		if cur, _ := b.svc.Analytics(ctx, "acme", j.ID); cur.Status == store.JobCompleted {
			break
		}
		next := b.svc.tick(ctx)
		if d := next.Sub(e.clock.Now()); d > 0 {
			e.clock.advance(d)
		}
	}
	if cur, _ := b.svc.Analytics(ctx, "acme", j.ID); cur.Status != store.JobCompleted {
		t.Fatalf("job = %s %q, want completed by instance b", cur.Status, cur.Message)
	}
	if a.li.polls.Load() != 1 || b.li.polls.Load() != 2 {
		t.Fatalf("polls: a %d, b %d; want a's 1 before it died and b's 2 after", a.li.polls.Load(), b.li.polls.Load())
	}
}

// Exports of the same contract and action asked for on two instances at
// once reach LinkedIn one at a time: exactly one is sent, the rest wait.
func TestTwoInstancesNeverBothSubmitForOneContractAndAction(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	instances := []*instance{newInstance(t, e, "instance-a"), newInstance(t, e, "instance-b")}
	const requests = 12
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range requests {
		wg.Go(func() {
			<-start
			from := testNow.Add(-time.Duration(i+1) * time.Hour)
			if _, err := instances[i%2].svc.CreateAnalytics(ctx, acme, "v1", "viewer:v1", request("urn:li:salesContract:1", "seat", from, testNow)); err != nil {
				t.Errorf("CreateAnalytics: %v", err)
			}
		})
	}
	close(start)
	wg.Wait()
	// The instances' pollers catch up with anything a refused lease left.
	tickAll(instances...)
	e.li.mu.Lock()
	created := len(e.li.created)
	e.li.mu.Unlock()
	if created != 1 {
		t.Fatalf("LinkedIn got %d exports for one contract and action, want 1", created)
	}
	jobs, err := e.db.AnalyticsExports(ctx, "acme", 100)
	if err != nil {
		t.Fatal(err)
	}
	running := 0
	for _, j := range jobs {
		if j.Status == store.JobRunning {
			running++
		}
	}
	if len(jobs) != requests || running != 1 {
		t.Fatalf("%d jobs, %d running; want %d jobs, 1 running", len(jobs), running, requests)
	}
}

// An instance that stops cleanly (its poller's context ends) frees its
// leases: the other instance follows its jobs at the next due poll
// instead of after the lease TTL.
func TestAStoppedInstanceHandsItsJobsOverAtOnce(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	a, b := newInstance(t, e, "instance-a"), newInstance(t, e, "instance-b")
	if _, err := a.svc.CreateAnalytics(ctx, acme, "v1", "viewer:v1", request("urn:li:salesContract:1", "seat", testNow.Add(-time.Hour), testNow)); err != nil {
		t.Fatal(err)
	}
	e.clock.advance(time.Second)
	a.svc.tick(ctx) // a holds the job's lease
	stopped, stop := context.WithCancel(ctx)
	stop()
	if err := a.svc.Run(stopped); err != nil {
		t.Fatalf("Run = %v", err)
	}
	next := b.svc.tick(ctx)
	e.clock.advance(next.Sub(e.clock.Now()))
	b.svc.tick(ctx)
	if a.li.polls.Load() != 1 || b.li.polls.Load() != 1 {
		t.Fatalf("polls: a %d, b %d; want b to poll at the first due time after a stopped", a.li.polls.Load(), b.li.polls.Load())
	}
}
