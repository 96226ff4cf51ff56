package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/store"
)

// A browser's sign-in to a CRM identity provider is found by its handle
// only in its tenant and only while live; a refresh replaces it only if
// nothing else did first; signing out removes it.
func testHostGrants(t *testing.T, open Opener) {
	ctx := context.Background()
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	db := open(t)
	row := store.HostGrantRow{Tenant: "acme", Handle: "handle-1", Subject: "oid-1", KeyID: "k1",
		Sealed: []byte("sealed-1"), ExpiresAt: t0.Add(time.Hour), UpdatedAt: t0}
	if err := db.PutHostGrant(ctx, row); err != nil {
		t.Fatal(err)
	}
	if err := db.PutHostGrant(ctx, store.HostGrantRow{Tenant: "acme", Handle: "h"}); err == nil {
		t.Error("a row without sealed bytes was stored")
	}
	for _, tc := range []struct {
		scenario       string
		tenant, handle string
		now            time.Time
		found          bool
	}{
		{"its own handle while live", "acme", "handle-1", t0, true},
		{"another tenant", "other", "handle-1", t0, false},
		{"another handle", "acme", "handle-2", t0, false},
		{"at its expiry", "acme", "handle-1", t0.Add(time.Hour), false},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			got, err := db.HostGrant(ctx, tc.tenant, tc.handle, tc.now)
			switch {
			case !tc.found && !errors.Is(err, store.ErrNotFound):
				t.Fatalf("got %+v, %v; want ErrNotFound", got, err)
			case tc.found && err != nil:
				t.Fatal(err)
			case tc.found && (got.Subject != "oid-1" || got.KeyID != "k1" || string(got.Sealed) != "sealed-1" ||
				!got.ExpiresAt.Equal(row.ExpiresAt) || !got.UpdatedAt.Equal(t0) || got.Handle != "handle-1"):
				t.Fatalf("got %+v", got)
			}
		})
	}

	// Two refreshes from the same read: exactly one wins.
	prev, err := db.HostGrant(ctx, "acme", "handle-1", t0)
	if err != nil {
		t.Fatal(err)
	}
	var wins sync.WaitGroup
	results := make([]bool, 8)
	for i := range results {
		wins.Add(1)
		go func() {
			defer wins.Done()
			next := prev
			next.Sealed = []byte{byte('a' + i)}
			next.ExpiresAt, next.UpdatedAt = t0.Add(2*time.Hour), t0.Add(time.Minute)
			ok, err := db.SwapHostGrant(ctx, prev, next)
			if err != nil {
				t.Error(err)
			}
			results[i] = ok
		}()
	}
	wins.Wait()
	won := 0
	for _, ok := range results {
		if ok {
			won++
		}
	}
	if won != 1 {
		t.Fatalf("%d swaps from one read won, want 1", won)
	}
	got, err := db.HostGrant(ctx, "acme", "handle-1", t0.Add(90*time.Minute))
	if err != nil || len(got.Sealed) != 1 {
		t.Fatalf("after the swap: %+v, %v", got, err)
	}
	if ok, err := db.SwapHostGrant(ctx, prev, prev); err != nil || ok {
		t.Fatalf("a stale swap replaced the row: %v, %v", ok, err)
	}
	if err := db.DeleteHostGrant(ctx, "acme", "handle-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.HostGrant(ctx, "acme", "handle-1", t0); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("after sign-out: %v", err)
	}

	// An expired grant is purged; a live one stays.
	for _, g := range []store.HostGrantRow{
		{Tenant: "acme", Handle: "old", KeyID: "k1", Sealed: []byte("o"), ExpiresAt: t0, UpdatedAt: t0},
		{Tenant: "acme", Handle: "live", KeyID: "k1", Sealed: []byte("l"), ExpiresAt: t0.Add(time.Hour), UpdatedAt: t0},
	} {
		if err := db.PutHostGrant(ctx, g); err != nil {
			t.Fatal(err)
		}
	}
	if p, err := db.PurgeExpired(ctx, t0); err != nil || p.HostGrants != 1 {
		t.Fatalf("purge: %+v, %v; want one host grant", p, err)
	}
	if _, err := db.HostGrant(ctx, "acme", "live", t0); err != nil {
		t.Fatalf("the live grant was purged: %v", err)
	}
}
