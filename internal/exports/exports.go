// Package exports runs LinkedIn's Sales Navigator export jobs for tenant
// admins: Sales Analytics exports (seat, activity and activity outcome
// data of a contract, with the viewer's member token) and CRM data
// validation exports (with the tenant's app token). Jobs are stored in the
// database; a Poller follows them with backoff and survives restarts, and
// only one analytics job per contract and action is sent to LinkedIn at a
// time — later ones wait in our own queue. With many instances on one
// database, each job is polled by the one instance holding its lease and
// each hand-over to LinkedIn happens under a lease too.
package exports

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/store"
	"github.com/snapbridge/snapbridge/internal/telemetry"
	"github.com/snapbridge/snapbridge/internal/tenant"
)

// LinkedIn is the part of the LinkedIn client exports need;
// *linkedin.Client satisfies it.
type LinkedIn interface {
	// SalesContracts lists the member's Sales Navigator contracts.
	SalesContracts(ctx context.Context, memberToken string) ([]linkedin.Contract, error)
	// CreateAnalyticsExport submits a Sales Analytics export job.
	CreateAnalyticsExport(ctx context.Context, memberToken, action, contract string, start, end time.Time) (linkedin.AnalyticsJob, error)
	// AnalyticsExport reads a Sales Analytics export job.
	AnalyticsExport(ctx context.Context, memberToken string, id int64, contract string) (linkedin.AnalyticsJob, error)
	// CreateValidationExport submits a CRM data validation export job.
	CreateValidationExport(ctx context.Context, appToken, crmInstanceURN string, exportStartAt time.Time) (int64, error)
	// ValidationExport reads a CRM data validation export job.
	ValidationExport(ctx context.Context, appToken, crmInstanceURN string, id int64) (linkedin.ValidationJob, error)
}

// MemberTokens hands out viewers' member tokens carrying a scope;
// *tokens.MemberTokens satisfies it.
type MemberTokens interface {
	AccessTokenWithScope(ctx context.Context, t *tenant.Tenant, viewer, scope string) (string, error)
}

// AppTokens hands out tenants' client-credentials tokens;
// *tokens.AppTokens satisfies it.
type AppTokens interface {
	Get(ctx context.Context, t *tenant.Tenant, scope string) (string, error)
}

// Tenants finds tenants by id; *tenant.Registry satisfies it.
type Tenants interface {
	Get(id string) (*tenant.Tenant, bool)
}

// Config tunes the service. Zero values take the defaults.
type Config struct {
	// FirstPoll is the wait before a submitted job is first polled; each
	// poll without a status change doubles it. Default: 1s.
	FirstPoll time.Duration
	// MaxPoll caps the wait between polls. Default: 30s.
	MaxPoll time.Duration
	// ValidationTimeout is how long a validation job may stay PROCESSING
	// before it is given up. Default: 2h (LinkedIn's stated maximum).
	ValidationTimeout time.Duration
	// Now is the clock. Default: time.Now.
	Now func() time.Time
	// Logger receives poller failures. Default: slog.Default().
	Logger *slog.Logger
	// Tracing runs each pass of the poller in a root span linked to the
	// requests that woke it. Default: nil, no spans.
	Tracing *telemetry.Tracing
	// Owner names this instance in the leases it holds. Default: a random
	// id, new at each start.
	Owner string
	// LeaseTTL is how long a lease on a job (or on a submission) lasts
	// without renewal, so how long a job of an instance that died waits
	// before another instance follows it. Default: 3 × MaxPoll.
	LeaseTTL time.Duration
}

func (c *Config) applyDefaults() {
	if c.FirstPoll <= 0 {
		c.FirstPoll = time.Second
	}
	if c.MaxPoll <= 0 {
		c.MaxPoll = 30 * time.Second
	}
	if c.MaxPoll < c.FirstPoll {
		c.MaxPoll = c.FirstPoll
	}
	if c.ValidationTimeout <= 0 {
		c.ValidationTimeout = 2 * time.Hour
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Owner == "" {
		c.Owner = store.NewLeaseOwner()
	}
	if c.LeaseTTL <= 0 {
		c.LeaseTTL = 3 * c.MaxPoll
	}
}

// Service creates, lists and follows export jobs. It is safe for
// concurrent use.
type Service struct {
	cfg     Config
	db      Store
	li      LinkedIn
	members MemberTokens
	apps    AppTokens
	tenants Tenants

	// submit serializes hand-overs to LinkedIn within this instance, so two
	// requests for the same contract and action never both find "nothing
	// running"; the export-submit lease does the same across instances
	// (a lease is per owner, so it cannot tell this instance's goroutines
	// apart).
	submit sync.Mutex
	// wake nudges the poller when a job was created.
	wake chan struct{}
	// woken are the requests that woke the poller since its last pass.
	woken telemetry.Requests
	// leases are the job and submission leases this instance holds.
	leases *store.LeaseHolder
}

// New returns the service over db, calling LinkedIn through li with the
// viewers' member tokens and the tenants' app tokens.
func New(cfg Config, db Store, li LinkedIn, members MemberTokens, apps AppTokens, tenants Tenants) *Service {
	cfg.applyDefaults()
	return &Service{cfg: cfg, db: db, li: li, members: members, apps: apps, tenants: tenants, wake: make(chan struct{}, 1),
		leases: store.NewLeaseHolder(db, cfg.Owner, cfg.LeaseTTL)}
}

// nudge wakes the poller without blocking, for the request ctx carries.
func (s *Service) nudge(ctx context.Context) {
	s.woken.Add(ctx)
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// backoff is the wait before poll number polls+1 of a job whose status
// has not changed: FirstPoll doubled per poll, at most MaxPoll.
func (s *Service) backoff(polls int) time.Duration {
	d := s.cfg.FirstPoll
	for range min(polls, 30) {
		d *= 2
		if d >= s.cfg.MaxPoll {
			return s.cfg.MaxPoll
		}
	}
	return d
}
