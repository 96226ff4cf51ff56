package server

import (
	"context"
	"errors"

	"github.com/snapbridge/snapbridge/internal/config"
	"github.com/snapbridge/snapbridge/internal/store"
	"github.com/snapbridge/snapbridge/internal/store/sqlite"
)

// errPostgresNotBuilt refuses a postgres:// database.url until the
// PostgreSQL implementation lands.
var errPostgresNotBuilt = errors.New("database.url: PostgreSQL support is not built yet; use a file path or sqlite:PATH")

// OpenStore opens the store the finished configuration names
// (database.url, else db), migrated to the newest schema this binary
// knows. It is the one place that picks an implementation.
func OpenStore(cfg config.Config) (store.Store, error) {
	if cfg.Database.IsPostgres() {
		return nil, errPostgresNotBuilt
	}
	db, err := sqlite.Open(cfg.DB)
	if err != nil {
		return nil, err // not a store.Store holding a nil *sqlite.DB
	}
	return db, nil
}

// MigrateStore applies the migrations the configured store lacks and
// returns its schema version before and after.
func MigrateStore(ctx context.Context, cfg config.Config) (before, after int, err error) {
	if cfg.Database.IsPostgres() {
		return 0, 0, errPostgresNotBuilt
	}
	return sqlite.Migrate(ctx, cfg.DB)
}
