package assoc_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/assoc"
	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/store/sqlite"
	"github.com/snapbridge/snapbridge/internal/tenant"
)

// countingLinkedIn stands in for the LinkedIn client (built in parallel by
// another package) and counts the calls the resolver makes.
type countingLinkedIn struct {
	// callErr, when set, fails a whole call; n counts calls from 1.
	callErr func(n int, token string) error
	// record answers one record; nil answers a match with a photo. A
	// non-nil error must be a *linkedin.Error.
	record func(key linkedin.AssociationKey) (linkedin.ProfileAssociation, error)
	// gate, when set, holds every call until it is closed or the call's
	// context ends, which fails it as a timeout would.
	gate chan struct{}

	mu          sync.Mutex
	singles     int
	batches     []int // size of each batch call
	inFlight    int
	maxInFlight int
	keys        []linkedin.AssociationKey
}

func match(recordID string) linkedin.ProfileAssociation {
	return linkedin.ProfileAssociation{
		Member:       "urn:li:person:" + recordID,
		Profile:      "https://www.linkedin.com/sales/people/" + recordID,
		ProfilePhoto: "https://media.example/" + recordID + ".jpg",
	}
}

func (f *countingLinkedIn) begin(ctx context.Context) (end func(), err error) {
	f.mu.Lock()
	f.inFlight++
	f.maxInFlight = max(f.maxInFlight, f.inFlight)
	f.mu.Unlock()
	end = func() {
		f.mu.Lock()
		f.inFlight--
		f.mu.Unlock()
	}
	if f.gate != nil {
		select {
		case <-f.gate:
		case <-ctx.Done():
			return end, &linkedin.Error{Err: ctx.Err()}
		}
	}
	return end, nil
}

func (f *countingLinkedIn) answer(key linkedin.AssociationKey) (linkedin.ProfileAssociation, error) {
	if f.record == nil {
		return match(key.RecordID), nil
	}
	return f.record(key)
}

func (f *countingLinkedIn) ProfileAssociation(ctx context.Context, token string, key linkedin.AssociationKey) (linkedin.ProfileAssociation, error) {
	f.mu.Lock()
	f.singles++
	n := f.singles + len(f.batches)
	f.keys = append(f.keys, key)
	f.mu.Unlock()
	end, err := f.begin(ctx)
	defer end()
	if err != nil {
		return linkedin.ProfileAssociation{}, err
	}
	if f.callErr != nil {
		if err := f.callErr(n, token); err != nil {
			return linkedin.ProfileAssociation{}, err
		}
	}
	return f.answer(key)
}

func (f *countingLinkedIn) ProfileAssociations(ctx context.Context, token string, keys []linkedin.AssociationKey) (linkedin.BatchAssociations, error) {
	f.mu.Lock()
	f.batches = append(f.batches, len(keys))
	n := f.singles + len(f.batches)
	f.keys = append(f.keys, keys...)
	f.mu.Unlock()
	end, err := f.begin(ctx)
	defer end()
	if err != nil {
		return linkedin.BatchAssociations{}, err
	}
	if f.callErr != nil {
		if err := f.callErr(n, token); err != nil {
			return linkedin.BatchAssociations{}, err
		}
	}
	out := linkedin.BatchAssociations{
		Results: map[linkedin.AssociationKey]linkedin.ProfileAssociation{},
		Errors:  map[linkedin.AssociationKey]*linkedin.Error{},
	}
	for _, k := range keys {
		pa, err := f.answer(k)
		if err != nil {
			le, _ := linkedin.AsError(err)
			out.Errors[k] = le
			continue
		}
		out.Results[k] = pa
	}
	return out, nil
}

// calls returns the number of single and batch calls made so far.
func (f *countingLinkedIn) calls() (singles, batches int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.singles, len(f.batches)
}

func (f *countingLinkedIn) total() int {
	s, b := f.calls()
	return s + b
}

// appTokens hands out app-token-<generation>; Invalidate moves to the next
// generation, as a real token cache fetching a new token would.
type appTokens struct {
	mu            sync.Mutex
	generation    int
	gets          int
	invalidations int
}

func (a *appTokens) Get(ctx context.Context, t *tenant.Tenant, scope string) (string, error) {
	if scope != linkedin.ScopeProfiles {
		return "", fmt.Errorf("unexpected scope %q", scope)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.gets++
	return fmt.Sprintf("app-token-%d", a.generation), nil
}

func (a *appTokens) Invalidate(tenantID, scope string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.invalidations++
	a.generation++
}

// clock is a settable time source for cache lifetimes, days and back-off.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

var start = time.Date(2026, 3, 14, 10, 0, 0, 0, time.UTC)

func acme(budget int) *tenant.Tenant {
	return &tenant.Tenant{
		ID:                "acme",
		CRM:               tenant.CRM{Partner: "MS", InstanceID: "acme.crm.dynamics.com"},
		Cache:             tenant.CachePolicy{Matched: 6 * time.Hour, NoMatch: 15 * time.Minute},
		DailyLookupBudget: budget,
	}
}

// rig is a resolver over a real SQLite store, a counting LinkedIn, app
// tokens and a settable clock.
type rig struct {
	resolver *assoc.Resolver
	li       *countingLinkedIn
	apps     *appTokens
	db       *sqlite.DB
	clock    *clock
}

func newRig(t testing.TB, cfg assoc.Config, li *countingLinkedIn) *rig {
	t.Helper()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "snapbridge.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if li == nil {
		li = &countingLinkedIn{}
	}
	c := &clock{now: start}
	apps := &appTokens{}
	return &rig{
		resolver: assoc.NewResolver(cfg, li, apps, db, c.Now),
		li:       li, apps: apps, db: db, clock: c,
	}
}

func failure(status, code int) error {
	return &linkedin.Error{Status: status, ServiceErrorCode: code, Message: fmt.Sprintf("status %d", status)}
}
