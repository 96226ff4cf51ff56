// Package metrics is snapbridge's Prometheus instrumentation: one Registry,
// created by server.New and handed to the parts that count, holds every
// metric snapbridge exports. Nothing here registers with Prometheus's
// default registerer, and there are no package-level metrics, so several
// servers in one process (the tests) each count their own.
//
// Counters and histograms are counted where things happen (HTTP requests,
// LinkedIn calls, caches, sessions, connects, refreshes, store and Redis
// calls). Gauges that are state in the database (member tokens by status,
// export jobs, compliance archive lag, the daily look-up budget) are read
// from the store at scrape time by StateCollector, so every instance
// reports the cluster-wide truth: aggregate them with max by (tenant), not
// sum. Every method is safe on a nil *Registry, which counts nothing.
//
// Labels never carry a raw path, a viewer id, a record id or a token. A
// tenant id is a label only for the first MaxTenants tenants a Registry
// sees; the others share the label value OtherTenant.
package metrics

import (
	"net/http"
	"slices"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Namespace prefixes every snapbridge metric.
const Namespace = "snapbridge"

// DefaultMaxTenants is how many tenants get a label value of their own
// when Options.MaxTenants is zero.
const DefaultMaxTenants = 100

// OtherTenant is the tenant label of every tenant past the bound.
const OtherTenant = "_other"

// Options tunes a Registry.
type Options struct {
	// MaxTenants bounds the distinct values of the tenant label; tenants
	// past it are counted under OtherTenant. Default: DefaultMaxTenants.
	MaxTenants int
}

// Registry holds snapbridge's metrics and serves them. Create it with New.
type Registry struct {
	reg        *prometheus.Registry
	maxTenants int

	mu      sync.Mutex
	tenants map[string]bool

	httpRequests *prometheus.CounterVec
	httpDuration *prometheus.HistogramVec

	linkedinCalls    *prometheus.CounterVec
	linkedinDuration *prometheus.HistogramVec
	linkedinRetries  *prometheus.CounterVec

	cacheEvents *prometheus.CounterVec
	coalesced   *prometheus.CounterVec

	forcedLookups    *prometheus.CounterVec
	sessionsIssued   *prometheus.CounterVec
	contextsRefused  *prometheus.CounterVec
	connects         *prometheus.CounterVec
	refreshes        *prometheus.CounterVec
	storeDuration    *prometheus.HistogramVec
	storeErrors      *prometheus.CounterVec
	redisDuration    *prometheus.HistogramVec
	redisErrors      *prometheus.CounterVec
	leasesHeld       *prometheus.GaugeVec
	stateScrapeError prometheus.Gauge

	state *StateReader
	// names are the metric families registered by New and WatchState.
	names []string

	leaseMu sync.Mutex
	leases  map[string]bool
}

// New returns a Registry with snapbridge's metrics and the Go runtime and
// process collectors registered.
func New(o Options) *Registry {
	if o.MaxTenants <= 0 {
		o.MaxTenants = DefaultMaxTenants
	}
	m := &Registry{reg: prometheus.NewRegistry(), maxTenants: o.MaxTenants, tenants: map[string]bool{}, leases: map[string]bool{}}
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	f := factory{m}
	m.httpRequests = f.counter("http_requests_total", "HTTP requests answered, by route template, method and status code.", "route", "method", "status")
	m.httpDuration = f.histogram("http_request_duration_seconds", "Time to answer an HTTP request, by route template and method.", prometheus.DefBuckets, "route", "method")
	m.linkedinCalls = f.counter("linkedin_calls_total", "Attempts to call LinkedIn, by endpoint and outcome (2xx, 401, 403, 404, 429, 4xx, 5xx, timeout, error).", "endpoint", "outcome")
	m.linkedinDuration = f.histogram("linkedin_call_duration_seconds", "Time of one attempt to call LinkedIn, by endpoint.", prometheus.DefBuckets, "endpoint")
	m.linkedinRetries = f.counter("linkedin_retries_total", "Attempts that repeated a failed idempotent LinkedIn call, by endpoint.", "endpoint")
	m.cacheEvents = f.counter("cache_events_total", "Cache look-ups and removals, by cache (associations, sat, app_tokens) and event (hit, miss, stale, eviction).", "cache", "event")
	m.coalesced = f.counter("coalesced_requests_total", "Requests that shared another request's upstream call instead of making their own, by cache.", "cache")
	m.forcedLookups = f.counter("association_forced_lookups_total", "Forced association refreshes sent to LinkedIn, by tenant.", "tenant")
	m.sessionsIssued = f.counter("widget_sessions_issued_total", "Widget sessions issued, by tenant.", "tenant")
	m.contextsRefused = f.counter("widget_contexts_refused_total", "Host contexts refused when a widget session was asked for, by reason (the error code answered).", "reason")
	m.connects = f.counter("connects_total", "LinkedIn connects, by stage: started (consent page opened), completed, failed.", "stage")
	m.refreshes = f.counter("member_token_refreshes_total", "Member token refreshes, by outcome (ok, revoked, failed).", "outcome")
	m.storeDuration = f.histogram("store_call_duration_seconds", "Time of one call to the store, by operation.", []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5}, "op")
	m.storeErrors = f.counter("store_errors_total", "Store calls that failed (not-found and stale-row answers excluded), by operation.", "op")
	m.redisDuration = f.histogram("redis_call_duration_seconds", "Time of one Redis command or pipeline, by command.", []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1}, "command")
	m.redisErrors = f.counter("redis_errors_total", "Redis commands that failed (a missing key excluded), by command.", "command")
	m.leasesHeld = prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: Namespace, Name: "leases_held",
		Help: "Background-work leases this instance holds, by kind (exports, compliance, …)."}, []string{"kind"})
	m.reg.MustRegister(m.leasesHeld)
	m.names = append(m.names, Namespace+"_leases_held", Namespace+"_state_scrape_error")
	m.stateScrapeError = prometheus.NewGauge(prometheus.GaugeOpts{Namespace: Namespace, Name: "state_scrape_error",
		Help: "1 when the last read of the store-backed gauges failed, else 0."})
	m.reg.MustRegister(m.stateScrapeError)
	return m
}

