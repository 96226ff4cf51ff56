package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/snapbridge/snapbridge/internal/store"
)

// migrations holds the schema, one file per version:
// migrations/NNNN_what.sql, applied in order. A released file is never
// changed; a change to the schema is a new file.
//
//go:embed migrations/*.sql
var migrations embed.FS

// migrationLock is the advisory lock key every migration transaction
// takes first, so instances starting together migrate one after the
// other and each version is applied once ("snapbrdg" in ASCII).
const migrationLock int64 = 0x736e617062726467

// LatestVersion is the newest schema version this binary knows.
func LatestVersion() int {
	all, err := store.Migrations(migrations)
	if err != nil {
		panic(err) // the embedded files are checked by the tests
	}
	return len(all)
}

// Migrate connects to the database at url, applies the migrations it
// lacks and disconnects. It returns the schema version before and after;
// before is 0 for a new database. A database migrated by a newer
// snapbridge is refused with a *store.SchemaTooNewError.
func Migrate(ctx context.Context, url string) (before, after int, err error) {
	db, err := open(ctx, url)
	if err != nil {
		return 0, 0, err
	}
	defer db.Close()
	return db.migrate(ctx, migrations)
}

// SchemaVersion returns the newest migration applied to the database, 0
// when none is.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	if err := db.pool.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}

// migrate applies the migrations of fsys the database lacks, each in its
// own transaction together with its row in schema_migrations, so a failed
// migration leaves the previous version whole. Every transaction first
// takes the migration advisory lock, so two instances never apply the
// same version.
func (db *DB) migrate(ctx context.Context, fsys fs.FS) (before, after int, err error) {
	all, err := store.Migrations(fsys)
	if err != nil {
		return 0, 0, fmt.Errorf("load migrations: %w", err)
	}
	err = db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLock); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version INTEGER PRIMARY KEY,
			applied_at BIGINT NOT NULL
		)`); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&before)
	})
	if err != nil {
		return 0, 0, fmt.Errorf("read schema version: %w", err)
	}
	if err := store.CheckSchemaVersion(before, len(all)); err != nil {
		return before, before, err
	}
	for _, m := range all[before:] {
		if err := db.apply(ctx, m, len(all)); err != nil {
			return before, 0, err
		}
	}
	return before, len(all), nil
}

// errApplied rolls back a migration another instance applied meanwhile.
var errApplied = errors.New("already applied")

func (db *DB) apply(ctx context.Context, m store.Migration, known int) error {
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLock); err != nil {
			return err
		}
		// Another instance may have migrated since the version was read.
		var current int
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
			return err
		}
		if err := store.CheckSchemaVersion(current, known); err != nil {
			return err
		}
		if current >= m.Version {
			return errApplied
		}
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`,
			m.Version, time.Now().UnixMilli())
		return err
	})
	var tooNew *store.SchemaTooNewError
	switch {
	case err == nil, errors.Is(err, errApplied):
		return nil
	case errors.As(err, &tooNew):
		return err
	default:
		return fmt.Errorf("migration %s: %w", m.Name, err)
	}
}
