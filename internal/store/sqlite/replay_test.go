package sqlite

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

func openReplayDB(t *testing.T, path string) *DB {
	t.Helper()
	db, err := Open(path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestRememberJTISurvivesRestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "replay.db")
	db, err := Open(path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if fresh, err := db.RememberJTI(ctx, "acme", "j1", time.Now().Add(time.Minute)); err != nil || !fresh {
		t.Fatalf("first RememberJTI = %v, %v; want fresh", fresh, err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	reopened := openReplayDB(t, path)
	if fresh, err := reopened.RememberJTI(ctx, "acme", "j1", time.Now().Add(time.Minute)); err != nil || fresh {
		t.Fatalf("RememberJTI after restart = %v, %v; want refused", fresh, err)
	}
}
