package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/snapbridge/snapbridge/internal/store"
)

const apiKeyColumns = `id, tenant, name, secret_hash, created_by, created_at, last_used_at, revoked_at`

// CreateAPIKey stores a new key; an id already used is an error.
func (db *DB) CreateAPIKey(ctx context.Context, row store.APIKeyRow) error {
	if err := row.Check(); err != nil {
		return err
	}
	_, err := db.pool.Exec(ctx, `INSERT INTO api_keys (`+apiKeyColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		row.ID, row.Tenant, row.Name, row.SecretHash, row.CreatedBy, msTime(row.CreatedAt),
		msTime(row.LastUsedAt), msTime(row.RevokedAt))
	if err != nil {
		return fmt.Errorf("create api key %s of %s: %w", row.ID, row.Tenant, err)
	}
	return nil
}

// APIKey returns the key with this id, whatever its tenant, or store.ErrNotFound.
func (db *DB) APIKey(ctx context.Context, id string) (store.APIKeyRow, error) {
	row, err := scanAPIKey(db.pool.QueryRow(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return store.APIKeyRow{}, fmt.Errorf("api key %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return store.APIKeyRow{}, fmt.Errorf("api key %s: %w", id, err)
	}
	return row, nil
}

// APIKeys returns the tenant's keys, revoked ones included, oldest first.
func (db *DB) APIKeys(ctx context.Context, tenant string) ([]store.APIKeyRow, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+apiKeyColumns+` FROM api_keys
		WHERE tenant = $1 ORDER BY created_at, id`, tenant)
	if err != nil {
		return nil, fmt.Errorf("list api keys of %s: %w", tenant, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.APIKeyRow, error) { return scanAPIKey(r) })
	if err != nil {
		return nil, fmt.Errorf("list api keys of %s: %w", tenant, err)
	}
	return out, nil
}

// RevokeAPIKey marks the tenant's key revoked at at. A key of another
// tenant, or none, is store.ErrNotFound; revoking twice keeps the first time.
func (db *DB) RevokeAPIKey(ctx context.Context, tenant, id string, at time.Time) error {
	tag, err := db.pool.Exec(ctx, `UPDATE api_keys SET revoked_at = CASE WHEN revoked_at = 0 THEN $1 ELSE revoked_at END
		WHERE tenant = $2 AND id = $3`, msTime(at), tenant, id)
	if err != nil {
		return fmt.Errorf("revoke api key %s of %s: %w", id, tenant, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("revoke api key %s of %s: %w", id, tenant, store.ErrNotFound)
	}
	return nil
}

// TouchAPIKey records that the key authenticated at at.
func (db *DB) TouchAPIKey(ctx context.Context, id string, at time.Time) error {
	if _, err := db.pool.Exec(ctx, `UPDATE api_keys SET last_used_at = $1 WHERE id = $2`, msTime(at), id); err != nil {
		return fmt.Errorf("touch api key %s: %w", id, err)
	}
	return nil
}

func scanAPIKey(s pgx.Row) (store.APIKeyRow, error) {
	var row store.APIKeyRow
	var created, used, revoked int64
	if err := s.Scan(&row.ID, &row.Tenant, &row.Name, &row.SecretHash, &row.CreatedBy, &created, &used, &revoked); err != nil {
		return store.APIKeyRow{}, err
	}
	row.CreatedAt, row.LastUsedAt, row.RevokedAt = rowTime(created), rowTime(used), rowTime(revoked)
	return row, nil
}
