package metrics_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/metrics"
	"github.com/snapbridge/snapbridge/internal/store"
	"github.com/snapbridge/snapbridge/internal/store/sqlite"
	"github.com/snapbridge/snapbridge/internal/tenant"
)

// series returns every series of the metric family name as
// "label=value,…" (sorted) → value.
func series(t *testing.T, m *metrics.Registry, name string) map[string]float64 {
	t.Helper()
	fams, err := m.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
		for _, s := range f.GetMetric() {
			var labels []string
			for _, p := range s.GetLabel() {
				labels = append(labels, p.GetName()+"="+p.GetValue())
			}
			sort.Strings(labels)
			v := s.GetCounter().GetValue() + s.GetGauge().GetValue()
			out[strings.Join(labels, ",")] += v
		}
	}
	return out
}

// A deployment with many tenants keeps a bounded number of series: past
// MaxTenants, tenants share the label value _other.
func TestTenantLabelsStopAtTheBound(t *testing.T) {
	m := metrics.New(metrics.Options{MaxTenants: 2})
	for _, id := range []string{"acme", "globex", "initech", "umbrella", "acme"} {
		m.ForcedLookups(id, 1)
		m.SessionIssued(id)
	}
	want := map[string]float64{"tenant=acme": 2, "tenant=globex": 1, "tenant=" + metrics.OtherTenant: 2}
	for _, name := range []string{"snapbridge_association_forced_lookups_total", "snapbridge_widget_sessions_issued_total"} {
		got := series(t, m, name)
		if len(got) != len(want) {
			t.Errorf("%s: %v, want %v", name, got, want)
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s{%s} = %v, want %v", name, k, got[k], v)
			}
		}
	}
}

// LinkedIn calls are counted by endpoint, named from the path and never
// from the ids in it, and by outcome class; retries are counted apart.
func TestLinkedInCallsAreCountedByEndpointAndOutcome(t *testing.T) {
	status := map[string]int{
		"/v2/salesAccessTokens":                       200,
		"/v2/salesNavigatorProfileAssociations/(x:1)": 404,
		"/v2/salesNavigatorProfileAssociations":       429,
		"/v2/salesContracts":                          401,
		"/rest/complianceEvents":                      503,
		"/v2/crmDataValidationExportJobs/42":          403,
		"/oauth/v2/accessToken":                       200,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status[r.URL.Path])
	}))
	t.Cleanup(srv.Close)
	m := metrics.New(metrics.Options{})
	client := &http.Client{Transport: m.LinkedInTransport(nil)}
	for path := range status {
		resp, err := client.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	form := strings.NewReader("grant_type=refresh_token&refresh_token=secret-refresh")
	req, _ := http.NewRequest("POST", srv.URL+"/oauth/v2/accessToken", form)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	got := series(t, m, "snapbridge_linkedin_calls_total")
	for _, want := range []string{
		"endpoint=sat,outcome=2xx", "endpoint=association,outcome=404", "endpoint=association_batch,outcome=429",
		"endpoint=contracts,outcome=401", "endpoint=compliance_events,outcome=5xx", "endpoint=export_validation,outcome=403",
		"endpoint=token_other,outcome=2xx", "endpoint=token_refresh,outcome=2xx",
	} {
		if got[want] != 1 {
			t.Errorf("no call counted as %s: %v", want, got)
		}
	}
	for k := range got {
		if strings.ContainsAny(k, "/:") || strings.Contains(k, "secret") {
			t.Errorf("label %q carries an id or a token", k)
		}
	}

	// Through the real client: a 5xx on an idempotent call is retried.
	status["/v2/salesAccessTokens"] = 502
	li := linkedin.New(linkedin.Config{APIBase: srv.URL + "/v2", HTTPClient: &http.Client{Transport: m.LinkedInTransport(nil)}, MaxRetries: 1})
	_, _ = li.SalesAccessToken(context.Background(), "member-token")
	if r := series(t, m, "snapbridge_linkedin_retries_total")["endpoint=sat"]; r != 1 {
		t.Errorf("retries of the SAT call = %v, want 1", r)
	}
}

