package store

import (
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
)

// Migration is one versioned schema change of an engine, read from its
// embedded migrations/NNNN_what.sql file.
type Migration struct {
	// Version is the NNNN of the file name: 1 for the first file.
	Version int
	// Name is the file name without its directory, used in error messages.
	Name string
	// SQL is the file's content, applied as one script.
	SQL string
}

// Migrations reads migrations/*.sql of fsys, ordered by version, and
// checks that the versions run 1, 2, 3… without gaps or repeats. A file
// name that does not start with the next number and an underscore is an
// error.
func Migrations(fsys fs.FS) ([]Migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	out := make([]Migration, 0, len(names))
	for _, name := range names { // fs.Glob returns them sorted
		base := path.Base(name)
		prefix, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(prefix)
		if !ok || err != nil || v != len(out)+1 {
			return nil, fmt.Errorf("migration %s: want a name starting with %04d_", base, len(out)+1)
		}
		raw, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: base, SQL: string(raw)})
	}
	return out, nil
}

// CheckSchemaVersion returns a *SchemaTooNewError when the database's
// schema version have is newer than latest, the newest this binary knows,
// and nil otherwise.
func CheckSchemaVersion(have, latest int) error {
	if have > latest {
		return &SchemaTooNewError{Found: have, Known: latest}
	}
	return nil
}

// SchemaTooNewError is returned when the database was migrated by a newer
// snapbridge than the running one: its tables may hold what this binary
// cannot read or would overwrite, so it refuses to use them.
type SchemaTooNewError struct {
	// Found is the database's schema version; Known the newest this
	// binary knows.
	Found, Known int
}

// Error says what to do about it.
func (e *SchemaTooNewError) Error() string {
	return fmt.Sprintf("database schema version %d is newer than this snapbridge (%d): upgrade snapbridge or restore a matching backup", e.Found, e.Known)
}
