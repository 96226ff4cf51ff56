package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// TenantRow is one stored tenant: its configuration as JSON without any
// secret, and its secrets sealed by the key ring (the store never sees
// them in clear).
type TenantRow struct {
	// ID is the tenant id.
	ID string
	// Config is the tenant's JSON configuration, secrets left out.
	Config []byte
	// KeyID names the key-ring key that sealed Sealed.
	KeyID string
	// Sealed holds the tenant's secrets, encrypted.
	Sealed []byte
	// CreatedAt and UpdatedAt are when the row was first and last written.
	CreatedAt, UpdatedAt time.Time
	// Revision counts the row's versions: 1 when inserted, one more at
	// each UpdateTenant. Editors hand back the revision they read, so a
	// save made on an older version is refused instead of overwriting
	// what was saved since. Inserts ignore it.
	Revision int64
}

// Check refuses a row without id, configuration, key id or sealed
// secrets; implementations call it before writing.
func (row TenantRow) Check() error {
	switch {
	case row.ID == "":
		return errors.New("tenant id is required")
	case len(row.Config) == 0:
		return fmt.Errorf("tenant %s: config is required", row.ID)
	case row.KeyID == "" || len(row.Sealed) == 0:
		return fmt.Errorf("tenant %s: key id and sealed secrets are required", row.ID)
	}
	return nil
}

// Tenants keeps the tenants created or changed through the admin API.
type Tenants interface {
	// UpdateTenant replaces the stored tenant's configuration, secrets
	// and update time, keeping its creation time, but only if the stored
	// row is still at revision (the one the caller read); it returns the
	// new revision, revision+1. A row at another revision is ErrStale, a
	// missing one ErrNotFound: two admins saving the same tenant never
	// lose one's changes silently.
	UpdateTenant(ctx context.Context, row TenantRow, revision int64) (int64, error)
	// InsertTenantIfAbsent stores the tenant at revision 1 only when no
	// tenant with its id is stored yet, and reports whether it did.
	// Start-up seeding and tenant creation use it, so a configuration
	// file never overwrites what admins changed since and two instances
	// creating the same id make one tenant.
	InsertTenantIfAbsent(ctx context.Context, row TenantRow) (bool, error)
	// StoredTenant returns the stored tenant with this id, or ErrNotFound.
	StoredTenant(ctx context.Context, id string) (TenantRow, error)
	// StoredTenants returns every stored tenant ordered by id.
	StoredTenants(ctx context.Context) ([]TenantRow, error)
	// ResealTenant replaces the key id and sealed secrets of a stored
	// tenant, but only if the row still holds oldSealed: secrets an admin
	// changed meanwhile are never overwritten by a re-encryption of older
	// ones. It reports whether the row was changed.
	ResealTenant(ctx context.Context, id string, oldSealed []byte, keyID string, sealed []byte) (bool, error)
}
