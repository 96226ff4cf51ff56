package server

import (
	"context"
	"errors"
	"fmt"

	"github.com/snapbridge/snapbridge/internal/config"
	"github.com/snapbridge/snapbridge/internal/store"
	"github.com/snapbridge/snapbridge/internal/store/postgres"
	"github.com/snapbridge/snapbridge/internal/store/sqlite"
	"github.com/snapbridge/snapbridge/internal/store/storecopy"
)

// OpenStore opens the store the finished configuration names
// (database.url, else db): PostgreSQL for a postgres:// or postgresql://
// URL, SQLite otherwise, migrated to the newest schema this binary knows.
// It is the one place that picks an implementation.
func OpenStore(cfg config.Config) (store.Store, error) {
	if cfg.Database.IsPostgres() {
		db, err := postgres.Open(context.Background(), cfg.Database.URL)
		if err != nil {
			return nil, err // not a store.Store holding a nil *postgres.DB
		}
		return db, nil
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
		return postgres.Migrate(ctx, cfg.Database.URL)
	}
	return sqlite.Migrate(ctx, cfg.DB)
}

// CopyStore copies a SQLite store (from: a file path or sqlite:PATH) into
// an empty PostgreSQL store (to: postgres://…), rows as they are, and
// returns each table's row counts, verified equal.
func CopyStore(ctx context.Context, from, to string) ([]storecopy.Table, error) {
	src := config.Config{Database: config.Database{URL: from}}
	switch {
	case from == "":
		return nil, errors.New("--from names the SQLite database to copy (sqlite:PATH or a file path)")
	case src.Database.IsPostgres():
		return nil, errors.New("--from must be a SQLite database (sqlite:PATH or a file path); copying from PostgreSQL is not supported")
	}
	if err := src.FinishDatabase(); err != nil {
		return nil, fmt.Errorf("--from: %w", err)
	}
	if dst := (config.Database{URL: to}); !dst.IsPostgres() {
		return nil, errors.New("--to must be a PostgreSQL URL (postgres://…)")
	}
	return storecopy.Copy(ctx, src.DB, to)
}