// Handler serves the metrics in Prometheus's exposition format.
func (m *Registry) Handler() http.Handler {
	if m == nil {
		return http.NotFoundHandler()
	}
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Gatherer is the underlying registry, for tests and custom exporters.
func (m *Registry) Gatherer() prometheus.Gatherer { return m.reg }

// Register adds a collector, such as a StateCollector.
func (m *Registry) Register(c prometheus.Collector) error {
	if m == nil {
		return nil
	}
	return m.reg.Register(c)
}

// Tenant returns the label value for tenantID: the id itself for the
// first MaxTenants tenants seen, OtherTenant after that.
func (m *Registry) Tenant(tenantID string) string {
	if m == nil {
		return OtherTenant
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.tenants[tenantID] {
		return tenantID
	}
	if len(m.tenants) >= m.maxTenants {
		return OtherTenant
	}
	m.tenants[tenantID] = true
	return tenantID
}

// ForcedLookups counts n forced association refreshes of a tenant.
func (m *Registry) ForcedLookups(tenantID string, n int) {
	if m == nil || n <= 0 {
		return
	}
	m.forcedLookups.WithLabelValues(m.Tenant(tenantID)).Add(float64(n))
}

// SessionIssued counts a widget session issued for a tenant.
func (m *Registry) SessionIssued(tenantID string) {
	if m == nil {
		return
	}
	m.sessionsIssued.WithLabelValues(m.Tenant(tenantID)).Inc()
}

// ContextRefused counts a host context refused, by the error code
// answered (a fixed, bounded set).
func (m *Registry) ContextRefused(code string) {
	if m == nil {
		return
	}
	m.contextsRefused.WithLabelValues(code).Inc()
}

// Connect stages.
const (
	ConnectStarted   = "started"
	ConnectCompleted = "completed"
	ConnectFailed    = "failed"
)

// Connect counts a connect reaching stage (ConnectStarted, …).
func (m *Registry) Connect(stage string) {
	if m == nil {
		return
	}
	m.connects.WithLabelValues(stage).Inc()
}

// Refresh outcomes.
const (
	RefreshOK      = "ok"
	RefreshRevoked = "revoked"
	RefreshFailed  = "failed"
)

// Refresh counts a member token refresh by outcome (RefreshOK, …).
func (m *Registry) Refresh(outcome string) {
	if m == nil {
		return
	}
	m.refreshes.WithLabelValues(outcome).Inc()
}

// RefreshDone counts a member token refresh LinkedIn answered with err:
// ok when nil, revoked when LinkedIn refused the grant for good, failed
// otherwise.
func (m *Registry) RefreshDone(err error, revoked bool) {
	switch {
	case err == nil:
		m.Refresh(RefreshOK)
	case revoked:
		m.Refresh(RefreshRevoked)
	default:
		m.Refresh(RefreshFailed)
	}
}

// Names returns the name of every snapbridge metric family the registry
// can report (a histogram's, without the _bucket, _sum and _count
// suffixes), for checking dashboards and alert rules against.
func (m *Registry) Names() []string { return slices.Clone(m.names) }

// factory registers metrics in the snapbridge namespace.
type factory struct{ m *Registry }

func (f factory) counter(name, help string, labels ...string) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: name, Help: help}, labels)
	f.m.reg.MustRegister(c)
	f.m.names = append(f.m.names, Namespace+"_"+name)
	return c
}

func (f factory) histogram(name, help string, buckets []float64, labels ...string) *prometheus.HistogramVec {
	h := prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: Namespace, Name: name, Help: help, Buckets: buckets}, labels)
	f.m.reg.MustRegister(h)
	f.m.names = append(f.m.names, Namespace+"_"+name)
	return h
}
