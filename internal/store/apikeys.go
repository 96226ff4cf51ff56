package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// APIKeyRow is one tenant API key. Only the SHA-256 of its secret is
// stored; the key itself is shown once, at creation.
type APIKeyRow struct {
	// ID is the key's public id (the <id> in sbk_<id>_<secret>).
	ID string
	// Tenant is the tenant the key may manage.
	Tenant string
	// Name is the admin's label for the key.
	Name string
	// SecretHash is SHA-256 of the key's secret part.
	SecretHash []byte
	// CreatedBy is the audit actor that created the key.
	CreatedBy string
	// CreatedAt is when the key was made; LastUsedAt when it last
	// authenticated (zero: never); RevokedAt when it was revoked (zero:
	// active).
	CreatedAt, LastUsedAt, RevokedAt time.Time
}

// Revoked reports whether the key was revoked.
func (k APIKeyRow) Revoked() bool { return !k.RevokedAt.IsZero() }

const apiKeyColumns = `id, tenant, name, secret_hash, created_by, created_at, last_used_at, revoked_at`

// CreateAPIKey stores a new key; an id already used is an error.
func (db *DB) CreateAPIKey(ctx context.Context, row APIKeyRow) error {
	if row.ID == "" || row.Tenant == "" || len(row.SecretHash) == 0 {
		return errors.New("create api key: id, tenant and secret hash are required")
	}
	_, err := db.sql.ExecContext(ctx, `INSERT INTO api_keys (`+apiKeyColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		row.ID, row.Tenant, row.Name, row.SecretHash, row.CreatedBy, tokenTime(row.CreatedAt),
		tokenTime(row.LastUsedAt), tokenTime(row.RevokedAt))
	if err != nil {
		return fmt.Errorf("create api key %s of %s: %w", row.ID, row.Tenant, err)
	}
	return nil
}

// APIKey returns the key with this id, whatever its tenant, or ErrNotFound.
func (db *DB) APIKey(ctx context.Context, id string) (APIKeyRow, error) {
	row, err := scanAPIKey(db.sql.QueryRowContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return APIKeyRow{}, fmt.Errorf("api key %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return APIKeyRow{}, fmt.Errorf("api key %s: %w", id, err)
	}
	return row, nil
}

// APIKeys returns the tenant's keys, revoked ones included, oldest first.
func (db *DB) APIKeys(ctx context.Context, tenant string) ([]APIKeyRow, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys
		WHERE tenant = ? ORDER BY created_at, id`, tenant)
	if err != nil {
		return nil, fmt.Errorf("list api keys of %s: %w", tenant, err)
	}
	defer rows.Close()
	var out []APIKeyRow
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
// tenant, or none, is ErrNotFound; revoking twice keeps the first time.
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
		return fmt.Errorf("revoke api key %s of %s: %w", id, tenant, ErrNotFound)
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

func scanAPIKey(s memberTokenScanner) (APIKeyRow, error) {
	var row APIKeyRow
	var created, used, revoked int64
	if err := s.Scan(&row.ID, &row.Tenant, &row.Name, &row.SecretHash, &row.CreatedBy, &created, &used, &revoked); err != nil {
		return APIKeyRow{}, err
	}
	row.CreatedAt, row.LastUsedAt, row.RevokedAt = rowTime(created), rowTime(used), rowTime(revoked)
	return row, nil
}
