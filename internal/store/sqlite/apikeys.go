package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/snapbridge/snapbridge/internal/store"
)

const apiKeyColumns = `id, tenant, name, secret_hash, created_by, created_at, last_used_at, revoked_at`

// CreateAPIKey stores a new key; an id already used is an error.
func (db *DB) CreateAPIKey(ctx context.Context, row store.APIKeyRow) error {
	if err := row.Check(); err != nil {
		return err
	}
	_, err := db.sql.ExecContext(ctx, `INSERT INTO api_keys (`+apiKeyColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		row.ID, row.Tenant, row.Name, row.SecretHash, row.CreatedBy, tokenTime(row.CreatedAt),
		tokenTime(row.LastUsedAt), tokenTime(row.RevokedAt))
	if err != nil {
		return fmt.Errorf("create api key %s of %s: %w", row.ID, row.Tenant, err)
	}
	return nil
}

// APIKey returns the key with this id, whatever its tenant, or store.ErrNotFound.
func (db *DB) APIKey(ctx context.Context, id string) (store.APIKeyRow, error) {
	row, err := scanAPIKey(db.sql.QueryRowContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return store.APIKeyRow{}, fmt.Errorf("api key %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return store.APIKeyRow{}, fmt.Errorf("api key %s: %w", id, err)
	}
	return row, nil
}

// APIKeys returns the tenant's keys, revoked ones included, oldest first.
func (db *DB) APIKeys(ctx context.Context, tenant string) ([]store.APIKeyRow, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys
		WHERE tenant = ? ORDER BY created_at, id`, tenant)
	if err != nil {
		return nil, fmt.Errorf("list api keys of %s: %w", tenant, err)
	}
	defer rows.Close()
	var out []store.APIKeyRow
	for rows.Next() {
		row, err := scanAPIKey(rows)
		if err != nil {
			return nil, fmt.Errorf("list api keys of %s: %w", tenant, err)
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list api keys of %s: %w", tenant, err)
	}
	return out, nil
}

// RevokeAPIKey marks the tenant's key revoked at at. A key of another
// tenant, or none, is store.ErrNotFound; revoking twice keeps the first time.
func (db *DB) RevokeAPIKey(ctx context.Context, tenant, id string, at time.Time) error {
	res, err := db.sql.ExecContext(ctx, `UPDATE api_keys SET revoked_at = CASE WHEN revoked_at = 0 THEN ? ELSE revoked_at END
		WHERE tenant = ? AND id = ?`, tokenTime(at), tenant, id)
	if err != nil {
		return fmt.Errorf("revoke api key %s of %s: %w", id, tenant, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("revoke api key %s of %s: %w", id, tenant, err)
	}
	if n == 0 {
		return fmt.Errorf("revoke api key %s of %s: %w", id, tenant, store.ErrNotFound)
	}
	return nil
}

// TouchAPIKey records that the key authenticated at at.
func (db *DB) TouchAPIKey(ctx context.Context, id string, at time.Time) error {
	if _, err := db.sql.ExecContext(ctx, `UPDATE api_keys SET last_used_at = ? WHERE id = ?`, tokenTime(at), id); err != nil {
		return fmt.Errorf("touch api key %s: %w", id, err)
	}
	return nil
}

func scanAPIKey(s memberTokenScanner) (store.APIKeyRow, error) {
	var row store.APIKeyRow
	var created, used, revoked int64
	if err := s.Scan(&row.ID, &row.Tenant, &row.Name, &row.SecretHash, &row.CreatedBy, &created, &used, &revoked); err != nil {
		return store.APIKeyRow{}, err
	}
	row.CreatedAt, row.LastUsedAt, row.RevokedAt = rowTime(created), rowTime(used), rowTime(revoked)
	return row, nil
}
