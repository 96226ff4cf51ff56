package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/snapbridge/snapbridge/internal/store"
)

// PutOneTime stores v under kind and id. Only the SHA-256 of id is
// written, so a copy of the database does not yield usable ids. Storing
// the same kind and id twice is an error. Expired values are removed by
// PurgeExpired.
func (db *DB) PutOneTime(ctx context.Context, kind, id string, v store.OneTime) error {
	if err := store.CheckOneTime(kind, id, v); err != nil {
		return err
	}
	if err := putOneTime(ctx, db.sql, kind, id, v); err != nil {
		return fmt.Errorf("put one-time %s: %w", kind, err)
	}
	return nil
}

// PutOneTimeOnce is PutOneTime for values a session should hold one of at
// a time. When the same tenant, viewer and session already hold a value
// of kind that is still live at liveAfter and that reuse accepts, nothing
// is stored and that value comes back with reused true; otherwise v is
// stored under id. One transaction decides, so concurrent callers for one
// session store one value between them. reuse sees at most eight live
// values, latest expiry first; it runs inside the transaction and must not
// use the database. A nil reuse accepts any.
func (db *DB) PutOneTimeOnce(ctx context.Context, kind, id string, v store.OneTime, liveAfter time.Time,
	reuse func(store.OneTime) bool) (got store.OneTime, reused bool, err error) {
	if err := store.CheckOneTime(kind, id, v); err != nil {
		return store.OneTime{}, false, err
	}
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return store.OneTime{}, false, fmt.Errorf("put one-time %s: %w", kind, err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	live, err := liveOneTimes(ctx, tx, kind, v, liveAfter)
	if err != nil {
		return store.OneTime{}, false, fmt.Errorf("put one-time %s: %w", kind, err)
	}
	for _, old := range live {
		if reuse == nil || reuse(old) {
			return old, true, tx.Commit()
		}
	}
	if err := putOneTime(ctx, tx, kind, id, v); err != nil {
		return store.OneTime{}, false, fmt.Errorf("put one-time %s: %w", kind, err)
	}
	if err := tx.Commit(); err != nil {
		return store.OneTime{}, false, fmt.Errorf("put one-time %s: %w", kind, err)
	}
	return v, false, nil
}

// TakeOneTime returns the value stored under kind and id and deletes it in
// the same statement, so of any number of concurrent takers exactly one
// succeeds. Absent or expired (ExpiresAt not after now) values give
// store.ErrNotFound.
func (db *DB) TakeOneTime(ctx context.Context, kind, id string, now time.Time) (store.OneTime, error) {
	return db.take(ctx, kind, id, now, "")
}

// TakeOneTimeOf is TakeOneTime for a value only its owner may spend: the
// value is taken only when owner's Tenant, Viewer and SessionID are the
// stored ones (owner's other fields are ignored), in the same single
// statement. Anyone else gets store.ErrNotFound and leaves the value in place.
func (db *DB) TakeOneTimeOf(ctx context.Context, kind, id string, owner store.OneTime, now time.Time) (store.OneTime, error) {
	return db.take(ctx, kind, id, now, ` AND tenant = ? AND viewer = ? AND session_id = ?`,
		owner.Tenant, owner.Viewer, owner.SessionID)
}

// take deletes the value of kind and id that also meets the condition
// where (with its args) and returns it when it had not expired at now.
func (db *DB) take(ctx context.Context, kind, id string, now time.Time, where string, args ...any) (store.OneTime, error) {
	if kind == "" || id == "" {
		return store.OneTime{}, fmt.Errorf("take one-time %s: %w", kind, store.ErrNotFound)
	}
	var v store.OneTime
	var expires int64
	err := db.sql.QueryRowContext(ctx, `DELETE FROM oauth_states WHERE kind = ? AND id_hash = ?`+where+`
		RETURNING tenant, viewer, session_id, payload, expires_at`, append([]any{kind, oneTimeHash(id)}, args...)...).
		Scan(&v.Tenant, &v.Viewer, &v.SessionID, &v.Payload, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return store.OneTime{}, fmt.Errorf("take one-time %s: %w", kind, store.ErrNotFound)
	}
	if err != nil {
		return store.OneTime{}, fmt.Errorf("take one-time %s: %w", kind, err)
	}
	// An expired value is deleted all the same: it can never be used.
	if expires <= now.UnixMilli() {
		return store.OneTime{}, fmt.Errorf("take one-time %s: %w", kind, store.ErrNotFound)
	}
	v.ExpiresAt = time.UnixMilli(expires).UTC()
	return v, nil
}

// execer is what putOneTime and liveOneTimes need of a *sql.DB or *sql.Tx.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func putOneTime(ctx context.Context, q execer, kind, id string, v store.OneTime) error {
	payload := v.Payload
	if payload == nil {
		payload = []byte{} // the column is NOT NULL
	}
	// The id is a bearer secret: it never goes into an error message.
	_, err := q.ExecContext(ctx, `INSERT INTO oauth_states
		(kind, id_hash, tenant, viewer, session_id, payload, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		kind, oneTimeHash(id), v.Tenant, v.Viewer, v.SessionID, payload, v.ExpiresAt.UnixMilli())
	return err
}

// liveOneTimes returns the values of kind held by owner's tenant, viewer
// and session that expire after liveAfter, latest expiry first.
func liveOneTimes(ctx context.Context, q execer, kind string, owner store.OneTime, liveAfter time.Time) ([]store.OneTime, error) {
	rows, err := q.QueryContext(ctx, `SELECT payload, expires_at FROM oauth_states
		WHERE kind = ? AND tenant = ? AND viewer = ? AND session_id = ? AND expires_at > ?
		ORDER BY expires_at DESC LIMIT ?`,
		kind, owner.Tenant, owner.Viewer, owner.SessionID, liveAfter.UnixMilli(), store.MaxReuseCandidates)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.OneTime
	for rows.Next() {
		v := store.OneTime{Tenant: owner.Tenant, Viewer: owner.Viewer, SessionID: owner.SessionID}
		var expires int64
		if err := rows.Scan(&v.Payload, &expires); err != nil {
			return nil, err
		}
		v.ExpiresAt = time.UnixMilli(expires).UTC()
		out = append(out, v)
	}
	return out, rows.Err()
}

func oneTimeHash(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}
