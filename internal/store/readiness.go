package store

import (
	"context"
	"errors"
)

var (
	// ErrFileReplaced is returned by Ready when the database path no
	// longer names the file that was opened: it was deleted, or another
	// file was moved over it. Writes would then land in a file nobody
	// will open again; only a restart picks up the file at the path.
	ErrFileReplaced = errors.New("store: the database file was replaced or deleted")
	// ErrReadOnly is returned by Ready when the database refuses to write.
	ErrReadOnly = errors.New("store: the database is read-only")
)

// Readiness answers the readiness probe.
type Readiness interface {
	// Ready reports whether the store can serve: a write goes through
	// (and, for a file, the file at the path is still the one opened).
	// Probing does not grow the database.
	Ready(ctx context.Context) error
}