// The store-backed gauges report what the database holds, for every
// tenant (past the label bound summed under _other), however many
// instances share it, and the health view reads the same figures.
func TestStateCollectorReportsTheDatabase(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	now := time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)
	tenants := &fixedTenants{}
	for _, id := range []string{"acme", "globex", "initech"} {
		tenants.list = append(tenants.list, &tenant.Tenant{ID: id, DailyLookupBudget: 100})
	}
	put := func(tenantID, viewer, status string, expires, refreshExpires time.Time) {
		t.Helper()
		if err := db.PutMemberToken(ctx, store.MemberTokenRow{Tenant: tenantID, Viewer: viewer, KeyID: "k", Sealed: []byte("sealed-" + viewer),
			ExpiresAt: expires, RefreshExpiresAt: refreshExpires, Status: status, UpdatedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	put("acme", "v1", store.StatusConnected, now.Add(time.Hour), time.Time{})
	put("acme", "v2", store.StatusConnected, now.Add(-time.Hour), time.Time{})
	put("acme", "v3", store.StatusConnected, now.Add(-time.Hour), now.Add(24*time.Hour))
	put("acme", "v4", store.StatusRevoked, now.Add(-time.Hour), time.Time{})
	put("globex", "v1", store.StatusConnected, now.Add(time.Hour), time.Time{})
	put("initech", "v1", store.StatusConnected, now.Add(time.Hour), time.Time{})
	if _, _, err := db.ReserveLookups(ctx, "acme", now.Format(store.DayLayout), []string{"r1", "r2", "r3"}, 100); err != nil {
		t.Fatal(err)
	}
	for _, v := range []store.ComplianceViewer{
		{Tenant: "acme", Viewer: "v1", Status: store.ComplianceOptedIn, OptedInAt: now.Add(-48 * time.Hour), Cursor: now.Add(-26 * time.Hour), LastSyncAt: now.Add(-time.Minute)},
		{Tenant: "acme", Viewer: "v3", Status: store.ComplianceOptedIn, OptedInAt: now.Add(-48 * time.Hour), Cursor: now.Add(-2 * time.Hour), LastSyncAt: now.Add(-3 * time.Minute)},
		{Tenant: "acme", Viewer: "v4", Status: store.ComplianceRevoked, OptedInAt: now.Add(-48 * time.Hour)},
	} {
		if err := db.PutComplianceViewer(ctx, v); err != nil {
			t.Fatal(err)
		}
	}

	m := metrics.New(metrics.Options{MaxTenants: 2})
	m.SessionIssued("acme") // the first two tenants seen keep their label
	m.SessionIssued("globex")
	m.WatchState(metrics.NewStateReader(db, tenants, func() time.Time { return now }), 0)
	tokens := series(t, m, "snapbridge_member_tokens")
	for k, want := range map[string]float64{
		"status=connected,tenant=acme": 2, "status=expired,tenant=acme": 1, "status=revoked,tenant=acme": 1,
		"status=connected,tenant=globex": 1, "status=connected,tenant=" + metrics.OtherTenant: 1,
	} {
		if tokens[k] != want {
			t.Errorf("member_tokens{%s} = %v, want %v (all: %v)", k, tokens[k], want, tokens)
		}
	}
	if _, ok := tokens["status=connected,tenant=initech"]; ok {
		t.Errorf("a tenant past the bound has a label of its own: %v", tokens)
	}
	checks := []struct {
		scenario, name, labels string
		want                   float64
	}{
		{"budget used", "snapbridge_lookup_budget_used", "tenant=acme", 3},
		{"budget limit", "snapbridge_lookup_budget_limit", "tenant=acme", 100},
		{"archive lag: newest archived event", "snapbridge_compliance_archive_lag_seconds", "tenant=acme", (2 * time.Hour).Seconds()},
		{"oldest last sync", "snapbridge_compliance_sync_age_seconds", "tenant=acme", (3 * time.Minute).Seconds()},
		{"gaps", "snapbridge_compliance_gaps", "tenant=acme", 1},
		{"no waiting export", "snapbridge_export_jobs", "kind=analytics,status=waiting", 0},
		{"the store was read", "snapbridge_state_scrape_error", "", 0},
	}
	for _, c := range checks {
		if got, ok := series(t, m, c.name)[c.labels]; !ok || got != c.want {
			t.Errorf("%s: %s{%s} = %v (present %v), want %v", c.scenario, c.name, c.labels, got, ok, c.want)
		}
	}
	st, ok, err := m.TenantState(ctx, "acme")
	if err != nil || !ok || st.MemberTokens[metrics.TokenExpired] != 1 || st.BudgetUsed != 3 || st.ComplianceGaps != 1 {
		t.Errorf("health view state = %+v, %v, %v", st, ok, err)
	}
}

type fixedTenants struct{ list []*tenant.Tenant }

func (f *fixedTenants) All() []*tenant.Tenant { return f.list }

// Store calls are timed by operation, and the leases this instance holds
// are reported by kind, never by name (a name can carry a viewer id).
func TestStoreCallsAndLeasesAreCounted(t *testing.T) {
	ctx := context.Background()
	raw, err := sqlite.Open(filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	m := metrics.New(metrics.Options{})
	db := m.Store(raw)
	t.Cleanup(func() { db.Close() })
	now := time.Now()
	for _, name := range []string{"compliance:acme:viewer-1", "compliance:acme:viewer-2", "export:7"} {
		if ok, err := db.AcquireLease(ctx, name, "me", time.Minute, now); err != nil || !ok {
			t.Fatalf("acquire %s: %v %v", name, ok, err)
		}
	}
	if err := db.ReleaseLease(ctx, "compliance:acme:viewer-1", "me"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.MemberToken(ctx, "acme", "nobody"); err == nil {
		t.Fatal("found a member token that was never stored")
	}
	leases := series(t, m, "snapbridge_leases_held")
	if leases["kind=compliance"] != 1 || leases["kind=export"] != 1 || len(leases) != 2 {
		t.Errorf("leases held = %v, want compliance 1, export 1", leases)
	}
	fams, _ := m.Gatherer().Gather()
	var timed bool
	for _, f := range fams {
		if f.GetName() == "snapbridge_store_call_duration_seconds" {
			for _, s := range f.GetMetric() {
				if s.GetLabel()[0].GetValue() == "AcquireLease" && s.GetHistogram().GetSampleCount() == 3 {
					timed = true
				}
			}
		}
	}
	if !timed {
		t.Error("the three AcquireLease calls were not timed")
	}
	if errs := series(t, m, "snapbridge_store_errors_total"); len(errs) != 0 {
		t.Errorf("a not-found answer counted as a store error: %v", errs)
	}
}

// metricName finds snapbridge metric names in PromQL.
var metricName = regexp.MustCompile(`\bsnapbridge_[a-z_]+`)

// The dashboard and the alert rules query only metrics snapbridge
// exports: a renamed metric would leave an empty panel or an alert that
// can never fire.
func TestDashboardAndAlertsNameExistingMetrics(t *testing.T) {
	m := metrics.New(metrics.Options{})
	m.WatchState(metrics.NewStateReader(nil, &fixedTenants{}, nil), 0)
	known := map[string]bool{}
	for _, n := range m.Names() {
		known[n] = true
	}
	if !known["snapbridge_member_tokens"] || !known["snapbridge_http_requests_total"] {
		t.Fatalf("Names() = %v, lacks the basics", m.Names())
	}
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	raw, err := os.ReadFile("../../deploy/grafana/snapbridge.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("deploy/grafana/snapbridge.json: %v", err)
	}
	exprs := map[string]string{}
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			exprs["dashboard panel "+p.Title] += tg.Expr + "\n"
		}
	}
	rules, err := os.ReadFile("../../deploy/prometheus/alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	exprs["deploy/prometheus/alerts.yml"] = string(rules)
	if len(exprs) < 10 {
		t.Fatalf("only %d dashboard panels with queries", len(exprs)-1)
	}
	for where, e := range exprs {
		for _, name := range metricName.FindAllString(e, -1) {
			base := name
			for _, suffix := range []string{"_bucket", "_sum", "_count"} {
				if b, ok := strings.CutSuffix(name, suffix); ok && known[b] {
					base = b
				}
			}
			if !known[base] {
				t.Errorf("%s queries %s, which snapbridge does not export", where, name)
			}
		}
	}
}
