package store

import (
	"context"
	"errors"
	"time"
)

// HostGrantRow is one browser's sign-in to a tenant's CRM identity
// provider (the Entra ID refresh token of a Dynamics 365 seller), so that
// later record pages open without signing in again. The browser holds
// only Handle, an opaque random value; the store keeps a hash of it and
// never sees the token itself, only the keyring's sealed bytes.
type HostGrantRow struct {
	// Tenant and Handle identify the row; only a hash of Handle is
	// written, so a copy of the database yields no usable handle.
	Tenant, Handle string
	// Subject is the CRM user the grant signs in as (the Entra object
	// id), so admins can see whose sign-ins are kept.
	Subject string
	// KeyID names the keyring key that sealed Sealed.
	KeyID string
	// Sealed is the encrypted grant.
	Sealed []byte
	// ExpiresAt is when the grant stops being usable (the refresh token's
	// lifetime); HostGrant answers ErrNotFound from then on.
	ExpiresAt time.Time
	// UpdatedAt is when the row was last written.
	UpdatedAt time.Time
}

// MaxHostGrantHandleLen bounds a handle, in bytes.
const MaxHostGrantHandleLen = 128

// CheckHostGrant refuses a row that lacks a required field.
func (r HostGrantRow) CheckHostGrant() error {
	switch {
	case r.Tenant == "" || r.Handle == "" || len(r.Handle) > MaxHostGrantHandleLen:
		return errors.New("host grant: tenant and a handle of 1-128 bytes are required")
	case r.KeyID == "" || len(r.Sealed) == 0:
		return errors.New("host grant: key id and sealed bytes are required")
	case r.ExpiresAt.IsZero():
		return errors.New("host grant: an expiry is required")
	}
	return nil
}

// HostGrants keeps browsers' sealed sign-ins to CRM identity providers,
// one row per tenant and handle. Times are kept to the millisecond.
type HostGrants interface {
	// PutHostGrant inserts the row, or replaces the one with the same
	// tenant and handle.
	PutHostGrant(ctx context.Context, row HostGrantRow) error
	// HostGrant returns the row of this tenant and handle, or ErrNotFound
	// when there is none or it expired (ExpiresAt not after now).
	HostGrant(ctx context.Context, tenant, handle string, now time.Time) (HostGrantRow, error)
	// SwapHostGrant replaces the row prev was read from with next (its
	// key id, sealed bytes, subject and times), but only if the row still
	// holds prev's sealed bytes: a grant refreshed or signed out since it
	// was read is left alone. It reports whether the row was replaced; of
	// concurrent swaps from the same read exactly one wins.
	SwapHostGrant(ctx context.Context, prev, next HostGrantRow) (bool, error)
	// DeleteHostGrant removes the row of this tenant and handle, if any.
	DeleteHostGrant(ctx context.Context, tenant, handle string) error
}
