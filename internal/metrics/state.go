package metrics

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/snapbridge/snapbridge/internal/store"
	"github.com/snapbridge/snapbridge/internal/tenant"
)

// Member token states, the status label of snapbridge_member_tokens.
const (
	TokenConnected         = "connected"
	TokenExpired           = "expired"
	TokenRevoked           = "revoked"
	TokenReconnectRequired = "reconnect_required"
)

// StateStore is what the state collector reads; every store.Store
// satisfies it.
type StateStore interface {
	MemberTokens(ctx context.Context) ([]store.MemberTokenRow, error)
	AnalyticsExportsWithStatus(ctx context.Context, status string) ([]store.AnalyticsExport, error)
	ValidationExportsWithStatus(ctx context.Context, status string) ([]store.ValidationExport, error)
	ComplianceViewers(ctx context.Context, tenant string) ([]store.ComplianceViewer, error)
	LookupsUsed(ctx context.Context, tenant, day string) (int, error)
}

// Tenants lists the tenants served; *tenant.Registry satisfies it.
type Tenants interface {
	All() []*tenant.Tenant
}

// TenantState is one tenant's state in the database, as the collector and
// the console's health view read it.
type TenantState struct {
	// MemberTokens counts the tenant's member authorizations by state:
	// connected, expired (connected, but the access token is past its
	// expiry and no refresh token is known to be valid), revoked and
	// reconnect_required.
	MemberTokens map[string]int `json:"memberTokens"`
	// BudgetUsed and BudgetLimit are today's (UTC) look-up budget.
	BudgetUsed  int `json:"budgetUsed"`
	BudgetLimit int `json:"budgetLimit"`
	// ComplianceViewers counts opted-in viewers; ComplianceGaps those whose
	// authorization LinkedIn no longer lists (revoked: the archive has a
	// gap).
	ComplianceViewers int `json:"complianceViewers"`
	ComplianceGaps    int `json:"complianceGaps"`
	// ComplianceLagSeconds is now minus the newest archived event of the
	// tenant's opted-in viewers (since the first opt-in when none is
	// archived yet); 0 when no viewer is opted in.
	ComplianceLagSeconds float64 `json:"complianceLagSeconds"`
	// ComplianceSyncAgeSeconds is now minus the oldest last successful
	// sync of an opted-in viewer (since its opt-in when it never synced).
	ComplianceSyncAgeSeconds float64 `json:"complianceSyncAgeSeconds"`
}

// ExportState counts one kind's export jobs of one status.
type ExportState struct {
	// Kind is "analytics" or "validation"; Status a store.Job* constant.
	Kind, Status string
	// Jobs is how many there are; OldestAgeSeconds is the age of the
	// oldest waiting or running one (since it was created), 0 when there
	// is none and for finished statuses.
	Jobs             int
	OldestAgeSeconds float64
}

// State is everything the collector reads from the database at once.
type State struct {
	// Tenants by tenant id.
	Tenants map[string]*TenantState
	// Exports by kind and status.
	Exports []ExportState
}

// StateReader reads the store-backed gauges. It is what the Prometheus
// collector and the console's health view share, so both show the same,
// cluster-wide figures.
type StateReader struct {
	db      StateStore
	tenants Tenants
	now     func() time.Time
}

// NewStateReader returns a reader of db for the tenants; now is the clock
// (nil: time.Now).
func NewStateReader(db StateStore, tenants Tenants, now func() time.Time) *StateReader {
	if now == nil {
		now = time.Now
	}
	return &StateReader{db: db, tenants: tenants, now: now}
}

// Tenant reads one tenant's state.
func (r *StateReader) Tenant(ctx context.Context, tenantID string) (TenantState, error) {
	st, err := r.read(ctx, tenantID, false)
	if err != nil {
		return TenantState{}, err
	}
	if ts := st.Tenants[tenantID]; ts != nil {
		return *ts, nil
	}
	return TenantState{MemberTokens: map[string]int{}}, nil
}

// Read reads every tenant's state and the export jobs.
func (r *StateReader) Read(ctx context.Context) (State, error) {
	return r.read(ctx, "", true)
}

