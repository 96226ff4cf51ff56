package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/snapbridge/snapbridge/internal/store"
)

// rememberContext decides freshness and keeps the records in one upsert: a
// row inserted, or an expired one renewed with the new records.
const rememberContext = `INSERT INTO used_jtis (tenant, jti, expires_at, records) VALUES (?, ?, ?, ?)
	ON CONFLICT (tenant, jti) DO UPDATE SET expires_at = excluded.expires_at, records = excluded.records
	WHERE used_jtis.expires_at <= ?`

// contextRecords reads a live id's records.
const contextRecords = `SELECT records FROM used_jtis WHERE tenant = ? AND jti = ? AND expires_at > ?`

// RememberJTI records that tenant has used the host context id jti, valid
// until exp, and reports whether it was new. It is RememberContext without
// records.
func (db *DB) RememberJTI(ctx context.Context, tenant, jti string, exp time.Time) (bool, error) {
	return db.RememberContext(ctx, tenant, jti, exp, nil)
}

// RememberContext records that tenant has used the host context id jti,
// valid until exp, keeps records with it, and reports whether it was new.
// One prepared upsert decides, so of two concurrent calls with the same id
// exactly one sees true. An id whose exp has passed counts as new again
// (its token can no longer be accepted). Ids are kept until exp, in the
// database, so a restart does not reopen the replay window; the background
// purger (RunPurger) deletes them after. Concurrent calls share one
// transaction (see contextWriter); each returns once the commit holding
// its row is done.
func (db *DB) RememberContext(ctx context.Context, tenant, jti string, exp time.Time, records []byte) (bool, error) {
	if err := store.CheckContextRecords(tenant, jti, exp, records); err != nil {
		return false, err
	}
	return db.remember(ctx, newRememberCall(ctx, tenant, jti, exp, records))
}

// ContextRecords returns the records kept with tenant's live id jti, or
// store.ErrNotFound.
func (db *DB) ContextRecords(ctx context.Context, tenant, jti string, now time.Time) ([]byte, error) {
	st, err := db.prepared(ctx, contextRecords)
	if err != nil {
		return nil, fmt.Errorf("read context records for tenant %s: %w", tenant, err)
	}
	var records []byte
	err = st.QueryRowContext(ctx, tenant, jti, now.Unix()).Scan(&records)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, store.ErrNotFound
	case err != nil:
		return nil, fmt.Errorf("read context records for tenant %s: %w", tenant, err)
	case len(records) == 0:
		return nil, store.ErrNotFound
	}
	return records, nil
}
