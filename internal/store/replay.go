package store

import (
	"context"
	"time"
)

// ReplayIDs remembers host context ids (JWT jti) until they expire, so
// each context is accepted once, across restarts.
type ReplayIDs interface {
	// RememberJTI records that tenant has used the host context id jti,
	// valid until exp (rounded up to the second), and reports whether it
	// was new. Of concurrent calls with the same id exactly one sees true.
	// An id whose exp has passed counts as new again (its token can no
	// longer be accepted). PurgeExpired deletes ids after exp.
	RememberJTI(ctx context.Context, tenant, jti string, exp time.Time) (bool, error)
}
