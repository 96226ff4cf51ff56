package sqlite

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/store"
)

func TestOneTimeIDNeverReachesTheDatabaseFile(t *testing.T) {
	ctx := context.Background()
	db, path := openTestDB(t)
	id := "id-that-must-stay-secret-0123456789"
	if err := db.PutOneTime(ctx, "state", id, store.OneTime{Tenant: "acme", ExpiresAt: time.Now().Add(time.Minute)}); err != nil {
		t.Fatalf("PutOneTime: %v", err)
	}
	db.Close()
	for _, f := range []string{path, path + "-wal"} {
		raw, err := os.ReadFile(f)
		if err != nil && !os.IsNotExist(err) {
			t.Fatalf("read %s: %v", f, err)
		}
		if bytes.Contains(raw, []byte(id)) {
			t.Fatalf("%s contains the one-time id in clear", f)
		}
	}
}

func countRows(t *testing.T, db *DB, table string) int {
	t.Helper()
	var n int
	if err := db.sql.QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}
