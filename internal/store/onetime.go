package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// OneTime is a short-lived value that can be taken exactly once: a connect
// handle, an OAuth state. Who it belongs to is stored in clear; anything
// secret belongs in Payload, sealed by the caller.
type OneTime struct {
	// Tenant, Viewer and SessionID say whose flow this value belongs to.
	Tenant, Viewer, SessionID string
	// Payload is opaque to the store; empty is allowed.
	Payload []byte
	// ExpiresAt is when TakeOneTime stops returning the value. Required.
	ExpiresAt time.Time
}

// PutOneTime stores v under kind and id. Only the SHA-256 of id is
// written, so a copy of the database does not yield usable ids. Storing
// the same kind and id twice is an error.
func (db *DB) PutOneTime(ctx context.Context, kind, id string, v OneTime) error {
	switch {
	case kind == "" || id == "":
		return fmt.Errorf("put one-time value: kind and id are required")
	case v.ExpiresAt.IsZero():
		return fmt.Errorf("put one-time %s: expiry is required", kind)
	}
	payload := v.Payload
	if payload == nil {
		payload = []byte{} // the column is NOT NULL
	}
	_, err := db.sql.ExecContext(ctx, `INSERT INTO oauth_states
		(kind, id_hash, tenant, viewer, session_id, payload, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		kind, oneTimeHash(id), v.Tenant, v.Viewer, v.SessionID, payload, v.ExpiresAt.UnixMilli())
	if err != nil {
		// The id is a bearer secret: it never goes into the message.
		return fmt.Errorf("put one-time %s: %w", kind, err)
	}
	return nil
}

// TakeOneTime returns the value stored under kind and id and deletes it in
// the same statement, so of any number of concurrent takers exactly one
// succeeds. Absent or expired (ExpiresAt not after now) values give
// ErrNotFound. Every expired value of every kind is purged on the way.
func (db *DB) TakeOneTime(ctx context.Context, kind, id string, now time.Time) (OneTime, error) {
	if kind == "" || id == "" {
		return OneTime{}, fmt.Errorf("take one-time %s: %w", kind, ErrNotFound)
	}
	cutoff := now.UnixMilli()
	if _, err := db.sql.ExecContext(ctx, `DELETE FROM oauth_states WHERE expires_at <= ?`, cutoff); err != nil {
		return OneTime{}, fmt.Errorf("take one-time %s: purge expired: %w", kind, err)
	}
	var v OneTime
	var expires int64
	err := db.sql.QueryRowContext(ctx, `DELETE FROM oauth_states WHERE kind = ? AND id_hash = ?
		RETURNING tenant, viewer, session_id, payload, expires_at`, kind, oneTimeHash(id)).
		Scan(&v.Tenant, &v.Viewer, &v.SessionID, &v.Payload, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return OneTime{}, fmt.Errorf("take one-time %s: %w", kind, ErrNotFound)
	}
	if err != nil {
		return OneTime{}, fmt.Errorf("take one-time %s: %w", kind, err)
	}
	// The purge above ran with the same cutoff, but a value put between the
	// two statements with a past expiry must not be handed out either.
	if expires <= cutoff {
		return OneTime{}, fmt.Errorf("take one-time %s: %w", kind, ErrNotFound)
	}
	v.ExpiresAt = time.UnixMilli(expires).UTC()
	return v, nil
}

func oneTimeHash(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}
