package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/snapbridge/snapbridge/internal/store"
)

// RememberJTI records that tenant has used the host context id jti, valid
// until exp (rounded up to the second), and reports whether it was new.
// One upsert decides (a row inserted, or an expired one renewed), so of
// concurrent calls with the same id on any connections exactly one sees
// true.
func (db *DB) RememberJTI(ctx context.Context, tenant, jti string, exp time.Time) (bool, error) {
	if err := store.CheckJTI(tenant, jti, exp); err != nil {
		return false, err
	}
	now := time.Now().Unix()
	expires := exp.Unix()
	if exp.After(time.Unix(expires, 0)) {
		expires++
	}
	tag, err := db.pool.Exec(ctx,
		`INSERT INTO used_jtis (tenant, jti, expires_at) VALUES ($1, $2, $3)
		 ON CONFLICT (tenant, jti) DO UPDATE SET expires_at = excluded.expires_at
		 WHERE used_jtis.expires_at <= $4`,
		tenant, jti, expires, now)
	if err != nil {
		return false, fmt.Errorf("remember jti for tenant %s: %w", tenant, err)
	}
	return tag.RowsAffected() == 1, nil
}
