package store

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

func openTestDB(t *testing.T) (*DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "data", "snapbridge.db")
	db, err := Open(path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db, path
}

func TestMemberTokens(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	row := func(tenant, viewer, sealed, status string) MemberTokenRow {
		return MemberTokenRow{Tenant: tenant, Viewer: viewer, KeyID: "k1", Sealed: []byte(sealed),
			ExpiresAt: at.Add(60 * 24 * time.Hour), Status: status, UpdatedAt: at}
	}
	tests := []struct {
		scenario string
		// run acts on an empty database and returns the row expected under
		// acme/v1 (Tenant empty: no row expected).
		run     func(t *testing.T, db *DB) MemberTokenRow
		wantErr error
	}{
		{
			scenario: "put then get returns every field",
			run: func(t *testing.T, db *DB) MemberTokenRow {
				r := row("acme", "v1", "sealed-1", StatusConnected)
				r.RefreshExpiresAt = at.Add(365 * 24 * time.Hour)
				mustPut(t, db, r)
				return r
			},
		},
		{
			scenario: "second put replaces the first (upsert)",
			run: func(t *testing.T, db *DB) MemberTokenRow {
				mustPut(t, db, row("acme", "v1", "sealed-1", StatusRevoked))
				r := row("acme", "v1", "sealed-2", StatusConnected)
				r.KeyID, r.UpdatedAt = "k2", at.Add(time.Hour)
				mustPut(t, db, r)
				return r
			},
		},
		{
			scenario: "same viewer id in another tenant is another row",
			run: func(t *testing.T, db *DB) MemberTokenRow {
				r := row("acme", "v1", "sealed-acme", StatusConnected)
				mustPut(t, db, r)
				mustPut(t, db, row("globex", "v1", "sealed-globex", StatusConnected))
				return r
			},
		},
		{
			scenario: "deleted row is not found",
			run: func(t *testing.T, db *DB) MemberTokenRow {
				mustPut(t, db, row("acme", "v1", "sealed-1", StatusConnected))
				for range 2 { // deleting twice is not an error
					if err := db.DeleteMemberToken(ctx, "acme", "v1"); err != nil {
						t.Fatalf("DeleteMemberToken: %v", err)
					}
				}
				return MemberTokenRow{}
			},
			wantErr: ErrNotFound,
		},
		{
			scenario: "reseal of a row that changed meanwhile is refused",
			run: func(t *testing.T, db *DB) MemberTokenRow {
				mustPut(t, db, row("acme", "v1", "sealed-old", StatusConnected))
				newer := row("acme", "v1", "sealed-newer", StatusConnected)
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
			run: func(t *testing.T, db *DB) MemberTokenRow {
				r := row("acme", "v1", "sealed-old", StatusRevoked)
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
			run: func(t *testing.T, db *DB) MemberTokenRow {
				read := row("acme", "v1", "sealed-read", StatusConnected)
				mustPut(t, db, read)
				next := row("acme", "v1", "sealed-refreshed", StatusConnected)
				next.KeyID, next.ExpiresAt, next.UpdatedAt = "k2", at.Add(90*24*time.Hour), at.Add(time.Minute)
				mustSwap(t, db, read, next, true)
				return next
			},
		},
		{
			scenario: "swap after a reconnect keeps the new authorization",
			run: func(t *testing.T, db *DB) MemberTokenRow {
				read := row("acme", "v1", "sealed-read", StatusConnected)
				mustPut(t, db, read)
				reconnected := row("acme", "v1", "sealed-reconnected", StatusConnected)
				mustPut(t, db, reconnected)
				mustSwap(t, db, read, row("acme", "v1", "sealed-refreshed", StatusConnected), false)
				return reconnected
			},
		},
		{
			scenario: "swap after a revocation keeps the revocation",
			run: func(t *testing.T, db *DB) MemberTokenRow {
				read := row("acme", "v1", "sealed-read", StatusConnected)
				mustPut(t, db, read)
				revoked := read
				revoked.Status = StatusRevoked
				mustPut(t, db, revoked)
				mustSwap(t, db, read, row("acme", "v1", "sealed-refreshed", StatusConnected), false)
				return revoked
			},
		},
		{
			scenario: "swap after a disconnect does not bring the row back",
			run: func(t *testing.T, db *DB) MemberTokenRow {
				read := row("acme", "v1", "sealed-read", StatusConnected)
				mustPut(t, db, read)
				if err := db.DeleteMemberToken(ctx, "acme", "v1"); err != nil {
					t.Fatalf("DeleteMemberToken: %v", err)
				}
				mustSwap(t, db, read, row("acme", "v1", "sealed-refreshed", StatusConnected), false)
				return MemberTokenRow{}
			},
			wantErr: ErrNotFound,
		},
		{
			scenario: "swap onto another viewer is refused",
			run: func(t *testing.T, db *DB) MemberTokenRow {
				read := row("acme", "v1", "sealed-read", StatusConnected)
				mustPut(t, db, read)
				if ok, err := db.SwapMemberToken(ctx, read, row("acme", "v2", "sealed-other", StatusConnected)); err == nil || ok {
					t.Fatalf("SwapMemberToken onto another viewer = %v, %v; want an error", ok, err)
				}
				return read
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			db, _ := openTestDB(t)
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

func TestMemberTokenValidation(t *testing.T) {
	db, _ := openTestDB(t)
	good := MemberTokenRow{Tenant: "acme", Viewer: "v1", KeyID: "k1", Sealed: []byte("x"), Status: StatusConnected}
	tests := []struct {
		scenario string
		edit     func(*MemberTokenRow)
	}{
		{scenario: "missing tenant", edit: func(r *MemberTokenRow) { r.Tenant = "" }},
		{scenario: "missing viewer", edit: func(r *MemberTokenRow) { r.Viewer = "" }},
		{scenario: "missing key id", edit: func(r *MemberTokenRow) { r.KeyID = "" }},
		{scenario: "missing sealed token", edit: func(r *MemberTokenRow) { r.Sealed = nil }},
		{scenario: "missing status", edit: func(r *MemberTokenRow) { r.Status = "" }},
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

func TestMemberTokensListAndCount(t *testing.T) {
	ctx := context.Background()
	db, path := openTestDB(t)
	for _, r := range []MemberTokenRow{
		{Tenant: "globex", Viewer: "v9", Status: StatusConnected},
		{Tenant: "acme", Viewer: "v2", Status: StatusRevoked},
		{Tenant: "acme", Viewer: "v1", Status: StatusConnected},
		{Tenant: "acme", Viewer: "v3", Status: StatusConnected},
	} {
		r.KeyID, r.Sealed = "k1", []byte("s-"+r.Viewer)
		mustPut(t, db, r)
	}
	// A restart must keep every row.
	db.Close()
	db, err := Open(path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer db.Close()

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
		{scenario: "connected in acme", tenant: "acme", status: StatusConnected, want: 2},
		{scenario: "revoked in acme", tenant: "acme", status: StatusRevoked, want: 1},
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

func mustSwap(t *testing.T, db *DB, prev, next MemberTokenRow, want bool) {
	t.Helper()
	ok, err := db.SwapMemberToken(context.Background(), prev, next)
	if err != nil || ok != want {
		t.Fatalf("SwapMemberToken = %v, %v; want %v, nil", ok, err, want)
	}
}

func TestMemberTokenKeysCountAndMove(t *testing.T) {
	ctx := context.Background()
	db, _ := openTestDB(t)
	for _, r := range []MemberTokenRow{
		{Tenant: "globex", Viewer: "v9", KeyID: "old", Status: StatusConnected},
		{Tenant: "acme", Viewer: "v1", KeyID: "old", Status: StatusConnected},
		{Tenant: "acme", Viewer: "v2", KeyID: "old", Status: StatusRevoked},
		{Tenant: "acme", Viewer: "v3", KeyID: "new", Status: StatusConnected},
		{Tenant: "acme", Viewer: "v4", KeyID: "old", Status: StatusConnected},
	} {
		r.Sealed = []byte("s-" + r.Tenant + r.Viewer)
		mustPut(t, db, r)
	}
	counts, err := db.MemberTokenKeyCounts(ctx)
	if err != nil {
		t.Fatalf("MemberTokenKeyCounts: %v", err)
	}
	want := []MemberTokenKeyCount{
		{Tenant: "acme", KeyID: "new", Status: StatusConnected, Count: 1},
		{Tenant: "acme", KeyID: "old", Status: StatusConnected, Count: 2},
		{Tenant: "acme", KeyID: "old", Status: StatusRevoked, Count: 1},
		{Tenant: "globex", KeyID: "old", Status: StatusConnected, Count: 1},
	}
	if len(counts) != len(want) {
		t.Fatalf("MemberTokenKeyCounts = %+v, want %+v", counts, want)
	}
	for i := range want {
		if counts[i] != want[i] {
			t.Fatalf("MemberTokenKeyCounts = %+v, want %+v", counts, want)
		}
	}
	n, err := db.SetMemberTokenStatusByKey(ctx, "old", StatusConnected, StatusReconnectRequired)
	if err != nil || n != 3 {
		t.Fatalf("SetMemberTokenStatusByKey = %d, %v; want 3 rows", n, err)
	}
	for _, tc := range []struct {
		tenant, status string
		want           int
	}{
		{"acme", StatusReconnectRequired, 2}, {"acme", StatusRevoked, 1}, {"acme", StatusConnected, 1}, {"globex", StatusReconnectRequired, 1},
	} {
		if n, _ := db.CountMemberTokens(ctx, tc.tenant, tc.status); n != tc.want {
			t.Errorf("%s has %d %s rows, want %d", tc.tenant, n, tc.status, tc.want)
		}
	}
}

func mustPut(t *testing.T, db *DB, r MemberTokenRow) {
	t.Helper()
	if err := db.PutMemberToken(context.Background(), r); err != nil {
		t.Fatalf("PutMemberToken: %v", err)
	}
}

func assertRow(t *testing.T, got, want MemberTokenRow) {
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
