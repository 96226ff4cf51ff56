package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/store"
)

// A revoked key stays listed, revoking is scoped to its tenant, and use
// is recorded.
func testAPIKeys(t *testing.T, open Opener) {
	ctx := context.Background()
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	key := store.APIKeyRow{ID: "ab12", Tenant: "acme", Name: "zapier", SecretHash: []byte("hash"), CreatedBy: "operator", CreatedAt: t0}
	for _, tc := range []struct {
		scenario    string
		act         func(db store.Store) error
		wantErr     error
		wantRevoked bool
		wantUsed    time.Time
	}{
		{"a new key is active and unused", func(store.Store) error { return nil }, nil, false, time.Time{}},
		{"revoking marks it revoked", func(db store.Store) error { return db.RevokeAPIKey(ctx, "acme", "ab12", t0.Add(time.Hour)) }, nil, true, time.Time{}},
		{"another tenant cannot revoke it", func(db store.Store) error { return db.RevokeAPIKey(ctx, "other", "ab12", t0) }, store.ErrNotFound, false, time.Time{}},
		{"an unknown id is not found", func(db store.Store) error { return db.RevokeAPIKey(ctx, "acme", "zz", t0) }, store.ErrNotFound, false, time.Time{}},
		{"use is recorded", func(db store.Store) error { return db.TouchAPIKey(ctx, "ab12", t0.Add(time.Minute)) }, nil, false, t0.Add(time.Minute)},
		{"the same id twice is refused", func(db store.Store) error { return db.CreateAPIKey(ctx, key) }, nil, false, time.Time{}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			db := open(t)
			if err := db.CreateAPIKey(ctx, key); err != nil {
				t.Fatal(err)
			}
			err := tc.act(db)
			if tc.scenario == "the same id twice is refused" {
				if err == nil {
					t.Fatal("duplicate key id accepted")
				}
				err = nil
			}
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			got, err := db.APIKey(ctx, "ab12")
			if err != nil {
				t.Fatal(err)
			}
			if got.Revoked() != tc.wantRevoked || !got.LastUsedAt.Equal(tc.wantUsed) || string(got.SecretHash) != "hash" {
				t.Errorf("key = %+v, want revoked %v, last used %v", got, tc.wantRevoked, tc.wantUsed)
			}
			list, err := db.APIKeys(ctx, "acme")
			if err != nil || len(list) != 1 {
				t.Errorf("APIKeys = %d keys, %v; want 1", len(list), err)
			}
		})
	}
}
