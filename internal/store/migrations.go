package store

import "fmt"

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
