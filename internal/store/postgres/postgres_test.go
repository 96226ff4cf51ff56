package postgres

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/store"
	"github.com/snapbridge/snapbridge/internal/store/postgres/pgtest"
	"github.com/snapbridge/snapbridge/internal/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// poolURL lets a test's store open up to 16 connections, so the
// suite's concurrent callers really run on several connections at once.
func poolURL(t *testing.T) string { return pgtest.URL(t) + "&pool_max_conns=16" }

// TestConformance runs the storage suite against PostgreSQL, a fresh
// schema per test on the package's private server.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return openTestDB(t, poolURL(t))
	})
}

func openTestDB(t *testing.T, url string) *DB {
	t.Helper()
	db, err := Open(context.Background(), url)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// warm opens n connections of db's pool at once and gives them back, so
// the callers that follow find n idle connections and run side by side.
func warm(t *testing.T, db *DB, n int) {
	t.Helper()
	ctx := context.Background()
	var conns []interface{ Release() }
	for range n {
		c, err := db.pool.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	for _, c := range conns {
		c.Release()
	}
}

// Several instances (each its own pool, each pool many connections)
// share one database: the daily budget is never exceeded across them, a
// one-time value and a context id are taken once, and of member-token
// swaps from one read exactly one wins.
func TestInstancesSharingOneDatabaseStayCorrect(t *testing.T) {
	url := poolURL(t)
	instances := []*DB{openTestDB(t, url), openTestDB(t, url), openTestDB(t, url)}
	for _, db := range instances {
		warm(t, db, 8)
	}
	ctx := context.Background()
	const callers = 48
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	if err := instances[0].PutOneTime(ctx, "state", "s1", store.OneTime{Tenant: "acme", ExpiresAt: at.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	row := store.MemberTokenRow{Tenant: "acme", Viewer: "v1", KeyID: "k1", Sealed: []byte("read"),
		ExpiresAt: at, Status: store.StatusConnected, UpdatedAt: at}
	if err := instances[0].PutMemberToken(ctx, row); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		scenario string
		call     func(db *DB, i int) (bool, error)
		want     int
	}{
		{"a budget of 25 over 48 callers on three instances", func(db *DB, i int) (bool, error) {
			allowed, _, err := db.ReserveLookups(ctx, "acme", "2026-03-14", []string{fmt.Sprintf("r%d", i)}, 25)
			return len(allowed) == 1, err
		}, 25},
		{"forced refreshes of one record against a budget of 7", func(db *DB, _ int) (bool, error) {
			allowed, _, err := db.ReserveForcedLookups(ctx, "globex", "2026-03-14", []string{"same"}, 7)
			return len(allowed) == 1, err
		}, 7},
		{"one OAuth state taken by 48 callbacks", func(db *DB, _ int) (bool, error) {
			_, err := db.TakeOneTime(ctx, "state", "s1", at)
			if errors.Is(err, store.ErrNotFound) {
				return false, nil
			}
			return err == nil, err
		}, 1},
		{"one context id presented 48 times", func(db *DB, _ int) (bool, error) {
			return db.RememberJTI(ctx, "acme", "jti-1", time.Now().Add(time.Hour))
		}, 1},
		{"48 refreshes swapping from the same read", func(db *DB, i int) (bool, error) {
			next := row
			next.Sealed = []byte(fmt.Sprintf("rotated-%d", i))
			return db.SwapMemberToken(ctx, row, next)
		}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			var wg sync.WaitGroup
			var mu sync.Mutex
			won := 0
			start := make(chan struct{})
			for i := range callers {
				wg.Go(func() {
					<-start
					ok, err := tc.call(instances[i%len(instances)], i)
					if err != nil {
						t.Errorf("call %d: %v", i, err)
						return
					}
					if ok {
						mu.Lock()
						won++
						mu.Unlock()
					}
				})
			}
			close(start)
			wg.Wait()
			if won != tc.want {
				t.Fatalf("%d of %d callers succeeded, want %d", won, callers, tc.want)
			}
		})
	}
	used, err := instances[1].LookupsUsed(ctx, "acme", "2026-03-14")
	if err != nil || used != 25 {
		t.Fatalf("LookupsUsed = %d, %v; want 25", used, err)
	}
	for i, db := range instances {
		if n := db.pool.Stat().TotalConns(); n < 2 {
			t.Errorf("instance %d used %d connection(s), want several", i, n)
		}
	}
}

// Instances started together migrate the same empty database once: each
// version is applied by one of them, the others find it done.
func TestInstancesStartingTogetherMigrateOnce(t *testing.T) {
	url := pgtest.URL(t)
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for range 6 {
		wg.Go(func() {
			db, err := Open(context.Background(), url)
			if err == nil {
				db.Close()
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
	}
	db := openTestDB(t, url)
	var rows, latest int
	if err := db.pool.QueryRow(context.Background(), `SELECT COUNT(*), MAX(version) FROM schema_migrations`).Scan(&rows, &latest); err != nil {
		t.Fatal(err)
	}
	if rows != LatestVersion() || latest != LatestVersion() {
		t.Fatalf("schema_migrations holds %d rows up to version %d, want one per version up to %d", rows, latest, LatestVersion())
	}
}

func TestMigrateNewDatabaseGoesFromZeroToLatest(t *testing.T) {
	url := pgtest.URL(t)
	before, after, err := Migrate(context.Background(), url)
	if err != nil || before != 0 || after != LatestVersion() {
		t.Fatalf("Migrate = %d, %d, %v; want 0, %d, nil", before, after, err, LatestVersion())
	}
	before, after, err = Migrate(context.Background(), url)
	if err != nil || before != LatestVersion() || after != LatestVersion() {
		t.Fatalf("second Migrate = %d, %d, %v; want nothing to do at %d", before, after, err, LatestVersion())
	}
}

// An older snapbridge refuses a database a newer one migrated, with the
// same words as on SQLite, at Open and at Migrate.
func TestDatabaseOfANewerSnapbridgeIsRefused(t *testing.T) {
	url := pgtest.URL(t)
	db := openTestDB(t, url)
	if _, err := db.pool.Exec(context.Background(), `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, 0)`, LatestVersion()+2); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("database schema version %d is newer than this snapbridge (%d): upgrade snapbridge or restore a matching backup",
		LatestVersion()+2, LatestVersion())
	_, err := Open(context.Background(), url)
	var tooNew *store.SchemaTooNewError
	if !errors.As(err, &tooNew) || err.Error() != want {
		t.Fatalf("Open = %v, want %q", err, want)
	}
	if _, _, err := Migrate(context.Background(), url); !errors.As(err, &tooNew) {
		t.Fatalf("Migrate = %v, want a SchemaTooNewError", err)
	}
}

// A URL with a password never comes back in the error about it.
func TestOpenNeverQuotesThePassword(t *testing.T) {
	for _, url := range []string{
		"postgres://snap:hunter2-secret@127.0.0.1:1/db?connect_timeout=1",
		"postgres://snap:hunter2-secret@127.0.0.1:1/db?pool_max_conns=nope",
	} {
		_, err := Open(context.Background(), url)
		if err == nil || strings.Contains(err.Error(), "hunter2") {
			t.Fatalf("Open(%q) = %v, want an error without the password", url, err)
		}
	}
}

func TestReadyWritesAndReads(t *testing.T) {
	url := pgtest.URL(t)
	db := openTestDB(t, url)
	ctx := context.Background()
	for range 3 {
		if err := db.Ready(ctx); err != nil {
			t.Fatal(err)
		}
	}
	var rows, probes int
	if err := db.pool.QueryRow(ctx, `SELECT COUNT(*), MAX(probes) FROM readiness`).Scan(&rows, &probes); err != nil {
		t.Fatal(err)
	}
	if rows != 1 || probes != 3 {
		t.Fatalf("readiness holds %d rows with %d probes, want 1 row counting 3", rows, probes)
	}
	// The same database through a server that refuses writes (as a
	// standby would).
	ro, err := open(ctx, url+"&default_transaction_read_only=on")
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if err := ro.Ready(ctx); !errors.Is(err, store.ErrReadOnly) {
		t.Fatalf("Ready on a read-only database = %v, want store.ErrReadOnly", err)
	}
}
