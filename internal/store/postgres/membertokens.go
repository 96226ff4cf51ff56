package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/snapbridge/snapbridge/internal/store"
)

const memberTokenColumns = `tenant, viewer, key_id, sealed, expires_at, refresh_expires_at, status, updated_at`

// PutMemberToken inserts the row or replaces the one with the same tenant
// and viewer.
func (db *DB) PutMemberToken(ctx context.Context, row store.MemberTokenRow) error {
	if err := row.CheckPut(); err != nil {
		return err
	}
	_, err := db.pool.Exec(ctx, `INSERT INTO member_tokens (`+memberTokenColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (tenant, viewer) DO UPDATE SET
			key_id = excluded.key_id, sealed = excluded.sealed,
			expires_at = excluded.expires_at, refresh_expires_at = excluded.refresh_expires_at,
			status = excluded.status, updated_at = excluded.updated_at`,
		row.Tenant, row.Viewer, row.KeyID, row.Sealed, msTime(row.ExpiresAt),
		msTime(row.RefreshExpiresAt), row.Status, msTime(row.UpdatedAt))
	if err != nil {
		return fmt.Errorf("put member token %s/%s: %w", row.Tenant, row.Viewer, err)
	}
	return nil
}

// MemberToken returns the row of this tenant and viewer, or store.ErrNotFound.
func (db *DB) MemberToken(ctx context.Context, tenant, viewer string) (store.MemberTokenRow, error) {
	row, err := scanMemberToken(db.pool.QueryRow(ctx, `SELECT `+memberTokenColumns+`
		FROM member_tokens WHERE tenant = $1 AND viewer = $2`, tenant, viewer))
	if errors.Is(err, pgx.ErrNoRows) {
		return store.MemberTokenRow{}, fmt.Errorf("member token %s/%s: %w", tenant, viewer, store.ErrNotFound)
	}
	if err != nil {
		return store.MemberTokenRow{}, fmt.Errorf("member token %s/%s: %w", tenant, viewer, err)
	}
	return row, nil
}

// ResealMemberToken replaces the key id and sealed bytes of a row, but only
// if the row still holds oldSealed, in one conditional UPDATE. It reports
// whether the row was changed.
func (db *DB) ResealMemberToken(ctx context.Context, tenant, viewer string, oldSealed []byte, keyID string, sealed []byte) (bool, error) {
	if err := store.CheckResealMemberToken(tenant, viewer, keyID, sealed); err != nil {
		return false, err
	}
	tag, err := db.pool.Exec(ctx, `UPDATE member_tokens SET key_id = $1, sealed = $2
		WHERE tenant = $3 AND viewer = $4 AND sealed = $5`, keyID, sealed, tenant, viewer, oldSealed)
	if err != nil {
		return false, fmt.Errorf("reseal member token %s/%s: %w", tenant, viewer, err)
	}
	return tag.RowsAffected() == 1, nil
}

// SwapMemberToken replaces the row prev was read from with next, but only
// if the row still holds prev's sealed bytes and status. One conditional
// UPDATE decides: PostgreSQL re-checks the condition on the row after a
// concurrent writer commits, so of concurrent swaps from the same read
// exactly one wins, whichever connections they use.
func (db *DB) SwapMemberToken(ctx context.Context, prev, next store.MemberTokenRow) (bool, error) {
	if err := store.CheckSwapMemberToken(prev, next); err != nil {
		return false, err
	}
	tag, err := db.pool.Exec(ctx, `UPDATE member_tokens SET key_id = $1, sealed = $2,
			expires_at = $3, refresh_expires_at = $4, status = $5, updated_at = $6
		WHERE tenant = $7 AND viewer = $8 AND sealed = $9 AND status = $10`,
		next.KeyID, next.Sealed, msTime(next.ExpiresAt), msTime(next.RefreshExpiresAt), next.Status, msTime(next.UpdatedAt),
		prev.Tenant, prev.Viewer, prev.Sealed, prev.Status)
	if err != nil {
		return false, fmt.Errorf("swap member token %s/%s: %w", prev.Tenant, prev.Viewer, err)
	}
	return tag.RowsAffected() == 1, nil
}

// MemberTokenKeyCounts counts every tenant's rows by sealing key and
// status, ordered by tenant, key id and status.
func (db *DB) MemberTokenKeyCounts(ctx context.Context) ([]store.MemberTokenKeyCount, error) {
	rows, err := db.pool.Query(ctx, `SELECT tenant, key_id, status, COUNT(*) FROM member_tokens
		GROUP BY tenant, key_id, status ORDER BY tenant, key_id, status`)
	if err != nil {
		return nil, fmt.Errorf("count member tokens by key: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.MemberTokenKeyCount, error) {
		var c store.MemberTokenKeyCount
		err := r.Scan(&c.Tenant, &c.KeyID, &c.Status, &c.Count)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("count member tokens by key: %w", err)
	}
	return out, nil
}

// SetMemberTokenStatusByKey moves every row sealed with keyID from status
// from to status to, in one statement, and returns how many it moved.
func (db *DB) SetMemberTokenStatusByKey(ctx context.Context, keyID, from, to string) (int, error) {
	if err := store.CheckMemberTokenStatusByKey(keyID, from, to); err != nil {
		return 0, err
	}
	tag, err := db.pool.Exec(ctx, `UPDATE member_tokens SET status = $1 WHERE key_id = $2 AND status = $3`, to, keyID, from)
	if err != nil {
		return 0, fmt.Errorf("set member token status of key %s: %w", keyID, err)
	}
	return int(tag.RowsAffected()), nil
}

// DeleteMemberToken removes the row of this tenant and viewer; deleting a
// row that does not exist is not an error.
func (db *DB) DeleteMemberToken(ctx context.Context, tenant, viewer string) error {
	if _, err := db.pool.Exec(ctx, `DELETE FROM member_tokens WHERE tenant = $1 AND viewer = $2`, tenant, viewer); err != nil {
		return fmt.Errorf("delete member token %s/%s: %w", tenant, viewer, err)
	}
	return nil
}

// MemberTokens returns every row of every tenant, ordered by tenant and
// viewer.
func (db *DB) MemberTokens(ctx context.Context) ([]store.MemberTokenRow, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+memberTokenColumns+` FROM member_tokens ORDER BY tenant, viewer`)
	if err != nil {
		return nil, fmt.Errorf("list member tokens: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.MemberTokenRow, error) { return scanMemberToken(r) })
	if err != nil {
		return nil, fmt.Errorf("list member tokens: %w", err)
	}
	return out, nil
}

// CountMemberTokens counts the tenant's rows with this status; an empty
// status counts every row of the tenant.
func (db *DB) CountMemberTokens(ctx context.Context, tenant, status string) (int, error) {
	var n int
	err := db.pool.QueryRow(ctx, `SELECT COUNT(*) FROM member_tokens
		WHERE tenant = $1 AND ($2 = '' OR status = $2)`, tenant, status).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count member tokens of %s: %w", tenant, err)
	}
	return n, nil
}

func scanMemberToken(s pgx.Row) (store.MemberTokenRow, error) {
	var row store.MemberTokenRow
	var expires, refreshExpires, updated int64
	if err := s.Scan(&row.Tenant, &row.Viewer, &row.KeyID, &row.Sealed, &expires, &refreshExpires, &row.Status, &updated); err != nil {
		return store.MemberTokenRow{}, err
	}
	row.ExpiresAt, row.RefreshExpiresAt, row.UpdatedAt = rowTime(expires), rowTime(refreshExpires), rowTime(updated)
	return row, nil
}