func (r *StateReader) read(ctx context.Context, only string, exports bool) (State, error) {
	now := r.now()
	st := State{Tenants: map[string]*TenantState{}}
	of := func(id string) *TenantState {
		ts := st.Tenants[id]
		if ts == nil {
			ts = &TenantState{MemberTokens: map[string]int{}}
			st.Tenants[id] = ts
		}
		return ts
	}
	day := now.UTC().Format(store.DayLayout)
	for _, t := range r.tenants.All() {
		if only != "" && t.ID != only {
			continue
		}
		used, err := r.db.LookupsUsed(ctx, t.ID, day)
		if err != nil {
			return State{}, fmt.Errorf("budget of %s: %w", t.ID, err)
		}
		ts := of(t.ID)
		ts.BudgetUsed, ts.BudgetLimit = used, t.DailyLookupBudget
	}
	rows, err := r.db.MemberTokens(ctx)
	if err != nil {
		return State{}, fmt.Errorf("member tokens: %w", err)
	}
	for _, row := range rows {
		if only != "" && row.Tenant != only {
			continue
		}
		of(row.Tenant).MemberTokens[tokenState(row, now)]++
	}
	viewers, err := r.db.ComplianceViewers(ctx, only)
	if err != nil {
		return State{}, fmt.Errorf("compliance viewers: %w", err)
	}
	newest := map[string]time.Time{}
	for _, v := range viewers {
		ts := of(v.Tenant)
		switch v.Status {
		case store.ComplianceRevoked:
			ts.ComplianceGaps++
		case store.ComplianceOptedIn:
			ts.ComplianceViewers++
			last := v.Cursor
			if last.IsZero() {
				last = v.OptedInAt
			}
			if last.After(newest[v.Tenant]) {
				newest[v.Tenant] = last
			}
			synced := v.LastSyncAt
			if synced.IsZero() {
				synced = v.OptedInAt
			}
			if age := now.Sub(synced).Seconds(); age > ts.ComplianceSyncAgeSeconds {
				ts.ComplianceSyncAgeSeconds = age
			}
		}
	}
	for id, at := range newest {
		if !at.IsZero() {
			st.Tenants[id].ComplianceLagSeconds = max(0, now.Sub(at).Seconds())
		}
	}
	if !exports {
		return st, nil
	}
	for _, status := range []string{store.JobWaiting, store.JobRunning, store.JobCompleted, store.JobFailed} {
		jobs, err := r.db.AnalyticsExportsWithStatus(ctx, status)
		if err != nil {
			return State{}, fmt.Errorf("analytics exports: %w", err)
		}
		e := ExportState{Kind: "analytics", Status: status, Jobs: len(jobs)}
		active := status == store.JobWaiting || status == store.JobRunning
		for _, j := range jobs {
			if !active {
				break
			}
			e.OldestAgeSeconds = max(e.OldestAgeSeconds, now.Sub(j.CreatedAt).Seconds())
		}
		st.Exports = append(st.Exports, e)
		vjobs, err := r.db.ValidationExportsWithStatus(ctx, status)
		if err != nil {
			return State{}, fmt.Errorf("validation exports: %w", err)
		}
		e = ExportState{Kind: "validation", Status: status, Jobs: len(vjobs)}
		for _, j := range vjobs {
			if !active {
				break
			}
			e.OldestAgeSeconds = max(e.OldestAgeSeconds, now.Sub(j.CreatedAt).Seconds())
		}
		st.Exports = append(st.Exports, e)
	}
	return st, nil
}

// tokenState is a member token row's state label.
func tokenState(row store.MemberTokenRow, now time.Time) string {
	switch row.Status {
	case store.StatusRevoked:
		return TokenRevoked
	case store.StatusReconnectRequired:
		return TokenReconnectRequired
	}
	refreshable := !row.RefreshExpiresAt.IsZero() && row.RefreshExpiresAt.After(now)
	if !row.ExpiresAt.IsZero() && !row.ExpiresAt.After(now) && !refreshable {
		return TokenExpired
	}
	return TokenConnected
}

// WatchState registers a collector that reads r at every scrape and
// reports the store-backed gauges, so each instance reports the
// cluster-wide truth (aggregate with max by (tenant), never sum). A read
// is bounded by timeout (default 5s); a failed read reports only
// snapbridge_state_scrape_error 1.
func (m *Registry) WatchState(r *StateReader, timeout time.Duration) {
	if m == nil || r == nil {
		return
	}
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	m.state = r
	m.reg.MustRegister(&stateCollector{m: m, r: r, timeout: timeout})
	for _, d := range stateDescs {
		m.names = append(m.names, descName(d))
	}
}

// TenantState reads one tenant's store-backed state with the collector's
// code (for the console's health view); ok is false when no state reader
// is watched.
func (m *Registry) TenantState(ctx context.Context, tenantID string) (ts TenantState, ok bool, err error) {
	if m == nil || m.state == nil {
		return TenantState{}, false, nil
	}
	ts, err = m.state.Tenant(ctx, tenantID)
	return ts, err == nil, err
}

