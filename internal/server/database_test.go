package server_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/snapbridge/snapbridge/internal/config"
	"github.com/snapbridge/snapbridge/internal/store/postgres/pgtest"
)

// TestMain stops the private PostgreSQL when the suite ran on it.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// onPostgres reports whether this run of the suite keeps its state in
// PostgreSQL (SNAPBRIDGE_TEST_DATABASE=postgres, as `make test` runs it a
// second time) instead of the default SQLite file in the data directory.
func onPostgres() bool { return os.Getenv("SNAPBRIDGE_TEST_DATABASE") == "postgres" }

// databases maps a test's data directory to its PostgreSQL schema, so a
// restarted server (same data directory) finds the same database.
var databases sync.Map

// useTestDatabase points cfg at the test's database: on PostgreSQL runs, a
// fresh schema of the package's private server per data directory (the
// same again for a restart); on SQLite runs, nothing changes (the file in
// cfg.DataDir).
func useTestDatabase(t testing.TB, cfg *config.Config) {
	t.Helper()
	if !onPostgres() {
		return
	}
	url, ok := databases.Load(cfg.DataDir)
	if !ok {
		url, _ = databases.LoadOrStore(cfg.DataDir, pgtest.URL(t))
	}
	cfg.Database.URL = url.(string)
}

// sqliteOnly skips a test that is about the SQLite file itself when the
// suite runs on PostgreSQL.
func sqliteOnly(t testing.TB, why string) {
	t.Helper()
	if onPostgres() {
		t.Skip("SQLite only: " + why)
	}
}

// countRows runs a COUNT query (written with ? placeholders) on the
// database of the finished configuration cfg, through a connection of its
// own, whichever engine it is.
func countRows(t testing.TB, cfg config.Config, query string, args ...any) int {
	t.Helper()
	var n int
	if cfg.Database.IsPostgres() {
		for i := 1; strings.Contains(query, "?"); i++ {
			query = strings.Replace(query, "?", "$"+strconv.Itoa(i), 1)
		}
		conn, err := pgx.Connect(context.Background(), cfg.Database.URL)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(context.Background())
		if err := conn.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		return n
	}
	db, err := sql.Open("sqlite", "file:"+cfg.DB+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// postgresDigest is databaseDigest on PostgreSQL: every row of every
// table of the test's schema, as text, hashed per table; the readiness
// heartbeat is left out.
func postgresDigest(t *testing.T, url string) map[string]string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_name <> 'readiness' ORDER BY table_name`)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, table := range tables {
		rows, err := conn.Query(ctx, `SELECT r::text FROM `+pgx.Identifier{table}.Sanitize()+` r`)
		if err != nil {
			t.Fatal(err)
		}
		lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		sort.Strings(lines)
		sum := sha256.Sum256([]byte(strings.Join(lines, "\n")))
		out[table] = fmt.Sprintf("%d rows %x", len(lines), sum[:8])
	}
	return out
}
