package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/snapbridge/snapbridge/internal/store"
)

const tenantColumns = `id, config, key_id, sealed, created_at, updated_at`

// PutTenant inserts the tenant or replaces the stored one, keeping its
// creation time.
func (db *DB) PutTenant(ctx context.Context, row store.TenantRow) error {
	if err := row.Check(); err != nil {
		return fmt.Errorf("put tenant: %w", err)
	}
	_, err := db.sql.ExecContext(ctx, `INSERT INTO tenants (`+tenantColumns+`) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET config = excluded.config, key_id = excluded.key_id,
			sealed = excluded.sealed, updated_at = excluded.updated_at`,
		row.ID, row.Config, row.KeyID, row.Sealed, tokenTime(row.CreatedAt), tokenTime(row.UpdatedAt))
	if err != nil {
		return fmt.Errorf("put tenant %s: %w", row.ID, err)
	}
	return nil
}

// InsertTenantIfAbsent stores the tenant only when no tenant with its id
// is stored yet, and reports whether it did. Start-up seeding uses it, so
// a configuration file never overwrites what admins changed since.
func (db *DB) InsertTenantIfAbsent(ctx context.Context, row store.TenantRow) (bool, error) {
	if err := row.Check(); err != nil {
		return false, fmt.Errorf("seed tenant: %w", err)
	}
	res, err := db.sql.ExecContext(ctx, `INSERT INTO tenants (`+tenantColumns+`) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO NOTHING`,
		row.ID, row.Config, row.KeyID, row.Sealed, tokenTime(row.CreatedAt), tokenTime(row.UpdatedAt))
	if err != nil {
		return false, fmt.Errorf("seed tenant %s: %w", row.ID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("seed tenant %s: %w", row.ID, err)
	}
	return n == 1, nil
}

// StoredTenant returns the stored tenant with this id, or store.ErrNotFound.
func (db *DB) StoredTenant(ctx context.Context, id string) (store.TenantRow, error) {
	row, err := scanTenant(db.sql.QueryRowContext(ctx, `SELECT `+tenantColumns+` FROM tenants WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return store.TenantRow{}, fmt.Errorf("tenant %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return store.TenantRow{}, fmt.Errorf("tenant %s: %w", id, err)
	}
	return row, nil
}

// StoredTenants returns every stored tenant ordered by id.
func (db *DB) StoredTenants(ctx context.Context) ([]store.TenantRow, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+tenantColumns+` FROM tenants ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list tenants: %w", err)
	}
	defer rows.Close()
	var out []store.TenantRow
	for rows.Next() {
		row, err := scanTenant(rows)
		if err != nil {
			return nil, fmt.Errorf("list tenants: %w", err)
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tenants: %w", err)
	}
	return out, nil
}

func scanTenant(s memberTokenScanner) (store.TenantRow, error) {
	var row store.TenantRow
	var created, updated int64
	if err := s.Scan(&row.ID, &row.Config, &row.KeyID, &row.Sealed, &created, &updated); err != nil {
		return store.TenantRow{}, err
	}
	row.CreatedAt, row.UpdatedAt = rowTime(created), rowTime(updated)
	return row, nil
}

// ResealTenant replaces the key id and sealed secrets of a stored tenant,
// but only if the row still holds oldSealed: secrets an admin changed
// meanwhile are never overwritten by a re-encryption of older ones. It
// reports whether the row was changed.
func (db *DB) ResealTenant(ctx context.Context, id string, oldSealed []byte, keyID string, sealed []byte) (bool, error) {
	if err := store.CheckResealTenant(id, keyID, sealed); err != nil {
		return false, err
	}
	res, err := db.sql.ExecContext(ctx, `UPDATE tenants SET key_id = ?, sealed = ? WHERE id = ? AND sealed = ?`,
		keyID, sealed, id, oldSealed)
	if err != nil {
		return false, fmt.Errorf("reseal tenant %s: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("reseal tenant %s: %w", id, err)
	}
	return n == 1, nil
}
