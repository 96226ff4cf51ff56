package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
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
