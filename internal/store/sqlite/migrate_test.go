package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
	"time"

	"github.com/snapbridge/snapbridge/internal/store"
)

func TestMigrateNewDatabaseGoesFromZeroToLatest(t *testing.T) {
	path := filepath.Join(t.TempDir(), "snapbridge.db")
	before, after, err := Migrate(context.Background(), path)
	if err != nil || before != 0 || after != LatestVersion() {
		t.Fatalf("Migrate = %d, %d, %v; want 0, %d, nil", before, after, err, LatestVersion())
	}
	before, after, err = Migrate(context.Background(), path)
	if err != nil || before != LatestVersion() || after != LatestVersion() {
		t.Fatalf("second Migrate = %d, %d, %v; want nothing to do at %d", before, after, err, LatestVersion())
	}
}

func TestDatabaseFromBeforeMigrationsUpgradesInPlace(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "snapbridge.db")
	schema, err := os.ReadFile(filepath.Join("testdata", "unversioned.sql"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(string(schema)); err != nil {
		t.Fatalf("create the old schema: %v", err)
	}
	if _, err := raw.Exec(`INSERT INTO member_tokens (tenant, viewer, key_id, sealed, expires_at, status, updated_at)
		VALUES ('acme', 'u1', 'k1', x'01', 1000, 'connected', 1000)`); err != nil {
		t.Fatal(err)
	}
	raw.Close()

	db, err := Open(path)
	if err != nil {
		t.Fatalf("Open over the old schema: %v", err)
	}
	defer db.Close()
	if v, err := db.SchemaVersion(ctx); err != nil || v != LatestVersion() {
		t.Fatalf("schema version = %d, %v; want %d", v, err, LatestVersion())
	}
	row, err := db.MemberToken(ctx, "acme", "u1")
	if err != nil || row.KeyID != "k1" || row.Status != store.StatusConnected {
		t.Fatalf("the row stored before the upgrade = %+v, %v; want it kept", row, err)
	}
}

func TestNewerSchemaIsRefused(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "snapbridge.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	newer := LatestVersion() + 2
	if _, err := db.sql.Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, 0)`, newer); err != nil {
		t.Fatal(err)
	}
	db.Close()

	want := &store.SchemaTooNewError{Found: newer, Known: LatestVersion()}
	for _, tc := range []struct {
		scenario string
		open     func() error
	}{
		{"the server opening it", func() error {
			db, err := Open(path)
			if err == nil {
				db.Close()
			}
			return err
		}},
		{"snapbridge migrate", func() error { _, _, err := Migrate(ctx, path); return err }},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			err := tc.open()
			var tooNew *store.SchemaTooNewError
			if !errors.As(err, &tooNew) || *tooNew != *want {
				t.Fatalf("err = %v, want %v", err, want)
			}
			if got := err.Error(); got != want.Error() {
				t.Fatalf("message = %q", got)
			}
		})
	}
	const message = "database schema version 7 is newer than this snapbridge (5): upgrade snapbridge or restore a matching backup"
	if got := (&store.SchemaTooNewError{Found: 7, Known: 5}).Error(); got != message {
		t.Fatalf("message = %q, want %q", got, message)
	}
}

func TestFailedMigrationLeavesThePreviousVersionWhole(t *testing.T) {
	ctx := context.Background()
	db, err := open(filepath.Join(t.TempDir(), "snapbridge.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fsys := fstest.MapFS{
		"migrations/0001_a.sql": {Data: []byte(`CREATE TABLE a (x INTEGER);`)},
		"migrations/0002_b.sql": {Data: []byte(`CREATE TABLE b (x INTEGER); INSERT INTO nowhere VALUES (1);`)},
	}
	if _, _, err := db.migrate(ctx, fsys); err == nil {
		t.Fatal("a failing migration was reported applied")
	}
	if v, _ := db.SchemaVersion(ctx); v != 1 {
		t.Fatalf("version = %d after migration 2 failed, want 1", v)
	}
	var n int
	if err := db.sql.QueryRow(`SELECT COUNT(*) FROM sqlite_master WHERE name = 'b'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("table b of the failed migration exists (%d, %v); want it rolled back", n, err)
	}
	fsys["migrations/0002_b.sql"] = &fstest.MapFile{Data: []byte(`CREATE TABLE b (x INTEGER);`), ModTime: time.Now()}
	if before, after, err := db.migrate(ctx, fsys); err != nil || before != 1 || after != 2 {
		t.Fatalf("migrate after the fix = %d, %d, %v; want 1, 2", before, after, err)
	}
}

func TestEmbeddedMigrationsAreNumberedWithoutGaps(t *testing.T) {
	if _, err := store.Migrations(migrations); err != nil {
		t.Fatalf("the embedded migrations: %v", err)
	}
}
