package storetest

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/store"
)

func testMemberTokens(t *testing.T, open Opener) {
	ctx := context.Background()
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	row := func(tenant, viewer, sealed, status string) store.MemberTokenRow {
		return store.MemberTokenRow{Tenant: tenant, Viewer: viewer, KeyID: "k1", Sealed: []byte(sealed),
			ExpiresAt: at.Add(60 * 24 * time.Hour), Status: status, UpdatedAt: at}
	}
	tests := []struct {
		scenario string
		// run acts on an empty database and returns the row expected under
		// acme/v1 (Tenant empty: no row expected).
		run     func(t *testing.T, db store.Store) store.MemberTokenRow
		wantErr error
	}{
		{
			scenario: "put then get returns every field",
			run: func(t *testing.T, db store.Store) store.MemberTokenRow {
				r := row("acme", "v1", "sealed-1", store.StatusConnected)
				r.RefreshExpiresAt = at.Add(365 * 24 * time.Hour)
				mustPut(t, db, r)
				return r
			},
		},
		{
			scenario: "second put replaces the first (upsert)",
			run: func(t *testing.T, db store.Store) store.MemberTokenRow {
				mustPut(t, db, row("acme", "v1", "sealed-1", store.StatusRevoked))
				r := row("acme", "v1", "sealed-2", store.StatusConnected)
				r.KeyID, r.UpdatedAt = "k2", at.Add(time.Hour)
				mustPut(t, db, r)
				return r
			},
		},
		{
			scenario: "same viewer id in another tenant is another row",
			run: func(t *testing.T, db store.Store) store.MemberTokenRow {
				r := row("acme", "v1", "sealed-acme", store.StatusConnected)
				mustPut(t, db, r)
				mustPut(t, db, row("globex", "v1", "sealed-globex", store.StatusConnected))
				return r
			},
		},
		{
			scenario: "deleted row is not found",
			run: func(t *testing.T, db store.Store) store.MemberTokenRow {
				mustPut(t, db, row("acme", "v1", "sealed-1", store.StatusConnected))
				for range 2 { // deleting twice is not an error
					if err := db.DeleteMemberToken(ctx, "acme", "v1"); err != nil {
						t.Fatalf("DeleteMemberToken: %v", err)
					}
				}
				return store.MemberTokenRow{}
			},
			wantErr: store.ErrNotFound,
		},
		{
			scenario: "reseal of a row that changed meanwhile is refused",
			run: func(t *testing.T, db store.Store) store.MemberTokenRow {
				mustPut(t, db, row("acme", "v1", "sealed-old", store.StatusConnected))
				newer := row("acme", "v1", "sealed-newer", store.StatusConnected)
				mustPut(t, db, newer)
				changed, err := db.ResealMemberToken(ctx, "acme", "v1", []byte("sealed-old"), "k2", []byte("resealed-old"))
				if err != nil || changed {
					t.Fatalf("ResealMemberToken = %v, %v; want false, nil", changed, err)
				}
				return newer
			},
		},
		{
			scenario: "reseal of an unchanged row replaces key id and bytes only",
			run: func(t *testing.T, db store.Store) store.MemberTokenRow {
				r := row("acme", "v1", "sealed-old", store.StatusRevoked)
				mustPut(t, db, r)
				changed, err := db.ResealMemberToken(ctx, "acme", "v1", []byte("sealed-old"), "k2", []byte("sealed-new"))
				if err != nil || !changed {
					t.Fatalf("ResealMemberToken = %v, %v; want true, nil", changed, err)
				}
				r.KeyID, r.Sealed = "k2", []byte("sealed-new")
				return r
			},
		},
		{
			scenario: "swap of an unchanged row replaces every field",
			run: func(t *testing.T, db store.Store) store.MemberTokenRow {
				read := row("acme", "v1", "sealed-read", store.StatusConnected)
				mustPut(t, db, read)
				next := row("acme", "v1", "sealed-refreshed", store.StatusConnected)
				next.KeyID, next.ExpiresAt, next.UpdatedAt = "k2", at.Add(90*24*time.Hour), at.Add(time.Minute)
				mustSwap(t, db, read, next, true)
				return next
			},
		},
		{
			scenario: "swap after a reconnect keeps the new authorization",
			run: func(t *testing.T, db store.Store) store.MemberTokenRow {
				read := row("acme", "v1", "sealed-read", store.StatusConnected)
				mustPut(t, db, read)
				reconnected := row("acme", "v1", "sealed-reconnected", store.StatusConnected)
				mustPut(t, db, reconnected)
				mustSwap(t, db, read, row("acme", "v1", "sealed-refreshed", store.StatusConnected), false)
				return reconnected
			},
		},
		{
			scenario: "swap after a revocation keeps the revocation",
			run: func(t *testing.T, db store.Store) store.MemberTokenRow {
				read := row("acme", "v1", "sealed-read", store.StatusConnected)
				mustPut(t, db, read)
				revoked := read
				revoked.Status = store.StatusRevoked
				mustPut(t, db, revoked)
				mustSwap(t, db, read, row("acme", "v1", "sealed-refreshed", store.StatusConnected), false)
				return revoked
			},
		},
		{
			scenario: "swap after a disconnect does not bring the row back",
			run: func(t *testing.T, db store.Store) store.MemberTokenRow {
				read := row("acme", "v1", "sealed-read", store.StatusConnected)
				mustPut(t, db, read)
				if err := db.DeleteMemberToken(ctx, "acme", "v1"); err != nil {
					t.Fatalf("DeleteMemberToken: %v", err)
				}
				mustSwap(t, db, read, row("acme", "v1", "sealed-refreshed", store.StatusConnected), false)
				return store.MemberTokenRow{}
			},
			wantErr: store.ErrNotFound,
		},
		{
			scenario: "swap onto another viewer is refused",
			run: func(t *testing.T, db store.Store) store.MemberTokenRow {
				read := row("acme", "v1", "sealed-read", store.StatusConnected)
				mustPut(t, db, read)
				if ok, err := db.SwapMemberToken(ctx, read, row("acme", "v2", "sealed-other", store.StatusConnected)); err == nil || ok {
					t.Fatalf("SwapMemberToken onto another viewer = %v, %v; want an error", ok, err)
				}
				return read
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			db := open(t)
			want := tc.run(t, db)
			got, err := db.MemberToken(ctx, "acme", "v1")
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("MemberToken error = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("MemberToken: %v", err)
			}
			assertRow(t, got, want)
		})
	}
}

