package compliance

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/store/sqlite"
	"github.com/snapbridge/snapbridge/internal/tenant"
)

// fakeLinkedIn plays the compliance API for one member: opt-in state and
// a list of events, answered by processedAt with an inclusive startTime
// as LinkedIn pages them. The real client and stand-in are exercised end
// to end in internal/server.
type fakeLinkedIn struct {
	mu        sync.Mutex
	optedIn   bool
	regulated time.Time
	events    []linkedin.ComplianceEvent
	eventsErr error
	pages     int
	starts    []time.Time
	optOuts   int
	now       func() time.Time
}

func (f *fakeLinkedIn) OptInCompliance(context.Context, string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.optedIn {
		f.optedIn, f.regulated = true, f.now()
	}
	return nil
}

func (f *fakeLinkedIn) ComplianceAuthorizations(context.Context, string) ([]linkedin.ComplianceAuthorization, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.optedIn {
		return nil, nil
	}
	return []linkedin.ComplianceAuthorization{{DeveloperApplication: "urn:li:developerApplication:7", Member: "urn:li:person:abc",
		RegulatedAt: f.regulated, Scopes: []string{"SALES_NAV"}}}, nil
}

func (f *fakeLinkedIn) OptOutCompliance(_ context.Context, _ string, a linkedin.ComplianceAuthorization) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if a.Member != "urn:li:person:abc" || a.DeveloperApplication != "urn:li:developerApplication:7" {
		return &linkedin.Error{Status: 404, Message: "no such authorization"}
	}
	f.optedIn = false
	f.optOuts++
	return nil
}

func (f *fakeLinkedIn) ComplianceEvents(_ context.Context, _ string, start time.Time, count int) ([]linkedin.ComplianceEvent, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pages++
	f.starts = append(f.starts, start)
	if f.eventsErr != nil {
		return nil, f.eventsErr
	}
	var out []linkedin.ComplianceEvent
	for _, e := range f.events {
		if !e.ProcessedAt.Before(start) && len(out) < count {
			out = append(out, e)
		}
	}
	return out, nil
}

// add appends events at the given offsets from base; equal offsets share
// a processedAt, as LinkedIn's do.
func (f *fakeLinkedIn) add(base time.Time, offsets ...time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, off := range offsets {
		n := len(f.events) + 1
		id := fmt.Sprintf("urn:li:complianceEvent:%d", n)
		at := base.Add(off).Truncate(time.Millisecond)
		raw, _ := json.Marshal(map[string]any{"id": id, "processedAt": at.UnixMilli(), "resourceName": "salesNavigatorMessages",
			"method": "CREATE", "actor": "urn:li:person:abc", "activity": map[string]any{"subject": fmt.Sprintf("hello %d", n), "body": "a, \"quoted\"\nbody"}})
		f.events = append(f.events, linkedin.ComplianceEvent{ID: id, ProcessedAt: at, ResourceName: "salesNavigatorMessages",
			Method: "CREATE", Actor: "urn:li:person:abc", Raw: raw})
	}
	sort.SliceStable(f.events, func(i, j int) bool { return f.events[i].ProcessedAt.Before(f.events[j].ProcessedAt) })
}

func (f *fakeLinkedIn) set(fn func(f *fakeLinkedIn)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

type fakeMembers struct{ err error }

func (m *fakeMembers) AccessTokenWithScope(_ context.Context, _ *tenant.Tenant, _, scope string) (string, error) {
	if m.err != nil {
		return "", m.err
	}
	if scope != linkedin.ScopeCompliance {
		return "", fmt.Errorf("asked for scope %s", scope)
	}
	return "member-token", nil
}

type tenants map[string]*tenant.Tenant

func (ts tenants) Get(id string) (*tenant.Tenant, bool) { t, ok := ts[id]; return t, ok }

var (
	testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	acme    = &tenant.Tenant{ID: "acme"}
)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *clock) advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

type env struct {
	db      *sqlite.DB
	li      *fakeLinkedIn
	members *fakeMembers
	clock   *clock
	svc     *Service
}

func newEnv(t *testing.T) *env {
	t.Helper()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "snapbridge.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c := &clock{now: testNow}
	e := &env{db: db, li: &fakeLinkedIn{now: c.Now}, members: &fakeMembers{}, clock: c}
	e.svc = New(Config{SyncInterval: time.Hour, StatusInterval: 6 * time.Hour, PageSize: 3, Now: c.Now}, db, e.li, e.members, tenants{"acme": acme})
	return e
}