var (
	descMemberTokens = prometheus.NewDesc(Namespace+"_member_tokens", "Member authorizations in the database, by tenant and status (connected, expired, revoked, reconnect_required). Cluster-wide: use max by (tenant, status).", []string{"tenant", "status"}, nil)
	descBudgetUsed   = prometheus.NewDesc(Namespace+"_lookup_budget_used", "Association look-ups counted against today's (UTC) daily budget, by tenant. Cluster-wide: use max by (tenant).", []string{"tenant"}, nil)
	descBudgetLimit  = prometheus.NewDesc(Namespace+"_lookup_budget_limit", "The tenant's daily association look-up budget. Cluster-wide: use max by (tenant).", []string{"tenant"}, nil)
	descCompLag      = prometheus.NewDesc(Namespace+"_compliance_archive_lag_seconds", "Now minus the newest archived compliance event of the tenant's opted-in viewers. Cluster-wide: use max by (tenant).", []string{"tenant"}, nil)
	descCompSync     = prometheus.NewDesc(Namespace+"_compliance_sync_age_seconds", "Now minus the oldest last successful archiving run of an opted-in viewer of the tenant. Cluster-wide: use max by (tenant).", []string{"tenant"}, nil)
	descCompViewers  = prometheus.NewDesc(Namespace+"_compliance_viewers", "Opted-in compliance viewers, by tenant. Cluster-wide: use max by (tenant).", []string{"tenant"}, nil)
	descCompGaps     = prometheus.NewDesc(Namespace+"_compliance_gaps", "Viewers whose compliance archive has a gap (LinkedIn no longer lists the authorization), by tenant. Cluster-wide: use max by (tenant).", []string{"tenant"}, nil)
	descExportJobs   = prometheus.NewDesc(Namespace+"_export_jobs", "Export jobs in the database, by kind (analytics, validation) and status. Cluster-wide: use max by (kind, status).", []string{"kind", "status"}, nil)
	descExportAge    = prometheus.NewDesc(Namespace+"_export_oldest_job_age_seconds", "Age of the oldest waiting or running export job of a kind (since it was created; 0 for finished statuses). Cluster-wide: use max by (kind, status).", []string{"kind", "status"}, nil)
)

type stateCollector struct {
	m       *Registry
	r       *StateReader
	timeout time.Duration
}

// stateDescs are the store-backed gauges.
var stateDescs = []*prometheus.Desc{descMemberTokens, descBudgetUsed, descBudgetLimit, descCompLag, descCompSync,
	descCompViewers, descCompGaps, descExportJobs, descExportAge}

// descName is a Desc's fully-qualified name.
func descName(d *prometheus.Desc) string {
	s := d.String() // Desc{fqName: "name", …}
	_, rest, _ := strings.Cut(s, `fqName: "`)
	name, _, _ := strings.Cut(rest, `"`)
	return name
}

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range stateDescs {
		ch <- d
	}
}

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	st, err := c.r.Read(ctx)
	if err != nil {
		c.m.stateScrapeError.Set(1)
		return
	}
	c.m.stateScrapeError.Set(0)
	// Tenants past the label bound are summed under OtherTenant (their
	// lags: the largest).
	byLabel := map[string]*TenantState{}
	ids := make([]string, 0, len(st.Tenants))
	for id := range st.Tenants {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		ts, label := st.Tenants[id], c.m.Tenant(id)
		agg := byLabel[label]
		if agg == nil {
			byLabel[label] = ts
			continue
		}
		for k, v := range ts.MemberTokens {
			agg.MemberTokens[k] += v
		}
		agg.BudgetUsed += ts.BudgetUsed
		agg.BudgetLimit += ts.BudgetLimit
		agg.ComplianceViewers += ts.ComplianceViewers
		agg.ComplianceGaps += ts.ComplianceGaps
		agg.ComplianceLagSeconds = max(agg.ComplianceLagSeconds, ts.ComplianceLagSeconds)
		agg.ComplianceSyncAgeSeconds = max(agg.ComplianceSyncAgeSeconds, ts.ComplianceSyncAgeSeconds)
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	for label, ts := range byLabel {
		for _, s := range []string{TokenConnected, TokenExpired, TokenRevoked, TokenReconnectRequired} {
			gauge(descMemberTokens, float64(ts.MemberTokens[s]), label, s)
		}
		gauge(descBudgetUsed, float64(ts.BudgetUsed), label)
		gauge(descBudgetLimit, float64(ts.BudgetLimit), label)
		gauge(descCompViewers, float64(ts.ComplianceViewers), label)
		gauge(descCompGaps, float64(ts.ComplianceGaps), label)
		gauge(descCompLag, ts.ComplianceLagSeconds, label)
		gauge(descCompSync, ts.ComplianceSyncAgeSeconds, label)
	}
	for _, e := range st.Exports {
		gauge(descExportJobs, float64(e.Jobs), e.Kind, e.Status)
		gauge(descExportAge, e.OldestAgeSeconds, e.Kind, e.Status)
	}
}
