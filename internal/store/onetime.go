package store

import (
	"context"
	"time"
)

// OneTime is a short-lived value that can be taken exactly once: a connect
// handle, an OAuth state. Who it belongs to is stored in clear; anything
// secret belongs in Payload, sealed by the caller.
type OneTime struct {
	// Tenant, Viewer and SessionID say whose flow this value belongs to.
	Tenant, Viewer, SessionID string
	// Payload is opaque to the store; empty is allowed.
	Payload []byte
	// ExpiresAt is when TakeOneTime stops returning the value. Required.
	ExpiresAt time.Time
}

// MaxReuseCandidates bounds how many live values PutOneTimeOnce offers to
// its reuse function, newest first.
const MaxReuseCandidates = 8

// OneTimeValues keeps values that can be taken exactly once, by kind and
// id. Only a hash of the id is written, so a copy of the database does not
// yield usable ids; the id never appears in an error message.
type OneTimeValues interface {
	// PutOneTime stores v under kind and id. Storing the same kind and id
	// twice is an error. Expired values are removed by PurgeExpired.
	PutOneTime(ctx context.Context, kind, id string, v OneTime) error
	// PutOneTimeOnce is PutOneTime for values a session should hold one
	// of at a time. When the same tenant, viewer and session already hold
	// a value of kind that is still live at liveAfter and that reuse
	// accepts, nothing is stored and that value comes back with reused
	// true; otherwise v is stored under id. One transaction decides, so
	// concurrent callers for one session store one value between them.
	// reuse sees at most MaxReuseCandidates live values, latest expiry
	// first; it runs inside the transaction and must not use the store.
	// A nil reuse accepts any.
	PutOneTimeOnce(ctx context.Context, kind, id string, v OneTime, liveAfter time.Time,
		reuse func(OneTime) bool) (got OneTime, reused bool, err error)
	// TakeOneTime returns the value stored under kind and id and deletes
	// it at once, so of any number of concurrent takers exactly one
	// succeeds. Absent or expired (ExpiresAt not after now) values give
	// ErrNotFound; an expired value is deleted all the same.
	TakeOneTime(ctx context.Context, kind, id string, now time.Time) (OneTime, error)
	// TakeOneTimeOf is TakeOneTime for a value only its owner may spend:
	// the value is taken only when owner's Tenant, Viewer and SessionID
	// are the stored ones (owner's other fields are ignored), in the same
	// single step. Anyone else gets ErrNotFound and leaves the value in
	// place.
	TakeOneTimeOf(ctx context.Context, kind, id string, owner OneTime, now time.Time) (OneTime, error)
}
