// Package postgres is snapbridge's shared storage: the store.Store
// contract on PostgreSQL (github.com/jackc/pgx/v5, a connection pool), so
// any number of snapbridge instances can serve from one database. Its
// correctness never leans on one connection: every "read, then write what
// the read decided" is one conditional statement or a transaction holding
// a row or advisory lock. Each noun has its own file; this one opens the
// pool, migrate.go brings the schema up to date.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/snapbridge/snapbridge/internal/store"
)

var _ store.Store = (*DB)(nil)

// DB is the snapbridge database on a PostgreSQL server. It implements
// store.Store and is safe for concurrent use by many goroutines and many
// processes.
type DB struct {
	pool *pgxpool.Pool
}

// Open connects to the PostgreSQL database at url (postgres://… or
// postgresql://…, pgx's settings such as pool_max_conns included) and
// migrates it to the newest schema this binary knows (see Migrate). A
// database migrated by a newer snapbridge is refused with a
// *store.SchemaTooNewError.
func Open(ctx context.Context, url string) (*DB, error) {
	db, err := open(ctx, url)
	if err != nil {
		return nil, err
	}
	if _, _, err := db.migrate(ctx, migrations); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// open connects without touching the schema.
func open(ctx context.Context, url string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx's message may quote the URL, password included.
		return nil, errors.New("database.url: not a valid PostgreSQL URL")
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open PostgreSQL database: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open PostgreSQL database %s on %s: %w", cfg.ConnConfig.Database, cfg.ConnConfig.Host, err)
	}
	return &DB{pool: pool}, nil
}

// Close closes every connection of the pool.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// Pool returns the connection pool, for tests and the copy from SQLite.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// inTx runs fn in a transaction and commits it when fn returns nil.
func (db *DB) inTx(ctx context.Context, fn func(pgx.Tx) error) error {
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// isUniqueViolation reports whether err is PostgreSQL's unique_violation.
func isUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// msTime stores times as Unix milliseconds; the zero time is stored as 0
// so "not set" survives the round trip (as in the SQLite store).
func msTime(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func rowTime(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// nonNil turns a nil slice into an empty one: pgx sends nil as NULL and
// the BYTEA columns are NOT NULL.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
