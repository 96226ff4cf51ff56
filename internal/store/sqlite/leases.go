package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/snapbridge/snapbridge/internal/store"
)

// AcquireLease takes, renews or is refused the lease name for owner until
// now+ttl (see store.Leases). One upsert decides: it inserts a free lease,
// or overwrites a row only when that row has expired or is owner's.
func (db *DB) AcquireLease(ctx context.Context, name, owner string, ttl time.Duration, now time.Time) (bool, error) {
	if err := store.CheckLease(name, owner, ttl); err != nil {
		return false, err
	}
	res, err := db.sql.ExecContext(ctx,
		`INSERT INTO leases (name, owner, expires_at) VALUES (?, ?, ?)
		 ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
		 WHERE leases.expires_at <= ? OR leases.owner = excluded.owner`,
		name, owner, now.Add(ttl).UnixMilli(), now.UnixMilli())
	if err != nil {
		return false, fmt.Errorf("acquire lease %s: %w", name, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("acquire lease %s: %w", name, err)
	}
	return n == 1, nil
}

// ReleaseLease deletes the lease name if owner holds it.
func (db *DB) ReleaseLease(ctx context.Context, name, owner string) error {
	if _, err := db.sql.ExecContext(ctx, `DELETE FROM leases WHERE name = ? AND owner = ?`, name, owner); err != nil {
		return fmt.Errorf("release lease %s: %w", name, err)
	}
	return nil
}
