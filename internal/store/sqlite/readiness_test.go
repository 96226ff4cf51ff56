package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/snapbridge/snapbridge/internal/store"
)

// TestReadyNoticesADatabaseThatCannotTakeWrites covers what an operator
// can do to a running server's database: delete it, move another file
// over it, make it read-only; and what is harmless (moving it back).
func TestReadyNoticesADatabaseThatCannotTakeWrites(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		// prepare damages the database at path and returns the DB to check.
		prepare func(t *testing.T, db *DB, path string) *DB
		want    error
	}{
		{"a healthy database", func(t *testing.T, db *DB, path string) *DB { return db }, nil},
		{"the file was deleted", func(t *testing.T, db *DB, path string) *DB {
			mustDo(t, os.Remove(path))
			return db
		}, store.ErrFileReplaced},
		{"a copy was moved over the file", func(t *testing.T, db *DB, path string) *DB {
			raw, err := os.ReadFile(path)
			mustDo(t, err)
			mustDo(t, os.WriteFile(path+".copy", raw, 0o600))
			mustDo(t, os.Rename(path+".copy", path))
			return db
		}, store.ErrFileReplaced},
		{"the file was moved away and back", func(t *testing.T, db *DB, path string) *DB {
			mustDo(t, os.Rename(path, path+".moved"))
			if err := db.Ready(context.Background()); !errors.Is(err, store.ErrFileReplaced) {
				t.Errorf("moved away: Ready = %v, want %v", err, store.ErrFileReplaced)
			}
			mustDo(t, os.Rename(path+".moved", path))
			return db
		}, nil},
		{"the database was opened read-only", func(t *testing.T, db *DB, path string) *DB {
			mustDo(t, db.Close())
			ro, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
			mustDo(t, err)
			t.Cleanup(func() { ro.Close() })
			file, err := os.Stat(path)
			mustDo(t, err)
			return &DB{sql: ro, path: path, file: file}
		}, store.ErrReadOnly},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "snapbridge.db")
			db, err := Open(path)
			mustDo(t, err)
			t.Cleanup(func() { db.Close() })
			err = tc.prepare(t, db, path).Ready(context.Background())
			if tc.want == nil && err != nil || !errors.Is(err, tc.want) {
				t.Errorf("Ready = %v, want %v", err, tc.want)
			}
		})
	}
}

// TestReadyNoticesAnImmutableDatabase makes the database's files
// immutable (chattr +i), which even root cannot write through, and then
// writable again.
func TestReadyNoticesAnImmutableDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "snapbridge.db")
	db, err := Open(path)
	mustDo(t, err)
	t.Cleanup(func() { db.Close() })
	mustDo(t, db.Ready(context.Background()))
	files := []string{path, path + "-wal"}
	if out, err := exec.Command("chattr", append([]string{"+i"}, files...)...).CombinedOutput(); err != nil {
		t.Skipf("chattr +i is not available here: %v %s", err, out)
	}
	writable := func() error { return exec.Command("chattr", append([]string{"-i"}, files...)...).Run() }
	t.Cleanup(func() { writable() })
	if err := db.Ready(context.Background()); err == nil {
		t.Error("Ready = nil on an immutable database")
	}
	mustDo(t, writable())
	if err := db.Ready(context.Background()); err != nil {
		t.Errorf("Ready = %v once the files are writable again", err)
	}
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
