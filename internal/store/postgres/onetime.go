package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/snapbridge/snapbridge/internal/store"
)

// oneTimeOwnerLock is the first key of the advisory lock PutOneTimeOnce
// takes per owner (the second is a hash of kind, tenant, viewer and
// session); the two-key form never meets the migration's one-key lock.
const oneTimeOwnerLock int32 = 0x6f6e6365 // "once"

// PutOneTime stores v under kind and id. Only the SHA-256 of id is
// written. Storing the same kind and id twice is an error.
func (db *DB) PutOneTime(ctx context.Context, kind, id string, v store.OneTime) error {
	if err := store.CheckOneTime(kind, id, v); err != nil {
		return err
	}
	if err := putOneTime(ctx, db.pool, kind, id, v); err != nil {
		return fmt.Errorf("put one-time %s: %w", kind, err)
	}
	return nil
}

// PutOneTimeOnce is PutOneTime for values a session should hold one of at
// a time. Its transaction first takes an advisory lock on the owner (kind,
// tenant, viewer, session), so concurrent callers for one session — on any
// connection of any instance — decide one after the other and store one
// value between them.
func (db *DB) PutOneTimeOnce(ctx context.Context, kind, id string, v store.OneTime, liveAfter time.Time,
	reuse func(store.OneTime) bool) (got store.OneTime, reused bool, err error) {
	if err := store.CheckOneTime(kind, id, v); err != nil {
		return store.OneTime{}, false, err
	}
	err = db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2 || '/' || $3 || '/' || $4 || '/' || $5))`,
			oneTimeOwnerLock, kind, v.Tenant, v.Viewer, v.SessionID); err != nil {
			return err
		}
		live, err := liveOneTimes(ctx, tx, kind, v, liveAfter)
		if err != nil {
			return err
		}
		for _, old := range live {
			if reuse == nil || reuse(old) {
				got, reused = old, true
				return nil
			}
		}
		got, reused = v, false
		return putOneTime(ctx, tx, kind, id, v)
	})
	if err != nil {
		return store.OneTime{}, false, fmt.Errorf("put one-time %s: %w", kind, err)
	}
	return got, reused, nil
}

// TakeOneTime returns the value stored under kind and id and deletes it in
// the same statement (DELETE … RETURNING), so of any number of concurrent
// takers exactly one succeeds.
func (db *DB) TakeOneTime(ctx context.Context, kind, id string, now time.Time) (store.OneTime, error) {
	return db.take(ctx, kind, id, now, "")
}

// TakeOneTimeOf is TakeOneTime for a value only its owner may spend: the
// owner is part of the same DELETE's condition.
func (db *DB) TakeOneTimeOf(ctx context.Context, kind, id string, owner store.OneTime, now time.Time) (store.OneTime, error) {
	return db.take(ctx, kind, id, now, ` AND tenant = $3 AND viewer = $4 AND session_id = $5`,
		owner.Tenant, owner.Viewer, owner.SessionID)
}

func (db *DB) take(ctx context.Context, kind, id string, now time.Time, where string, args ...any) (store.OneTime, error) {
	if kind == "" || id == "" {
		return store.OneTime{}, fmt.Errorf("take one-time %s: %w", kind, store.ErrNotFound)
	}
	var v store.OneTime
	var expires int64
	err := db.pool.QueryRow(ctx, `DELETE FROM oauth_states WHERE kind = $1 AND id_hash = $2`+where+`
		RETURNING tenant, viewer, session_id, payload, expires_at`, append([]any{kind, oneTimeHash(id)}, args...)...).
		Scan(&v.Tenant, &v.Viewer, &v.SessionID, &v.Payload, &expires)
	if errors.Is(err, pgx.ErrNoRows) {
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

// querier is what the helpers need of the pool or a transaction.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func putOneTime(ctx context.Context, q querier, kind, id string, v store.OneTime) error {
	// The id is a bearer secret: it never goes into an error message, and
	// PostgreSQL's duplicate-key detail would quote only its hash.
	_, err := q.Exec(ctx, `INSERT INTO oauth_states
		(kind, id_hash, tenant, viewer, session_id, payload, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		kind, oneTimeHash(id), v.Tenant, v.Viewer, v.SessionID, nonNil(v.Payload), v.ExpiresAt.UnixMilli())
	if isUniqueViolation(err) {
		return errors.New("a value with this id is already stored")
	}
	return err
}

// liveOneTimes returns the values of kind held by owner's tenant, viewer
// and session that expire after liveAfter, latest expiry first.
func liveOneTimes(ctx context.Context, q querier, kind string, owner store.OneTime, liveAfter time.Time) ([]store.OneTime, error) {
	rows, err := q.Query(ctx, `SELECT payload, expires_at FROM oauth_states
		WHERE kind = $1 AND tenant = $2 AND viewer = $3 AND session_id = $4 AND expires_at > $5
		ORDER BY expires_at DESC LIMIT $6`,
		kind, owner.Tenant, owner.Viewer, owner.SessionID, liveAfter.UnixMilli(), store.MaxReuseCandidates)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.OneTime, error) {
		v := store.OneTime{Tenant: owner.Tenant, Viewer: owner.Viewer, SessionID: owner.SessionID}
		var expires int64
		err := r.Scan(&v.Payload, &expires)
		v.ExpiresAt = time.UnixMilli(expires).UTC()
		return v, err
	})
}

func oneTimeHash(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}
