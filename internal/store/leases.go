package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"sync"
	"time"
)

// NewLeaseOwner returns a new random id for this instance to hold leases
// under, prefixed with the host name so an operator reading the leases
// table can tell instances apart.
func NewLeaseOwner() string {
	host, _ := os.Hostname()
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24)
	return host + "-" + hex.EncodeToString(b)
}

// Leases hands out named, expiring leases, so background work of many
// instances sharing one database runs once: the instance holding a lease
// does the work and renews the lease as it goes; when it dies it stops
// renewing, the lease expires, and another instance takes it.
type Leases interface {
	// AcquireLease takes the lease name for owner until now+ttl and
	// reports whether owner holds it: a lease nobody holds, or whose
	// expiry is at or before now, is taken; one owner already holds is
	// renewed; one another owner holds unexpired is refused (false, nil).
	// One atomic statement decides, so of concurrent owners asking for a
	// free lease exactly one gets it. Name and owner are required and ttl
	// must be positive.
	AcquireLease(ctx context.Context, name, owner string, ttl time.Duration, now time.Time) (bool, error)
	// ReleaseLease frees the lease name if owner holds it; a lease held by
	// another owner, or by nobody, is left as it is.
	ReleaseLease(ctx context.Context, name, owner string) error
}

// LeaseHolder takes and frees leases for one owner and remembers which it
// holds, so that an instance stopping cleanly can free them all at once
// and others take its work over without waiting for the leases to expire.
// It is safe for concurrent use.
type LeaseHolder struct {
	db    Leases
	owner string
	ttl   time.Duration

	mu   sync.Mutex
	held map[string]bool
}

// NewLeaseHolder returns a holder taking leases in db for owner, each
// for ttl from the time it is taken or renewed.
func NewLeaseHolder(db Leases, owner string, ttl time.Duration) *LeaseHolder {
	return &LeaseHolder{db: db, owner: owner, ttl: ttl, held: map[string]bool{}}
}

// Acquire takes or renews the lease name until now+ttl and reports
// whether the owner holds it (see Leases.AcquireLease).
func (h *LeaseHolder) Acquire(ctx context.Context, name string, now time.Time) (bool, error) {
	ok, err := h.db.AcquireLease(ctx, name, h.owner, h.ttl, now)
	if err != nil {
		return false, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if ok {
		h.held[name] = true
	} else {
		delete(h.held, name)
	}
	return ok, nil
}

// Release frees the lease name if the owner holds it.
func (h *LeaseHolder) Release(ctx context.Context, name string) error {
	h.mu.Lock()
	delete(h.held, name)
	h.mu.Unlock()
	return h.db.ReleaseLease(ctx, name, h.owner)
}

// ReleaseAll frees every lease the owner took through h and still holds,
// and returns the first failure.
func (h *LeaseHolder) ReleaseAll(ctx context.Context) error {
	h.mu.Lock()
	names := make([]string, 0, len(h.held))
	for name := range h.held {
		names = append(names, name)
	}
	clear(h.held)
	h.mu.Unlock()
	var first error
	for _, name := range names {
		if err := h.db.ReleaseLease(ctx, name, h.owner); err != nil && first == nil {
			first = err
		}
	}
	return first
}
