package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/snapbridge/snapbridge/internal/store"
)

const tenantColumns = `id, config, key_id, sealed, created_at, updated_at, revision`

// UpdateTenant replaces the stored tenant's configuration, secrets and
// update time in one UPDATE conditional on its revision, and returns the
// new revision; store.ErrStale when the row is at another revision,
// store.ErrNotFound when there is none.
func (db *DB) UpdateTenant(ctx context.Context, row store.TenantRow, revision int64) (int64, error) {
	if err := row.Check(); err != nil {
		return 0, fmt.Errorf("update tenant: %w", err)
	}
	var next int64
	err := db.sql.QueryRowContext(ctx, `UPDATE tenants SET config = ?, key_id = ?, sealed = ?, updated_at = ?,
			revision = revision + 1
		WHERE id = ? AND revision = ? RETURNING revision`,
		row.Config, row.KeyID, row.Sealed, tokenTime(row.UpdatedAt), row.ID, revision).Scan(&next)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, db.tenantMissedRevision(ctx, row.ID, revision)
	}
	if err != nil {
		return 0, fmt.Errorf("update tenant %s: %w", row.ID, err)
	}
	return next, nil
}

// tenantMissedRevision says why an update of tenant id at revision
// changed nothing: the row is gone or at another revision.
func (db *DB) tenantMissedRevision(ctx context.Context, id string, revision int64) error {
	cur, err := db.StoredTenant(ctx, id)
	if err != nil {
		return fmt.Errorf("update tenant: %w", err)
	}
	return fmt.Errorf("update tenant %s: read at revision %d, stored at %d: %w", id, revision, cur.Revision, store.ErrStale)
}

// InsertTenantIfAbsent stores the tenant at revision 1 only when no tenant
// with its id is stored yet, and reports whether it did. Start-up seeding
// and tenant creation use it, so a configuration file never overwrites
// what admins changed since.
func (db *DB) InsertTenantIfAbsent(ctx context.Context, row store.TenantRow) (bool, error) {
	if err := row.Check(); err != nil {
		return false, fmt.Errorf("seed tenant: %w", err)
	}
	res, err := db.sql.ExecContext(ctx, `INSERT INTO tenants (`+tenantColumns+`) VALUES (?, ?, ?, ?, ?, ?, 1)
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
	if err := s.Scan(&row.ID, &row.Config, &row.KeyID, &row.Sealed, &created, &updated, &row.Revision); err != nil {
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
