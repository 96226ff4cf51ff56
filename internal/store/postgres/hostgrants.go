package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/snapbridge/snapbridge/internal/store"
)

// PutHostGrant inserts the row or replaces the one with the same tenant
// and handle.
func (db *DB) PutHostGrant(ctx context.Context, row store.HostGrantRow) error {
	if err := row.CheckHostGrant(); err != nil {
		return err
	}
	_, err := db.pool.Exec(ctx, `INSERT INTO host_grants (tenant, handle_hash, subject, key_id, sealed, expires_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (tenant, handle_hash) DO UPDATE SET subject = excluded.subject, key_id = excluded.key_id,
			sealed = excluded.sealed, expires_at = excluded.expires_at, updated_at = excluded.updated_at`,
		row.Tenant, oneTimeHash(row.Handle), row.Subject, row.KeyID, row.Sealed, msTime(row.ExpiresAt), msTime(row.UpdatedAt))
	if err != nil {
		return fmt.Errorf("put host grant of %s: %w", row.Tenant, err)
	}
	return nil
}

// HostGrant returns the live row of this tenant and handle, or
// store.ErrNotFound.
func (db *DB) HostGrant(ctx context.Context, tenant, handle string, now time.Time) (store.HostGrantRow, error) {
	row := store.HostGrantRow{Tenant: tenant, Handle: handle}
	var expires, updated int64
	err := db.pool.QueryRow(ctx, `SELECT subject, key_id, sealed, expires_at, updated_at FROM host_grants
		WHERE tenant = $1 AND handle_hash = $2 AND expires_at > $3`, tenant, oneTimeHash(handle), now.UnixMilli()).
		Scan(&row.Subject, &row.KeyID, &row.Sealed, &expires, &updated)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.HostGrantRow{}, fmt.Errorf("host grant of %s: %w", tenant, store.ErrNotFound)
	}
	if err != nil {
		return store.HostGrantRow{}, fmt.Errorf("host grant of %s: %w", tenant, err)
	}
	row.ExpiresAt, row.UpdatedAt = time.UnixMilli(expires).UTC(), time.UnixMilli(updated).UTC()
	return row, nil
}

// SwapHostGrant replaces the row prev was read from with next, only if it
// still holds prev's sealed bytes.
func (db *DB) SwapHostGrant(ctx context.Context, prev, next store.HostGrantRow) (bool, error) {
	if err := next.CheckHostGrant(); err != nil {
		return false, err
	}
	if prev.Tenant != next.Tenant || prev.Handle != next.Handle {
		return false, errors.New("swap host grant: prev and next name different rows")
	}
	tag, err := db.pool.Exec(ctx, `UPDATE host_grants SET subject = $1, key_id = $2, sealed = $3, expires_at = $4, updated_at = $5
		WHERE tenant = $6 AND handle_hash = $7 AND sealed = $8`,
		next.Subject, next.KeyID, next.Sealed, msTime(next.ExpiresAt), msTime(next.UpdatedAt),
		prev.Tenant, oneTimeHash(prev.Handle), prev.Sealed)
	if err != nil {
		return false, fmt.Errorf("swap host grant of %s: %w", prev.Tenant, err)
	}
	return tag.RowsAffected() == 1, nil
}

// DeleteHostGrant removes the row of this tenant and handle, if any.
func (db *DB) DeleteHostGrant(ctx context.Context, tenant, handle string) error {
	if _, err := db.pool.Exec(ctx, `DELETE FROM host_grants WHERE tenant = $1 AND handle_hash = $2`, tenant, oneTimeHash(handle)); err != nil {
		return fmt.Errorf("delete host grant of %s: %w", tenant, err)
	}
	return nil
}
