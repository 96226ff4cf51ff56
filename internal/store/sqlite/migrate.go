package sqlite

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"time"

	"github.com/snapbridge/snapbridge/internal/store"
)

// migrations holds the schema, one file per version:
// migrations/NNNN_what.sql, applied in order. A released file is never
// changed; a change to the schema is a new file.
//
//go:embed migrations/*.sql
var migrations embed.FS

// LatestVersion is the newest schema version this binary knows.
func LatestVersion() int {
	all, err := store.Migrations(migrations)
	if err != nil {
		panic(err) // the embedded files are checked by the tests
	}
	return len(all)
}

// Migrate opens (creating if needed) the database at path, applies the
// migrations it lacks and closes it. It returns the schema version before
// and after; before is 0 for a new database and for one made before
// versioned migrations (which version 1 then adopts unchanged). A database
// migrated by a newer snapbridge is refused with a *store.SchemaTooNewError.
func Migrate(ctx context.Context, path string) (before, after int, err error) {
	db, err := open(path)
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
	if err := db.sql.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}

// migrate applies the migrations of fsys the database lacks, each in its
// own transaction together with its row in schema_migrations, so a failed
// migration leaves the previous version whole.
func (db *DB) migrate(ctx context.Context, fsys fs.FS) (before, after int, err error) {
	all, err := store.Migrations(fsys)
	if err != nil {
		return 0, 0, fmt.Errorf("load migrations: %w", err)
	}
	if _, err := db.sql.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY,
		applied_at INTEGER NOT NULL
	)`); err != nil {
		return 0, 0, fmt.Errorf("create schema_migrations: %w", err)
	}
	if before, err = db.SchemaVersion(ctx); err != nil {
		return 0, 0, err
	}
	if err := store.CheckSchemaVersion(before, len(all)); err != nil {
		return before, before, err
	}
	for _, m := range all[before:] {
		if err := db.apply(ctx, m); err != nil {
			return before, 0, err
		}
	}
	return before, len(all), nil
}

func (db *DB) apply(ctx context.Context, m store.Migration) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migration %s: %w", m.Name, err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	// Another process may have applied it since the version was read.
	var done bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = ?)`, m.Version).Scan(&done); err != nil {
		return fmt.Errorf("migration %s: %w", m.Name, err)
	}
	if done {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return fmt.Errorf("migration %s: %w", m.Name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
		m.Version, time.Now().UnixMilli()); err != nil {
		return fmt.Errorf("migration %s: record version: %w", m.Name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migration %s: %w", m.Name, err)
	}
	return nil
}