func testMemberTokenValidation(t *testing.T, open Opener) {
	db := open(t)
	good := store.MemberTokenRow{Tenant: "acme", Viewer: "v1", KeyID: "k1", Sealed: []byte("x"), Status: store.StatusConnected}
	tests := []struct {
		scenario string
		edit     func(*store.MemberTokenRow)
	}{
		{scenario: "missing tenant", edit: func(r *store.MemberTokenRow) { r.Tenant = "" }},
		{scenario: "missing viewer", edit: func(r *store.MemberTokenRow) { r.Viewer = "" }},
		{scenario: "missing key id", edit: func(r *store.MemberTokenRow) { r.KeyID = "" }},
		{scenario: "missing sealed token", edit: func(r *store.MemberTokenRow) { r.Sealed = nil }},
		{scenario: "missing status", edit: func(r *store.MemberTokenRow) { r.Status = "" }},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			r := good
			tc.edit(&r)
			if err := db.PutMemberToken(context.Background(), r); err == nil {
				t.Fatalf("PutMemberToken accepted an incomplete row")
			}
		})
	}
}

func testMemberTokensListAndCount(t *testing.T, open Opener) {
	ctx := context.Background()
	db := open(t)
	for _, r := range []store.MemberTokenRow{
		{Tenant: "globex", Viewer: "v9", Status: store.StatusConnected},
		{Tenant: "acme", Viewer: "v2", Status: store.StatusRevoked},
		{Tenant: "acme", Viewer: "v1", Status: store.StatusConnected},
		{Tenant: "acme", Viewer: "v3", Status: store.StatusConnected},
	} {
		r.KeyID, r.Sealed = "k1", []byte("s-"+r.Viewer)
		mustPut(t, db, r)
	}
	all, err := db.MemberTokens(ctx)
	if err != nil {
		t.Fatalf("MemberTokens: %v", err)
	}
	var order []string
	for _, r := range all {
		order = append(order, r.Tenant+"/"+r.Viewer)
	}
	if got, want := order, []string{"acme/v1", "acme/v2", "acme/v3", "globex/v9"}; !equalStrings(got, want) {
		t.Fatalf("MemberTokens = %v, want %v", got, want)
	}

	tests := []struct {
		scenario, tenant, status string
		want                     int
	}{
		{scenario: "connected in acme", tenant: "acme", status: store.StatusConnected, want: 2},
		{scenario: "revoked in acme", tenant: "acme", status: store.StatusRevoked, want: 1},
		{scenario: "every status in acme", tenant: "acme", status: "", want: 3},
		{scenario: "unknown tenant", tenant: "initech", status: "", want: 0},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			n, err := db.CountMemberTokens(ctx, tc.tenant, tc.status)
			if err != nil {
				t.Fatalf("CountMemberTokens: %v", err)
			}
			if n != tc.want {
				t.Fatalf("CountMemberTokens(%q, %q) = %d, want %d", tc.tenant, tc.status, n, tc.want)
			}
		})
	}
}

