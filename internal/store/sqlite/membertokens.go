package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/snapbridge/snapbridge/internal/store"
)

const memberTokenColumns = `tenant, viewer, key_id, sealed, expires_at, refresh_expires_at, status, updated_at`

// PutMemberToken inserts the row or replaces the one with the same tenant
// and viewer.
func (db *DB) PutMemberToken(ctx context.Context, row store.MemberTokenRow) error {
	if err := row.CheckPut(); err != nil {
		return err
	}
	_, err := db.sql.ExecContext(ctx, `INSERT INTO member_tokens (`+memberTokenColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (tenant, viewer) DO UPDATE SET
			key_id = excluded.key_id, sealed = excluded.sealed,
			expires_at = excluded.expires_at, refresh_expires_at = excluded.refresh_expires_at,
			status = excluded.status, updated_at = excluded.updated_at`,
		row.Tenant, row.Viewer, row.KeyID, row.Sealed, tokenTime(row.ExpiresAt),
		tokenTime(row.RefreshExpiresAt), row.Status, tokenTime(row.UpdatedAt))
	if err != nil {
		return fmt.Errorf("put member token %s/%s: %w", row.Tenant, row.Viewer, err)
	}
	return nil
}

// MemberToken returns the row of this tenant and viewer, or store.ErrNotFound.
func (db *DB) MemberToken(ctx context.Context, tenant, viewer string) (store.MemberTokenRow, error) {
	r := db.sql.QueryRowContext(ctx, `SELECT `+memberTokenColumns+`
		FROM member_tokens WHERE tenant = ? AND viewer = ?`, tenant, viewer)
	row, err := scanMemberToken(r)
	if errors.Is(err, sql.ErrNoRows) {
		return store.MemberTokenRow{}, fmt.Errorf("member token %s/%s: %w", tenant, viewer, store.ErrNotFound)
	}
	if err != nil {
		return store.MemberTokenRow{}, fmt.Errorf("member token %s/%s: %w", tenant, viewer, err)
	}
	return row, nil
}

// ResealMemberToken replaces the key id and sealed bytes of a row, but only
// if the row still holds oldSealed: a token saved meanwhile (a refresh, a
// reconnect) is never overwritten by a re-encryption of the older one. It
// reports whether the row was changed.
func (db *DB) ResealMemberToken(ctx context.Context, tenant, viewer string, oldSealed []byte, keyID string, sealed []byte) (bool, error) {
	if err := store.CheckResealMemberToken(tenant, viewer, keyID, sealed); err != nil {
		return false, err
	}
	res, err := db.sql.ExecContext(ctx, `UPDATE member_tokens SET key_id = ?, sealed = ?
		WHERE tenant = ? AND viewer = ? AND sealed = ?`, keyID, sealed, tenant, viewer, oldSealed)
	if err != nil {
		return false, fmt.Errorf("reseal member token %s/%s: %w", tenant, viewer, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("reseal member token %s/%s: %w", tenant, viewer, err)
	}
	return n == 1, nil
}

// SwapMemberToken replaces the row prev was read from with next, but only
// if the row still holds prev's sealed bytes and status: a row deleted
// (disconnect), marked (revocation) or saved anew (reconnect, refresh)
// since it was read is left alone. The sealed bytes identify one write,
// since every seal draws a fresh random nonce. It reports whether the row
// was replaced; false means the authorization changed meanwhile.
func (db *DB) SwapMemberToken(ctx context.Context, prev, next store.MemberTokenRow) (bool, error) {
	if err := store.CheckSwapMemberToken(prev, next); err != nil {
		return false, err
	}
	res, err := db.sql.ExecContext(ctx, `UPDATE member_tokens SET key_id = ?, sealed = ?,
			expires_at = ?, refresh_expires_at = ?, status = ?, updated_at = ?
		WHERE tenant = ? AND viewer = ? AND sealed = ? AND status = ?`,
		next.KeyID, next.Sealed, tokenTime(next.ExpiresAt), tokenTime(next.RefreshExpiresAt), next.Status, tokenTime(next.UpdatedAt),
		prev.Tenant, prev.Viewer, prev.Sealed, prev.Status)
	if err != nil {
		return false, fmt.Errorf("swap member token %s/%s: %w", prev.Tenant, prev.Viewer, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("swap member token %s/%s: %w", prev.Tenant, prev.Viewer, err)
	}
	return n == 1, nil
}

// MemberTokenKeyCounts counts every tenant's rows by sealing key and
// status, ordered by tenant, key id and status; start-up checks them
// against the key ring without reading any sealed token.
func (db *DB) MemberTokenKeyCounts(ctx context.Context) ([]store.MemberTokenKeyCount, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT tenant, key_id, status, COUNT(*) FROM member_tokens
		GROUP BY tenant, key_id, status ORDER BY tenant, key_id, status`)
	if err != nil {
		return nil, fmt.Errorf("count member tokens by key: %w", err)
	}
	defer rows.Close()
	var out []store.MemberTokenKeyCount
	for rows.Next() {
		var c store.MemberTokenKeyCount
		if err := rows.Scan(&c.Tenant, &c.KeyID, &c.Status, &c.Count); err != nil {
			return nil, fmt.Errorf("count member tokens by key: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count member tokens by key: %w", err)
	}
	return out, nil
}

// SetMemberTokenStatusByKey moves every row sealed with keyID from status
// from to status to, in one statement, and returns how many it moved. A
// row saved meanwhile under another key or status is not touched.
func (db *DB) SetMemberTokenStatusByKey(ctx context.Context, keyID, from, to string) (int, error) {
	if err := store.CheckMemberTokenStatusByKey(keyID, from, to); err != nil {
		return 0, err
	}
	res, err := db.sql.ExecContext(ctx, `UPDATE member_tokens SET status = ? WHERE key_id = ? AND status = ?`, to, keyID, from)
	if err != nil {
		return 0, fmt.Errorf("set member token status of key %s: %w", keyID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("set member token status of key %s: %w", keyID, err)
	}
	return int(n), nil
}

// DeleteMemberToken removes the row of this tenant and viewer. Deleting a
// row that does not exist is not an error, so disconnecting twice is safe.
func (db *DB) DeleteMemberToken(ctx context.Context, tenant, viewer string) error {
	if _, err := db.sql.ExecContext(ctx, `DELETE FROM member_tokens WHERE tenant = ? AND viewer = ?`, tenant, viewer); err != nil {
		return fmt.Errorf("delete member token %s/%s: %w", tenant, viewer, err)
	}
	return nil
}

// MemberTokens returns every row of every tenant, ordered by tenant and
// viewer; key rotation walks them all.
func (db *DB) MemberTokens(ctx context.Context) ([]store.MemberTokenRow, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+memberTokenColumns+`
		FROM member_tokens ORDER BY tenant, viewer`)
	if err != nil {
		return nil, fmt.Errorf("list member tokens: %w", err)
	}
	defer rows.Close()
	var out []store.MemberTokenRow
	for rows.Next() {
		row, err := scanMemberToken(rows)
		if err != nil {
			return nil, fmt.Errorf("list member tokens: %w", err)
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list member tokens: %w", err)
	}
	return out, nil
}

// CountMemberTokens counts the tenant's rows with this status; an empty
// status counts every row of the tenant.
func (db *DB) CountMemberTokens(ctx context.Context, tenant, status string) (int, error) {
	var n int
	err := db.sql.QueryRowContext(ctx, `SELECT COUNT(*) FROM member_tokens
		WHERE tenant = ? AND (? = '' OR status = ?)`, tenant, status, status).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count member tokens of %s: %w", tenant, err)
	}
	return n, nil
}

type memberTokenScanner interface{ Scan(dest ...any) error }

func scanMemberToken(s memberTokenScanner) (store.MemberTokenRow, error) {
	var row store.MemberTokenRow
	var expires, refreshExpires, updated int64
	if err := s.Scan(&row.Tenant, &row.Viewer, &row.KeyID, &row.Sealed, &expires, &refreshExpires, &row.Status, &updated); err != nil {
		return store.MemberTokenRow{}, err
	}
	row.ExpiresAt, row.RefreshExpiresAt, row.UpdatedAt = rowTime(expires), rowTime(refreshExpires), rowTime(updated)
	return row, nil
}

// tokenTime stores times as Unix milliseconds; the zero time is stored as 0
// so "not set" survives the round trip.
func tokenTime(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func rowTime(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}
