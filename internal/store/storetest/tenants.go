package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/store"
)

// Seeding never overwrites a stored tenant; an update at the stored
// revision replaces it and keeps its creation time; an update at an older
// revision is refused and changes nothing.
func testTenantsSeedAndReplace(t *testing.T, open Opener) {
	ctx := context.Background()
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	row := func(cfg string, at time.Time) store.TenantRow {
		return store.TenantRow{ID: "acme", Config: []byte(cfg), KeyID: "k1", Sealed: []byte("sealed-" + cfg), CreatedAt: at, UpdatedAt: at}
	}
	for _, tc := range []struct {
		scenario    string
		steps       func(db store.Store) error
		wantConfig  string
		wantCreated time.Time
	}{
		{"first seed stores the tenant", func(db store.Store) error {
			added, err := db.InsertTenantIfAbsent(ctx, row("v1", t0))
			if !added {
				return errors.New("first seed not added")
			}
			return err
		}, "v1", t0},
		{"a second seed leaves the stored tenant alone", func(db store.Store) error {
			if _, err := db.InsertTenantIfAbsent(ctx, row("v1", t0)); err != nil {
				return err
			}
			added, err := db.InsertTenantIfAbsent(ctx, row("yaml", t0.Add(time.Hour)))
			if added {
				return errors.New("second seed reported as added")
			}
			return err
		}, "v1", t0},
		{"an update replaces the config but keeps createdAt", func(db store.Store) error {
			if _, err := db.InsertTenantIfAbsent(ctx, row("v1", t0)); err != nil {
				return err
			}
			next, err := db.UpdateTenant(ctx, row("v2", t0.Add(time.Hour)), 1)
			if err == nil && next != 2 {
				return fmt.Errorf("update from revision 1 answered revision %d, want 2", next)
			}
			return err
		}, "v2", t0},
		{"an update from a stale revision is refused and changes nothing", func(db store.Store) error {
			if _, err := db.InsertTenantIfAbsent(ctx, row("v1", t0)); err != nil {
				return err
			}
			// Two admins read revision 1; the first saves, the second's save is stale.
			if _, err := db.UpdateTenant(ctx, row("v2", t0.Add(time.Hour)), 1); err != nil {
				return err
			}
			if _, err := db.UpdateTenant(ctx, row("stale", t0.Add(2*time.Hour)), 1); !errors.Is(err, store.ErrStale) {
				return fmt.Errorf("update from a stale revision: err = %v, want store.ErrStale", err)
			}
			return nil
		}, "v2", t0},
		{"an update of a tenant never stored is not found", func(db store.Store) error {
			if _, err := db.UpdateTenant(ctx, row("nobody", t0), 1); !errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("update of a missing tenant: err = %v, want store.ErrNotFound", err)
			}
			_, err := db.InsertTenantIfAbsent(ctx, row("v1", t0))
			return err
		}, "v1", t0},
		{"a row without sealed secrets is refused", func(db store.Store) error {
			if _, err := db.InsertTenantIfAbsent(ctx, store.TenantRow{ID: "acme", Config: []byte("{}"), KeyID: "k1"}); err == nil {
				return errors.New("row without secrets accepted")
			}
			if _, err := db.InsertTenantIfAbsent(ctx, row("v1", t0)); err != nil {
				return err
			}
			if _, err := db.UpdateTenant(ctx, store.TenantRow{ID: "acme", Config: []byte("{}"), KeyID: "k1"}, 1); err == nil {
				return errors.New("update without secrets accepted")
			}
			return nil
		}, "v1", t0},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			db := open(t)
			if err := tc.steps(db); err != nil {
				t.Fatal(err)
			}
			got, err := db.StoredTenant(ctx, "acme")
			if err != nil {
				t.Fatal(err)
			}
			if string(got.Config) != tc.wantConfig || !got.CreatedAt.Equal(tc.wantCreated) || string(got.Sealed) != "sealed-"+tc.wantConfig {
				t.Errorf("stored %q created %v, want %q created %v", got.Config, got.CreatedAt, tc.wantConfig, tc.wantCreated)
			}
			all, err := db.StoredTenants(ctx)
			if err != nil || len(all) != 1 {
				t.Errorf("StoredTenants = %d rows, %v; want 1", len(all), err)
			}
		})
	}
	db := open(t)
	if _, err := db.StoredTenant(ctx, "nobody"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown tenant: err = %v, want store.ErrNotFound", err)
	}
}

// testConcurrentTenantUpdatesFromOneReadHaveOneWinner: admins on several
// instances who read the same revision of a tenant and save at once leave
// exactly one save stored, at the next revision; every other is
// store.ErrStale, none is lost silently.
func testConcurrentTenantUpdatesFromOneReadHaveOneWinner(t *testing.T, open Opener) {
	ctx := context.Background()
	db := open(t)
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	if _, err := db.InsertTenantIfAbsent(ctx, store.TenantRow{ID: "acme", Config: []byte("read"), KeyID: "k1", Sealed: []byte("s"), CreatedAt: at, UpdatedAt: at}); err != nil {
		t.Fatal(err)
	}
	read, err := db.StoredTenant(ctx, "acme")
	if err != nil || read.Revision != 1 {
		t.Fatalf("inserted tenant at revision %d, %v; want 1", read.Revision, err)
	}
	const writers = 20
	var wg sync.WaitGroup
	var mu sync.Mutex
	var winners []string
	start := make(chan struct{})
	for i := range writers {
		wg.Go(func() {
			row := read
			row.Config = []byte(fmt.Sprintf("save-%d", i))
			<-start
			next, err := db.UpdateTenant(ctx, row, read.Revision)
			switch {
			case errors.Is(err, store.ErrStale):
			case err != nil:
				t.Errorf("UpdateTenant: %v", err)
			case next != read.Revision+1:
				t.Errorf("the winning save answered revision %d, want %d", next, read.Revision+1)
			default:
				mu.Lock()
				winners = append(winners, string(row.Config))
				mu.Unlock()
			}
		})
	}
	close(start)
	wg.Wait()
	if len(winners) != 1 {
		t.Fatalf("%d of %d saves from the same revision won (%v), want exactly 1", len(winners), writers, winners)
	}
	got, err := db.StoredTenant(ctx, "acme")
	if err != nil || string(got.Config) != winners[0] || got.Revision != 2 {
		t.Fatalf("stored %q at revision %d, %v; want the winner's %q at revision 2", got.Config, got.Revision, err, winners[0])
	}
}
