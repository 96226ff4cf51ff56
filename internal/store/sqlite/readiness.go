package sqlite

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/snapbridge/snapbridge/internal/store"
)

// Ready reports whether the database can serve: the file at the path
// is still the one opened, and a write goes through. The write rewrites
// the one row of the readiness table, so probing does not grow the file;
// it counts the probes because SQLite skips writing a row that has not
// changed, which would let a probe in the same second pass unwritten.
func (db *DB) Ready(ctx context.Context) error {
	if db.file != nil {
		now, err := os.Stat(db.path)
		switch {
		case errors.Is(err, fs.ErrNotExist) || err == nil && !os.SameFile(now, db.file):
			return fmt.Errorf("%w: %s", store.ErrFileReplaced, db.path)
		case err != nil:
			return fmt.Errorf("look at the database file: %w", err)
		}
	}
	_, err := db.sql.ExecContext(ctx, `INSERT INTO readiness (id, probes, checked_at) VALUES (1, 1, CAST(strftime('%s', 'now') AS INTEGER))
		ON CONFLICT (id) DO UPDATE SET probes = probes + 1, checked_at = excluded.checked_at`)
	var se *sqlite.Error
	switch {
	case errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_READONLY:
		return fmt.Errorf("%w: %s: %v", store.ErrReadOnly, db.path, err)
	case err != nil:
		return fmt.Errorf("write the readiness heartbeat: %w", err)
	}
	return nil
}
