package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/snapbridge/snapbridge/internal/store"
)

// RememberJTI records that tenant has used the host context id jti, valid
// until exp, and reports whether it was new. One upsert decides, so of two
// concurrent calls with the same id exactly one sees true. An id whose exp
// has passed counts as new again (its token can no longer be accepted).
// Ids are kept until exp, in the database, so a restart does not reopen the
// replay window; the background purger (RunPurger) deletes them after.
func (db *DB) RememberJTI(ctx context.Context, tenant, jti string, exp time.Time) (bool, error) {
	if err := store.CheckJTI(tenant, jti, exp); err != nil {
		return false, err
	}
	now := time.Now().Unix()
	// Round exp up so an id is never forgotten before its token expires.
	expires := exp.Unix()
	if exp.After(time.Unix(expires, 0)) {
		expires++
	}
	res, err := db.sql.ExecContext(ctx,
		`INSERT INTO used_jtis (tenant, jti, expires_at) VALUES (?, ?, ?)
		 ON CONFLICT (tenant, jti) DO UPDATE SET expires_at = excluded.expires_at
		 WHERE used_jtis.expires_at <= ?`,
		tenant, jti, expires, now)
	if err != nil {
		return false, fmt.Errorf("remember jti for tenant %s: %w", tenant, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("remember jti for tenant %s: %w", tenant, err)
	}
	return n == 1, nil
}
