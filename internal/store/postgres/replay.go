package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/snapbridge/snapbridge/internal/store"
)

// RememberJTI records that tenant has used the host context id jti, valid
// until exp (rounded up to the second), and reports whether it was new. It
// is RememberContext without records.
func (db *DB) RememberJTI(ctx context.Context, tenant, jti string, exp time.Time) (bool, error) {
	return db.RememberContext(ctx, tenant, jti, exp, nil)
}

// RememberContext records that tenant has used the host context id jti,
// valid until exp (rounded up to the second), keeps records with it, and
// reports whether it was new. One upsert decides (a row inserted, or an
// expired one renewed with the new records), so of concurrent calls with
// the same id on any connections exactly one sees true. pgx prepares the
// statement once per connection and caches it (its default exec mode).
func (db *DB) RememberContext(ctx context.Context, tenant, jti string, exp time.Time, records []byte) (bool, error) {
	if err := store.CheckContextRecords(tenant, jti, exp, records); err != nil {
		return false, err
	}
	tag, err := db.pool.Exec(ctx,
		`INSERT INTO used_jtis (tenant, jti, expires_at, records) VALUES ($1, $2, $3, $4)
		 ON CONFLICT (tenant, jti) DO UPDATE SET expires_at = excluded.expires_at, records = excluded.records
		 WHERE used_jtis.expires_at <= $5`,
		tenant, jti, store.JTIExpiry(exp), nonNil(records), time.Now().Unix())
	if err != nil {
		return false, fmt.Errorf("remember jti for tenant %s: %w", tenant, err)
	}
	return tag.RowsAffected() == 1, nil
}

// ContextRecords returns the records kept with tenant's live id jti, or
// store.ErrNotFound.
func (db *DB) ContextRecords(ctx context.Context, tenant, jti string, now time.Time) ([]byte, error) {
	var records []byte
	err := db.pool.QueryRow(ctx,
		`SELECT records FROM used_jtis WHERE tenant = $1 AND jti = $2 AND expires_at > $3`,
		tenant, jti, now.Unix()).Scan(&records)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil, store.ErrNotFound
	case err != nil:
		return nil, fmt.Errorf("read context records for tenant %s: %w", tenant, err)
	case len(records) == 0:
		return nil, store.ErrNotFound
	}
	return records, nil
}
