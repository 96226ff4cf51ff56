package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/store"
)

// Seeding never overwrites a stored tenant; an explicit put replaces it
// and keeps its creation time.
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
			if err := db.PutTenant(ctx, row("v1", t0)); err != nil {
				return err
			}
			return db.PutTenant(ctx, row("v2", t0.Add(time.Hour)))
		}, "v2", t0},
		{"a row without sealed secrets is refused", func(db store.Store) error {
			if err := db.PutTenant(ctx, store.TenantRow{ID: "acme", Config: []byte("{}"), KeyID: "k1"}); err == nil {
				return errors.New("row without secrets accepted")
			}
			return db.PutTenant(ctx, row("v1", t0))
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
