package server

import (
	"context"
	"os"

	"github.com/snapbridge/snapbridge/internal/config"
	"github.com/snapbridge/snapbridge/internal/telemetry"
)

// startTracing makes the tracer the configuration names (tests) or the
// OTEL_* environment variables ask for (off when they name no endpoint).
func (s *Server) startTracing() error {
	cfg := &s.Config
	provider := cfg.Tracing.Provider
	if provider == nil {
		p, err := telemetry.FromEnv(context.Background(), os.Getenv, cfg.Version)
		if err != nil {
			return err
		}
		provider, s.stopTracing = p.TracerProvider, p.Shutdown
		if p.Enabled {
			s.logger.Info("traces are sent over OTLP/HTTP")
		}
	}
	t, err := telemetry.New(provider, cfg.Tracing.TrustedProxies)
	if err != nil {
		return err
	}
	s.tracing = t
	return nil
}

// storeEngine names the database engine in store spans.
func storeEngine(cfg *config.Config) string {
	if cfg.Database.IsPostgres() {
		return "postgresql"
	}
	return "sqlite"
}
