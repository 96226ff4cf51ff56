package compliance

import (
	"context"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/store/sqlite"
)

// countingLinkedIn is one instance's view of the shared fake LinkedIn: it
// counts the event pages this instance fetches.
type countingLinkedIn struct {
	*fakeLinkedIn
	pages atomic.Int64
}

func (c *countingLinkedIn) ComplianceEvents(ctx context.Context, token string, start time.Time, count int) ([]linkedin.ComplianceEvent, error) {
	c.pages.Add(1)
	return c.fakeLinkedIn.ComplianceEvents(ctx, token, start, count)
}

// archiver is one snapbridge process's archiver: its own connection to
// the shared database and its own lease owner; LinkedIn and the clock are
// shared.
type archiver struct {
	svc *Service
	li  *countingLinkedIn
}

func newArchivers(t *testing.T, owners ...string) (*env, []*archiver) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "snapbridge.db")
	c := &clock{now: testNow}
	shared := &fakeLinkedIn{now: c.Now}
	e := &env{li: shared, members: &fakeMembers{}, clock: c}
	var out []*archiver
	for _, owner := range owners {
		db, err := sqlite.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		li := &countingLinkedIn{fakeLinkedIn: shared}
		svc := New(Config{SyncInterval: time.Hour, StatusInterval: 6 * time.Hour, PageSize: 3, Now: c.Now, Owner: owner},
			db, li, e.members, tenants{"acme": acme})
		out = append(out, &archiver{svc: svc, li: li})
	}
	return e, out
}

func passAll(ctx context.Context, as ...*archiver) {
	var wg sync.WaitGroup
	for _, a := range as {
		wg.Go(func() { a.svc.pass(ctx) })
	}
	wg.Wait()
}

// Two instances' archivers running at once archive a viewer once per
// interval: the one holding the viewer's lease fetches, the other never.
func TestAViewerIsArchivedByOneInstanceAtATime(t *testing.T) {
	ctx := context.Background()
	e, as := newArchivers(t, "instance-a", "instance-b")
	if _, err := as[0].svc.OptIn(ctx, acme, "v1"); err != nil {
		t.Fatal(err)
	}
	e.li.add(testNow.Add(time.Minute), 0, time.Second)
	for range 3 {
		e.clock.advance(time.Hour)
		passAll(ctx, as...)
	}
	pa, pb := as[0].li.pages.Load(), as[1].li.pages.Load()
	if pa+pb != 3 || (pa != 0 && pb != 0) {
		t.Fatalf("instance a fetched %d pages and b %d; want one page per hourly run, 3, all by one instance", pa, pb)
	}
}

// An instance that dies holding a viewer's lease (its archiver stops
// without releasing) delays that viewer by the lease's TTL only: then the
// other instance archives it.
func TestAnotherInstanceArchivesAViewerAfterTheHolderDies(t *testing.T) {
	ctx := context.Background()
	e, as := newArchivers(t, "instance-a", "instance-b")
	a, b := as[0], as[1]
	if _, err := a.svc.OptIn(ctx, acme, "v1"); err != nil {
		t.Fatal(err)
	}
	e.li.add(testNow.Add(time.Minute), 0, time.Second)
	e.clock.advance(time.Hour)
	a.svc.pass(ctx) // a archives first and holds the lease
	if a.li.pages.Load() != 1 {
		t.Fatalf("instance a fetched %d pages, want 1", a.li.pages.Load())
	}
	// a dies here: no more passes, no release. Its lease lasts 3 × 1h.
	diedAt := e.clock.Now()
	for e.clock.Now().Before(diedAt.Add(3 * time.Hour)) {
		b.svc.pass(ctx)
		if b.li.pages.Load() != 0 {
			t.Fatalf("instance b archived %s after a died, before a's lease expired", e.clock.Now().Sub(diedAt))
		}
		e.clock.advance(time.Hour)
	}
	e.li.add(testNow.Add(2*time.Hour), 0)
	b.svc.pass(ctx)
	if b.li.pages.Load() != 1 {
		t.Fatalf("instance b fetched %d pages once a's lease expired, want 1", b.li.pages.Load())
	}
	vs, err := b.svc.Viewers(ctx, "acme")
	if err != nil || len(vs) != 1 || vs[0].LastSync == nil || !vs[0].LastSync.Equal(e.clock.Now()) || vs[0].EventsArchived != 3 {
		t.Fatalf("viewers = %+v, %v; want v1 synced now by instance b with all 3 events", vs, err)
	}
}

// An instance that stops cleanly frees its viewer leases: the other
// instance archives them at the next due time, not after the TTL.
func TestAStoppedInstanceHandsItsViewersOverAtOnce(t *testing.T) {
	ctx := context.Background()
	e, as := newArchivers(t, "instance-a", "instance-b")
	a, b := as[0], as[1]
	if _, err := a.svc.OptIn(ctx, acme, "v1"); err != nil {
		t.Fatal(err)
	}
	e.clock.advance(time.Hour)
	a.svc.pass(ctx) // a holds the viewer's lease
	stopped, stop := context.WithCancel(ctx)
	stop()
	if err := a.svc.Run(stopped); err != nil {
		t.Fatalf("Run = %v", err)
	}
	e.clock.advance(time.Hour)
	b.svc.pass(ctx)
	if a.li.pages.Load() != 1 || b.li.pages.Load() != 1 {
		t.Fatalf("pages: a %d, b %d; want b to archive at the next hourly run after a stopped", a.li.pages.Load(), b.li.pages.Load())
	}
}
