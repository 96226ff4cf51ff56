package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/snapbridge/snapbridge/internal/store"
)

// AcquireLease takes, renews or is refused the lease name for owner until
// now+ttl (see store.Leases). One INSERT … ON CONFLICT DO UPDATE … WHERE
// decides on any connection: it inserts a free lease, or overwrites a row
// only when that row has expired or is owner's; a concurrent inserter
// waits for the first and then finds the row not its own and unexpired.
func (db *DB) AcquireLease(ctx context.Context, name, owner string, ttl time.Duration, now time.Time) (bool, error) {
	if err := store.CheckLease(name, owner, ttl); err != nil {
		return false, err
	}
	tag, err := db.pool.Exec(ctx,
		`INSERT INTO leases (name, owner, expires_at) VALUES ($1, $2, $3)
		 ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
		 WHERE leases.expires_at <= $4 OR leases.owner = excluded.owner`,
		name, owner, now.Add(ttl).UnixMilli(), now.UnixMilli())
	if err != nil {
		return false, fmt.Errorf("acquire lease %s: %w", name, err)
	}
	return tag.RowsAffected() == 1, nil
}

// ReleaseLease deletes the lease name if owner holds it.
func (db *DB) ReleaseLease(ctx context.Context, name, owner string) error {
	if _, err := db.pool.Exec(ctx, `DELETE FROM leases WHERE name = $1 AND owner = $2`, name, owner); err != nil {
		return fmt.Errorf("release lease %s: %w", name, err)
	}
	return nil
}
