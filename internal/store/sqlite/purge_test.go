package sqlite

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/store"
)

func TestPurgeExpiredRemovesOnlyExpiredRows(t *testing.T) {
	ctx := context.Background()
	db, _ := openTestDB(t)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	// More expired rows than one chunk, so the pass needs several.
	const expiredOneTime, expiredIDs = 2*purgeChunk + 7, purgeChunk + 3
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range expiredOneTime {
		kind := []string{"handle", "state", "pending"}[i%3]
		exp := now.Add(-time.Duration(i%5) * time.Minute) // expiring exactly now counts as expired
		if err := putOneTime(ctx, tx, kind, fmt.Sprintf("old-%d", i), store.OneTime{Tenant: "acme", ExpiresAt: exp}); err != nil {
			t.Fatalf("insert expired value: %v", err)
		}
	}
	for i := range expiredIDs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO used_jtis (tenant, jti, expires_at) VALUES ('acme', ?, ?)`,
			fmt.Sprintf("old-%d", i), now.Add(-time.Duration(i%5)*time.Second).Unix()); err != nil {
			t.Fatalf("insert expired id: %v", err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{"handle", "state", "pending"} {
		if err := db.PutOneTime(ctx, kind, "live", store.OneTime{Tenant: "acme", ExpiresAt: now.Add(time.Millisecond)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.sql.ExecContext(ctx, `INSERT INTO used_jtis (tenant, jti, expires_at) VALUES ('acme', 'live', ?)`,
		now.Add(time.Second).Unix()); err != nil {
		t.Fatal(err)
	}

	got, err := db.PurgeExpired(ctx, now)
	if err != nil {
		t.Fatalf("PurgeExpired: %v", err)
	}
	if want := (store.Purged{OneTime: expiredOneTime, ContextIDs: expiredIDs}); got != want {
		t.Fatalf("PurgeExpired = %+v, want %+v", got, want)
	}
	if n, m := countRows(t, db, "oauth_states"), countRows(t, db, "used_jtis"); n != 3 || m != 1 {
		t.Fatalf("after one pass %d one-time values and %d context ids are left, want the 3 and 1 live ones", n, m)
	}
	for _, kind := range []string{"handle", "state", "pending"} {
		if _, err := db.TakeOneTime(ctx, kind, "live", now); err != nil {
			t.Fatalf("the live %s was purged: %v", kind, err)
		}
	}
	if again, err := db.PurgeExpired(ctx, now); err != nil || again != (store.Purged{}) {
		t.Fatalf("second pass = %+v, %v; want nothing left to purge", again, err)
	}
}
