package store

import (
	"context"
	"time"
)

// MaxContextRecordsBytes bounds the records RememberContext keeps with a
// context id: 64 KiB, well above what a host context of at most 16 KiB
// can carry.
const MaxContextRecordsBytes = 64 << 10

// ReplayIDs remembers host context ids (JWT jti) until they expire, so
// each context is accepted once, across restarts, and keeps with each id
// the records of the widget session opened from it, so that the session
// token only refers to them.
type ReplayIDs interface {
	// RememberJTI records that tenant has used the host context id jti,
	// valid until exp (rounded up to the second), and reports whether it
	// was new. Of concurrent calls with the same id exactly one sees true.
	// An id whose exp has passed counts as new again (its token can no
	// longer be accepted). PurgeExpired deletes ids after exp. It is
	// RememberContext without records.
	RememberJTI(ctx context.Context, tenant, jti string, exp time.Time) (bool, error)
	// RememberContext is RememberJTI that also keeps records (opaque
	// bytes, at most MaxContextRecordsBytes) with the id, in the same
	// single write: a fresh id holds exactly these records, a refused one
	// keeps the records it had. Every instance sharing the store reads
	// them back with ContextRecords until exp.
	RememberContext(ctx context.Context, tenant, jti string, exp time.Time, records []byte) (bool, error)
	// ContextRecords returns the records RememberContext kept with
	// tenant's id jti, if that id is still live at now (its exp, rounded
	// up to the second, is later than now's second). It returns
	// ErrNotFound when tenant has no such live id, or kept no records
	// with it: another tenant's id of the same name never answers.
	ContextRecords(ctx context.Context, tenant, jti string, now time.Time) ([]byte, error)
}
