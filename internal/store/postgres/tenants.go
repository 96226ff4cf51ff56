package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

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
	err := db.pool.QueryRow(ctx, `UPDATE tenants SET config = $1, key_id = $2, sealed = $3, updated_at = $4,
			revision = revision + 1
		WHERE id = $5 AND revision = $6 RETURNING revision`,
		row.Config, row.KeyID, row.Sealed, msTime(row.UpdatedAt), row.ID, revision).Scan(&next)
	if errors.Is(err, pgx.ErrNoRows) {
		cur, err := db.StoredTenant(ctx, row.ID)
		if err != nil {
			return 0, fmt.Errorf("update tenant: %w", err)
		}
		return 0, fmt.Errorf("update tenant %s: read at revision %d, stored at %d: %w", row.ID, revision, cur.Revision, store.ErrStale)
	}
	if err != nil {
		return 0, fmt.Errorf("update tenant %s: %w", row.ID, err)
	}
	return next, nil
}

// InsertTenantIfAbsent stores the tenant at revision 1 only when no tenant
// with its id is stored yet (ON CONFLICT DO NOTHING), and reports whether
// it did.
func (db *DB) InsertTenantIfAbsent(ctx context.Context, row store.TenantRow) (bool, error) {
	if err := row.Check(); err != nil {
		return false, fmt.Errorf("seed tenant: %w", err)
	}
	tag, err := db.pool.Exec(ctx, `INSERT INTO tenants (`+tenantColumns+`) VALUES ($1, $2, $3, $4, $5, $6, 1)
		ON CONFLICT (id) DO NOTHING`,
		row.ID, row.Config, row.KeyID, row.Sealed, msTime(row.CreatedAt), msTime(row.UpdatedAt))
	if err != nil {
		return false, fmt.Errorf("seed tenant %s: %w", row.ID, err)
	}
	return tag.RowsAffected() == 1, nil
}

// StoredTenant returns the stored tenant with this id, or store.ErrNotFound.
func (db *DB) StoredTenant(ctx context.Context, id string) (store.TenantRow, error) {
	row, err := scanTenant(db.pool.QueryRow(ctx, `SELECT `+tenantColumns+` FROM tenants WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return store.TenantRow{}, fmt.Errorf("tenant %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return store.TenantRow{}, fmt.Errorf("tenant %s: %w", id, err)
	}
	return row, nil
}

// StoredTenants returns every stored tenant ordered by id.
func (db *DB) StoredTenants(ctx context.Context) ([]store.TenantRow, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+tenantColumns+` FROM tenants ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list tenants: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.TenantRow, error) { return scanTenant(r) })
	if err != nil {
		return nil, fmt.Errorf("list tenants: %w", err)
	}
	return out, nil
}

func scanTenant(s pgx.Row) (store.TenantRow, error) {
	var row store.TenantRow
	var created, updated int64
	if err := s.Scan(&row.ID, &row.Config, &row.KeyID, &row.Sealed, &created, &updated, &row.Revision); err != nil {
		return store.TenantRow{}, err
	}
	row.CreatedAt, row.UpdatedAt = rowTime(created), rowTime(updated)
	return row, nil
}

// ResealTenant replaces the key id and sealed secrets of a stored tenant,
// but only if the row still holds oldSealed, in one conditional UPDATE.
func (db *DB) ResealTenant(ctx context.Context, id string, oldSealed []byte, keyID string, sealed []byte) (bool, error) {
	if err := store.CheckResealTenant(id, keyID, sealed); err != nil {
		return false, err
	}
	tag, err := db.pool.Exec(ctx, `UPDATE tenants SET key_id = $1, sealed = $2 WHERE id = $3 AND sealed = $4`,
		keyID, sealed, id, oldSealed)
	if err != nil {
		return false, fmt.Errorf("reseal tenant %s: %w", id, err)
	}
	return tag.RowsAffected() == 1, nil
}
