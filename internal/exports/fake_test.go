package exports

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/store/sqlite"
	"github.com/snapbridge/snapbridge/internal/tenant"
	"github.com/snapbridge/snapbridge/internal/tokens"
)

// fakeLinkedIn plays LinkedIn's export endpoints from scripts: each job
// answers the next status of its script on every poll, and stays on the
// last. The real client and stand-in are exercised end to end in
// internal/server; this one lets the tests drive every status and fault.
type fakeLinkedIn struct {
	mu        sync.Mutex
	contracts []linkedin.Contract
	script    []string // statuses a new analytics job goes through
	jobs      map[int64]*fakeJob
	nextID    int64
	createErr error
	pollErr   error
	created   []string // "action contract" per create call
	polls     int
	links     int

	validationScript []string
	validationStarts []time.Time
}

type fakeJob struct {
	contract string
	steps    []string
	at       int
	end      time.Time
}

func newFakeLinkedIn() *fakeLinkedIn {
	return &fakeLinkedIn{
		contracts: []linkedin.Contract{
			{URN: "urn:li:salesContract:1", Name: "Enterprise", HasReportingAccess: true},
			{URN: "urn:li:salesContract:2", Name: "Team", HasReportingAccess: false},
		},
		script: []string{"ENQUEUED", "PROCESSING", "COMPLETED"},
		jobs:   map[int64]*fakeJob{}, nextID: 100,
		validationScript: []string{"PROCESSING", "COMPLETED"},
	}
}

func (f *fakeLinkedIn) SalesContracts(_ context.Context, token string) ([]linkedin.Contract, error) {
	if token != "member-token" {
		return nil, &linkedin.Error{Status: 401, Message: "bad token"}
	}
	return f.contracts, nil
}

func (f *fakeLinkedIn) CreateAnalyticsExport(_ context.Context, token, action, contract string, start, end time.Time) (linkedin.AnalyticsJob, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.createErr != nil {
		return linkedin.AnalyticsJob{}, f.createErr
	}
	f.nextID++
	f.jobs[f.nextID] = &fakeJob{contract: contract, steps: append([]string(nil), f.script...)}
	f.created = append(f.created, action+" "+contract)
	return linkedin.AnalyticsJob{ID: f.nextID, Status: f.script[0]}, nil
}

func (f *fakeLinkedIn) AnalyticsExport(_ context.Context, token string, id int64, contract string) (linkedin.AnalyticsJob, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.polls++
	if f.pollErr != nil {
		return linkedin.AnalyticsJob{}, f.pollErr
	}
	j, ok := f.jobs[id]
	if !ok || j.contract != contract {
		return linkedin.AnalyticsJob{}, &linkedin.Error{Status: 404, Message: "no such job"}
	}
	if j.at < len(j.steps)-1 {
		j.at++
	}
	out := linkedin.AnalyticsJob{ID: id, Status: j.steps[j.at]}
	if out.Status == "COMPLETED" {
		f.links++
		out.DownloadURL = fmt.Sprintf("https://files.example/%d.csv?sig=%d", id, f.links)
		out.ExpireAt = testNow.Add(time.Duration(f.links) * time.Hour)
		out.RowCount = 42
	}
	return out, nil
}

func (f *fakeLinkedIn) CreateValidationExport(_ context.Context, token, urn string, start time.Time) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if token != "app-token" || urn != linkedin.CRMInstanceURN("DYNAMICS", "acme.crm.dynamics.com") {
		return 0, &linkedin.Error{Status: 400, Message: "bad instance"}
	}
	f.nextID++
	f.jobs[f.nextID] = &fakeJob{contract: urn, steps: append([]string(nil), f.validationScript...), end: start.Add(24 * time.Hour)}
	f.validationStarts = append(f.validationStarts, start)
	return f.nextID, nil
}

func (f *fakeLinkedIn) ValidationExport(_ context.Context, token, urn string, id int64) (linkedin.ValidationJob, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	j, ok := f.jobs[id]
	if !ok || j.contract != urn {
		return linkedin.ValidationJob{}, &linkedin.Error{Status: 404, Message: "no such job"}
	}
	if j.at < len(j.steps)-1 {
		j.at++
	}
	out := linkedin.ValidationJob{ID: id, Status: j.steps[j.at]}
	if out.Status == "COMPLETED" {
		out.ExportEndAt, out.NextExportStartAt = j.end, j.end
		out.DownloadURLs = []string{fmt.Sprintf("https://files.example/v%d-1.csv", id), fmt.Sprintf("https://files.example/v%d-2.csv", id)}
		out.ExpireAt = testNow.Add(time.Hour)
	}
	return out, nil
}

// fakeMembers gives "member-token" to connected viewers.
type fakeMembers struct {
	mu   sync.Mutex
	errs map[string]error // viewer -> error
}

func (m *fakeMembers) AccessTokenWithScope(_ context.Context, _ *tenant.Tenant, viewer, scope string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.errs[viewer]; err != nil {
		return "", err
	}
	if scope != linkedin.ScopeAnalytics {
		return "", fmt.Errorf("asked for scope %s", scope)
	}
	return "member-token", nil
}

func (m *fakeMembers) set(viewer string, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.errs[viewer] = err
}

type fakeApps struct{}

func (fakeApps) Get(_ context.Context, _ *tenant.Tenant, scope string) (string, error) {
	if scope != linkedin.ScopeValidation {
		return "", fmt.Errorf("asked for scope %s", scope)
	}
	return "app-token", nil
}

type tenants map[string]*tenant.Tenant

func (ts tenants) Get(id string) (*tenant.Tenant, bool) { t, ok := ts[id]; return t, ok }

var (
	testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	acme    = &tenant.Tenant{ID: "acme", CRM: tenant.CRM{Type: "DYNAMICS", InstanceID: "acme.crm.dynamics.com"}}
)

// clock is a settable time source.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *clock) advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// env is a service over a real SQLite database and fake LinkedIn.
type env struct {
	db      *sqlite.DB
	path    string
	li      *fakeLinkedIn
	members *fakeMembers
	clock   *clock
	svc     *Service
}

func newEnv(t *testing.T) *env {
	t.Helper()
	path := filepath.Join(t.TempDir(), "snapbridge.db")
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e := &env{db: db, path: path, li: newFakeLinkedIn(), members: &fakeMembers{errs: map[string]error{}}, clock: &clock{now: testNow}}
	e.svc = e.service()
	return e
}

// service builds a service over e's database, as a restarted server would.
func (e *env) service() *Service {
	return New(Config{FirstPoll: time.Second, MaxPoll: 8 * time.Second, Now: e.clock.Now}, e.db, e.li, e.members, fakeApps{}, tenants{"acme": acme})
}

// pollUntil ticks the service, moving the clock to each next due time,
// until cond holds or n ticks passed.
func (e *env) pollUntil(t *testing.T, n int, cond func() bool) {
	t.Helper()
	for range n {
		if cond() {
			return
		}
		next := e.svc.tick(context.Background())
		if next.IsZero() {
			break
		}
		if d := next.Sub(e.clock.Now()); d > 0 {
			e.clock.advance(d)
		}
	}
	if !cond() {
		t.Fatalf("condition not reached after %d ticks", n)
	}
}

var errGone = fmt.Errorf("viewer left: %w", tokens.ErrNotConnected)