func mustSwap(t *testing.T, db store.Store, prev, next store.MemberTokenRow, want bool) {
	t.Helper()
	ok, err := db.SwapMemberToken(context.Background(), prev, next)
	if err != nil || ok != want {
		t.Fatalf("SwapMemberToken = %v, %v; want %v, nil", ok, err, want)
	}
}

func testMemberTokenKeysCountAndMove(t *testing.T, open Opener) {
	ctx := context.Background()
	db := open(t)
	for _, r := range []store.MemberTokenRow{
		{Tenant: "globex", Viewer: "v9", KeyID: "old", Status: store.StatusConnected},
		{Tenant: "acme", Viewer: "v1", KeyID: "old", Status: store.StatusConnected},
		{Tenant: "acme", Viewer: "v2", KeyID: "old", Status: store.StatusRevoked},
		{Tenant: "acme", Viewer: "v3", KeyID: "new", Status: store.StatusConnected},
		{Tenant: "acme", Viewer: "v4", KeyID: "old", Status: store.StatusConnected},
	} {
		r.Sealed = []byte("s-" + r.Tenant + r.Viewer)
		mustPut(t, db, r)
	}
	counts, err := db.MemberTokenKeyCounts(ctx)
	if err != nil {
		t.Fatalf("MemberTokenKeyCounts: %v", err)
	}
	want := []store.MemberTokenKeyCount{
		{Tenant: "acme", KeyID: "new", Status: store.StatusConnected, Count: 1},
		{Tenant: "acme", KeyID: "old", Status: store.StatusConnected, Count: 2},
		{Tenant: "acme", KeyID: "old", Status: store.StatusRevoked, Count: 1},
		{Tenant: "globex", KeyID: "old", Status: store.StatusConnected, Count: 1},
	}
	if len(counts) != len(want) {
		t.Fatalf("MemberTokenKeyCounts = %+v, want %+v", counts, want)
	}
	for i := range want {
		if counts[i] != want[i] {
			t.Fatalf("MemberTokenKeyCounts = %+v, want %+v", counts, want)
		}
	}
	n, err := db.SetMemberTokenStatusByKey(ctx, "old", store.StatusConnected, store.StatusReconnectRequired)
	if err != nil || n != 3 {
		t.Fatalf("SetMemberTokenStatusByKey = %d, %v; want 3 rows", n, err)
	}
	for _, tc := range []struct {
		tenant, status string
		want           int
	}{
		{"acme", store.StatusReconnectRequired, 2}, {"acme", store.StatusRevoked, 1}, {"acme", store.StatusConnected, 1}, {"globex", store.StatusReconnectRequired, 1},
	} {
		if n, _ := db.CountMemberTokens(ctx, tc.tenant, tc.status); n != tc.want {
			t.Errorf("%s has %d %s rows, want %d", tc.tenant, n, tc.status, tc.want)
		}
	}
}

func mustPut(t *testing.T, db store.Store, r store.MemberTokenRow) {
	t.Helper()
	if err := db.PutMemberToken(context.Background(), r); err != nil {
		t.Fatalf("PutMemberToken: %v", err)
	}
}

func assertRow(t *testing.T, got, want store.MemberTokenRow) {
	t.Helper()
	if got.Tenant != want.Tenant || got.Viewer != want.Viewer || got.KeyID != want.KeyID ||
		!bytes.Equal(got.Sealed, want.Sealed) || got.Status != want.Status ||
		!got.ExpiresAt.Equal(want.ExpiresAt) || !got.RefreshExpiresAt.Equal(want.RefreshExpiresAt) ||
		!got.UpdatedAt.Equal(want.UpdatedAt) {
		t.Fatalf("row = %+v\nwant %+v", got, want)
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
