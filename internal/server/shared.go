package server

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/snapbridge/snapbridge/internal/admin"
	"github.com/snapbridge/snapbridge/internal/config"
	"github.com/snapbridge/snapbridge/internal/metrics"
	"github.com/snapbridge/snapbridge/internal/sat"
	"github.com/snapbridge/snapbridge/internal/shared"
	"github.com/snapbridge/snapbridge/internal/telemetry"
)

// sharedState is the state this instance shares with the others: in
// Redis when redis.url is set, falling back to the process while Redis is
// away, otherwise in the process. An unreachable Redis does not refuse
// the start (the instance runs degraded until it answers); a malformed
// URL does.
func sharedState(cfg *config.Config, logger *slog.Logger, tracing *telemetry.Tracing, m *metrics.Registry) (shared.State, func() error, error) {
	if cfg.Redis.URL == "" {
		return shared.NewLocal(0, nil), func() error { return nil }, nil
	}
	r, err := shared.NewRedis(cfg.Redis.URL, cfg.Redis.Timeout)
	if err != nil {
		return nil, nil, fmt.Errorf("redis.url: %w", err)
	}
	r.AddHook(tracing.RedisHook())
	r.AddHook(m.RedisHook())
	f := shared.NewFailover(shared.FailoverConfig{Redis: r, Logger: logger})
	// One probe now, so an unreachable Redis is in the log from the start.
	if f.Mode(context.Background()) == shared.ModeRedis {
		logger.Info("state is shared across instances through Redis")
	}
	return f, f.Close, nil
}

// acrossInstances is the shared state when instances share it (redis.url
// set), nil otherwise: services then keep their own caches and locks, as
// one instance always did.
func (s *Server) acrossInstances() shared.State {
	if _, local := s.Shared.(*shared.Local); local {
		return nil
	}
	return s.Shared
}

// followTenantChanges applies the tenant changes other instances announce
// until the server stops.
func (s *Server) followTenantChanges(adm *admin.Service) {
	stop := adm.FollowChanges()
	closeShared := s.closeShared
	s.closeShared = func() error { stop(); return closeShared() }
}

// followMemberChanges has the SAT broker apply the member changes other
// instances announce until the server stops; a single instance hears its
// own in process.
func (s *Server) followMemberChanges(b *sat.Broker) {
	n := s.acrossInstances()
	if n == nil {
		return
	}
	stop := b.Follow(n)
	closeShared := s.closeShared
	s.closeShared = func() error { stop(); return closeShared() }
}
