package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/snapbridge/snapbridge/internal/store"
)

// PutHostGrant inserts the row or replaces the one with the same tenant
// and handle.
func (db *DB) PutHostGrant(ctx context.Context, row store.HostGrantRow) error {
	if err := row.CheckHostGrant(); err != nil {
		return err
	}
	_, err := db.sql.ExecContext(ctx, `INSERT INTO host_grants (tenant, handle_hash, subject, key_id, sealed, expires_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (tenant, handle_hash) DO UPDATE SET subject = excluded.subject, key_id = excluded.key_id,
			sealed = excluded.sealed, expires_at = excluded.expires_at, updated_at = excluded.updated_at`,
		row.Tenant, oneTimeHash(row.Handle), row.Subject, row.KeyID, row.Sealed, tokenTime(row.ExpiresAt), tokenTime(row.UpdatedAt))
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
	err := db.sql.QueryRowContext(ctx, `SELECT subject, key_id, sealed, expires_at, updated_at FROM host_grants
		WHERE tenant = ? AND handle_hash = ? AND expires_at > ?`, tenant, oneTimeHash(handle), now.UnixMilli()).
		Scan(&row.Subject, &row.KeyID, &row.Sealed, &expires, &updated)
	if errors.Is(err, sql.ErrNoRows) {
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
	res, err := db.sql.ExecContext(ctx, `UPDATE host_grants SET subject = ?, key_id = ?, sealed = ?, expires_at = ?, updated_at = ?
		WHERE tenant = ? AND handle_hash = ? AND sealed = ?`,
		next.Subject, next.KeyID, next.Sealed, tokenTime(next.ExpiresAt), tokenTime(next.UpdatedAt),
		prev.Tenant, oneTimeHash(prev.Handle), prev.Sealed)
	if err != nil {
		return false, fmt.Errorf("swap host grant of %s: %w", prev.Tenant, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("swap host grant of %s: %w", prev.Tenant, err)
	}
	return n == 1, nil
}

// DeleteHostGrant removes the row of this tenant and handle, if any.
func (db *DB) DeleteHostGrant(ctx context.Context, tenant, handle string) error {
	if _, err := db.sql.ExecContext(ctx, `DELETE FROM host_grants WHERE tenant = ? AND handle_hash = ?`, tenant, oneTimeHash(handle)); err != nil {
		return fmt.Errorf("delete host grant of %s: %w", tenant, err)
	}
	return nil
}
