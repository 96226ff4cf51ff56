package main

import (
	"bytes"
	"context"
	"database/sql"
	"io"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/snapbridge/snapbridge/internal/config"
	"github.com/snapbridge/snapbridge/internal/server"
	"github.com/snapbridge/snapbridge/internal/store/postgres"
	"github.com/snapbridge/snapbridge/internal/store/postgres/pgtest"
	"github.com/snapbridge/snapbridge/internal/store/sqlite"
)

// An operator (or the Helm chart's migration Job) runs `snapbridge
// migrate`: it creates or upgrades the database, says from which version
// to which, and a second run has nothing to do.
func TestMigrateAppliesTheMigrationsAndSaysWhichVersion(t *testing.T) {
	dir := t.TempDir()
	latest := sqlite.LatestVersion()
	tests := []struct {
		scenario string
		args     []string
		env      map[string]string
		file     string
	}{
		{scenario: "--db names the file", args: []string{"--db", filepath.Join(dir, "a.db")}, file: "a.db"},
		{scenario: "--database-url with sqlite:", args: []string{"--database-url", "sqlite:" + filepath.Join(dir, "b.db")}, file: "b.db"},
		{scenario: "SNAPBRIDGE_DATABASE_URL as a plain path", env: map[string]string{"SNAPBRIDGE_DATABASE_URL": filepath.Join(dir, "c.db")}, file: "c.db"},
		{scenario: "the default under the data directory", env: map[string]string{"SNAPBRIDGE_DATA_DIR": filepath.Join(dir, "data")}, file: "data/snapbridge.db"},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			var out bytes.Buffer
			if err := migrateDatabase(tc.args, &out); err != nil {
				t.Fatalf("migrate: %v", err)
			}
			if want := "database schema version 0 -> " + strconv.Itoa(latest) + "\n"; out.String() != want {
				t.Fatalf("first run printed %q, want %q", out.String(), want)
			}
			out.Reset()
			if err := migrateDatabase(tc.args, &out); err != nil {
				t.Fatalf("second migrate: %v", err)
			}
			if want := "database schema version " + strconv.Itoa(latest) + ": up to date\n"; out.String() != want {
				t.Fatalf("second run printed %q, want %q", out.String(), want)
			}
			db, err := sqlite.Open(filepath.Join(dir, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if v, err := db.SchemaVersion(context.Background()); err != nil || v != latest {
				t.Fatalf("%s is at version %d, %v; want %d", tc.file, v, err, latest)
			}
		})
	}
}

func TestMigrateRefusesWhatItCannotDo(t *testing.T) {
	newer := filepath.Join(t.TempDir(), "newer.db")
	db, err := sqlite.Open(newer)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	// A later snapbridge migrated this database further.
	if err := migrateDatabase([]string{"--db", newer}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	markNewer(t, newer, sqlite.LatestVersion()+1)

	tests := []struct {
		scenario string
		args     []string
		want     string
	}{
		{scenario: "a PostgreSQL server that does not answer", args: []string{"--database-url", "postgres://snapbridge@127.0.0.1:1/snapbridge?connect_timeout=2"},
			want: "open PostgreSQL database snapbridge on 127.0.0.1"},
		{scenario: "--from without --to", args: []string{"--from", "sqlite:" + newer}, want: "migrate --from needs --to"},
		{scenario: "--to a SQLite file", args: []string{"--from", "sqlite:" + newer, "--to", "sqlite:/tmp/x.db"}, want: "--to must be a PostgreSQL URL"},
		{scenario: "--from a PostgreSQL URL", args: []string{"--from", "postgres://127.0.0.1:1/x", "--to", "postgres://127.0.0.1:1/y"},
			want: "--from must be a SQLite database"},
		{scenario: "--from a database of a newer snapbridge", args: []string{"--from", newer, "--to", "postgres://127.0.0.1:1/y"},
			want: "is newer than this snapbridge"},
		{scenario: "an unknown scheme", args: []string{"--database-url", "mysql://127.0.0.1/x"}, want: `"mysql://" is not supported`},
		{scenario: "a database of a newer snapbridge", args: []string{"--db", newer},
			want: "is newer than this snapbridge (" + strconv.Itoa(sqlite.LatestVersion()) + "): upgrade snapbridge or restore a matching backup"},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			var out bytes.Buffer
			err := migrateDatabase(tc.args, &out)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("migrate %v = %v, want an error saying %q", tc.args, err, tc.want)
			}
			if out.Len() != 0 {
				t.Fatalf("a refused migration printed %q", out.String())
			}
		})
	}
}

// The server refuses to start on a database a newer snapbridge migrated,
// SQLite or PostgreSQL, with the same message, instead of serving from
// tables it may misread.
func TestServeRefusesADatabaseItCannotServe(t *testing.T) {
	tests := []struct {
		scenario string
		tune     func(t *testing.T, cfg *config.Config)
		want     string
	}{
		{scenario: "a database of a newer snapbridge", tune: func(t *testing.T, cfg *config.Config) {
			markNewer(t, cfg.DB, sqlite.LatestVersion()+3)
		}, want: "database schema version " + strconv.Itoa(sqlite.LatestVersion()+3) + " is newer than this snapbridge"},
		{scenario: "a PostgreSQL database of a newer snapbridge", tune: func(t *testing.T, cfg *config.Config) {
			cfg.Database.URL = pgtest.URL(t)
			db, err := postgres.Open(context.Background(), cfg.Database.URL)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Pool().Exec(context.Background(), `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, 0)`,
				postgres.LatestVersion()+3); err != nil {
				t.Fatal(err)
			}
		}, want: "database schema version " + strconv.Itoa(postgres.LatestVersion()+3) + " is newer than this snapbridge"},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			cfg, db := serverConfig(t, t.TempDir(), func(c *config.Config) {
				c.Sandbox.Enabled = true
				c.Addr, c.Sandbox.Addr, c.Demo.Addr = "127.0.0.1:0", "127.0.0.1:0", ""
			})
			db.Close()
			tc.tune(t, &cfg)
			srv, err := server.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err == nil {
				srv.Serve(canceled())
				t.Fatalf("the server started, want it refused with %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("server.New: %v, want %q", err, tc.want)
			}
		})
	}
}

// markNewer records version as applied, as a later snapbridge would.
func markNewer(t *testing.T, path string, version int) {
	t.Helper()
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, 0)`, version); err != nil {
		t.Fatal(err)
	}
}

func canceled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}
