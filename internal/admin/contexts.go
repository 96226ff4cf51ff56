package admin

import (
	"context"
	"sync"
	"time"

	"github.com/snapbridge/snapbridge/internal/session"
	"github.com/snapbridge/snapbridge/internal/tenant"
)

// LiveContexts verifies host contexts against the registry as it is now.
// session.ContextVerifier parses each tenant's keys once, when it is
// built; LiveContexts rebuilds it after any tenant change (a new tenant, a
// rotated context key), so admin changes apply to the next page view
// without a restart. It is safe for concurrent use.
type LiveContexts struct {
	tenants *tenant.Registry
	replay  session.ReplayGuard
	now     func() time.Time

	mu       sync.Mutex
	version  uint64
	verifier *session.ContextVerifier
}

// NewLiveContexts returns a verifier following tenants; replay and now are
// passed to session.NewContextVerifier (now nil means time.Now).
func NewLiveContexts(tenants *tenant.Registry, replay session.ReplayGuard, now func() time.Time) *LiveContexts {
	return &LiveContexts{tenants: tenants, replay: replay, now: now,
		version: tenants.Version(), verifier: session.NewContextVerifier(tenants, replay, now)}
}

// Verify checks raw like session.ContextVerifier.Verify with the current
// tenants' keys.
func (l *LiveContexts) Verify(ctx context.Context, raw string) (*session.HostContext, error) {
	return l.current().Verify(ctx, raw)
}

func (l *LiveContexts) current() *session.ContextVerifier {
	l.mu.Lock()
	defer l.mu.Unlock()
	if v := l.tenants.Version(); v != l.version {
		// Read the version first: a change racing with the rebuild bumps
		// it again and causes one more rebuild, never a stale verifier.
		l.verifier = session.NewContextVerifier(l.tenants, l.replay, l.now)
		l.version = v
	}
	return l.verifier
}
