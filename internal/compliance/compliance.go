// Package compliance archives Sales Navigator communications for tenants
// that must keep them: viewers opt in to LinkedIn's compliance API, an
// Archiver copies their compliance events into the database before they
// leave LinkedIn's 28-day window, re-checks each authorization
// periodically, and admins export the archive as JSON Lines or CSV. With
// many instances on one database, each viewer is archived by the one
// instance holding the lease compliance:<tenant>:<viewer>. A
// viewer whose archive may be missing events (runs failing, authorization
// revoked at LinkedIn) is reported with a gap.
package compliance

import (
	"context"
	"log/slog"
	"time"

	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/store"
	"github.com/snapbridge/snapbridge/internal/telemetry"
	"github.com/snapbridge/snapbridge/internal/tenant"
)

// LinkedIn is the part of the LinkedIn client compliance needs;
// *linkedin.Client satisfies it.
type LinkedIn interface {
	OptInCompliance(ctx context.Context, memberToken string) error
	ComplianceAuthorizations(ctx context.Context, memberToken string) ([]linkedin.ComplianceAuthorization, error)
	OptOutCompliance(ctx context.Context, token string, a linkedin.ComplianceAuthorization) error
	ComplianceEvents(ctx context.Context, memberToken string, startTime time.Time, count int) ([]linkedin.ComplianceEvent, error)
}

// MemberTokens hands out viewers' member tokens carrying a scope;
// *tokens.MemberTokens satisfies it.
type MemberTokens interface {
	AccessTokenWithScope(ctx context.Context, t *tenant.Tenant, viewer, scope string) (string, error)
}

// Tenants finds tenants by id; *tenant.Registry satisfies it.
type Tenants interface {
	Get(id string) (*tenant.Tenant, bool)
}

// Store is the part of the database compliance needs: the archive, and
// the leases that let one instance of many archive each viewer. Every
// store.Store satisfies it.
type Store interface {
	store.Compliance
	store.Leases
}

// Window is how long LinkedIn keeps compliance events.
const Window = 28 * 24 * time.Hour

// Config tunes the service. Zero values take the defaults.
type Config struct {
	// SyncInterval is how often each opted-in viewer's new events are
	// fetched. Default: 1h, far inside the 28-day window.
	SyncInterval time.Duration
	// StatusInterval is how often each authorization is re-checked at
	// LinkedIn, as LinkedIn advises. Default: 6h.
	StatusInterval time.Duration
	// GapAfter is how old the last successful sync may be before the
	// viewer's archive is reported with a gap. Default: 2 × SyncInterval.
	GapAfter time.Duration
	// PageSize is how many events one request asks for (1..100).
	// Default: 100.
	PageSize int
	// Now is the clock. Default: time.Now.
	Now func() time.Time
	// Logger receives archiver failures. Default: slog.Default().
	Logger *slog.Logger
	// Tracing runs each pass of the archiver in a root span linked to the
	// requests that woke it. Default: nil, no spans.
	Tracing *telemetry.Tracing
	// Owner names this instance in the leases it holds. Default: a random
	// id, new at each start.
	Owner string
	// LeaseTTL is how long the archiver's lease on a viewer lasts without
	// renewal (it renews on every pass, at least once per SyncInterval),
	// so how long the viewers of an instance that died wait before another
	// instance archives them. Default: 3 × SyncInterval.
	LeaseTTL time.Duration
}

func (c *Config) applyDefaults() {
	if c.SyncInterval <= 0 {
		c.SyncInterval = time.Hour
	}
	if c.StatusInterval <= 0 {
		c.StatusInterval = 6 * time.Hour
	}
	if c.GapAfter <= 0 {
		c.GapAfter = 2 * c.SyncInterval
	}
	if c.PageSize <= 0 || c.PageSize > 100 {
		c.PageSize = 100
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
		c.LeaseTTL = 3 * c.SyncInterval
	}
}

// Service opts viewers in and out, archives their events and exports the
// archive. It is safe for concurrent use.
type Service struct {
	cfg     Config
	db      Store
	li      LinkedIn
	members MemberTokens
	tenants Tenants
	// runs serializes archive runs, so a manual sync and the archiver
	// never page the same viewer at once.
	runs chan struct{}
	wake chan struct{}
	// woken are the requests that woke the archiver since its last pass.
	woken telemetry.Requests
	// leases are the viewer leases this instance's archiver holds.
	leases *store.LeaseHolder
}

// New returns the service over db, calling LinkedIn through li with the
// viewers' member tokens (scope r_compliance_sales_nav).
func New(cfg Config, db Store, li LinkedIn, members MemberTokens, tenants Tenants) *Service {
	cfg.applyDefaults()
	return &Service{cfg: cfg, db: db, li: li, members: members, tenants: tenants,
		runs: make(chan struct{}, 1), wake: make(chan struct{}, 1),
		leases: store.NewLeaseHolder(db, cfg.Owner, cfg.LeaseTTL)}
}

// nudge wakes the archiver without blocking, for the request ctx carries.
func (s *Service) nudge(ctx context.Context) {
	s.woken.Add(ctx)
	select {
	case s.wake <- struct{}{}:
	default:
	}
}
