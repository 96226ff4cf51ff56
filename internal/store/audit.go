package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// AuditEntry is one admin action: who did what to which tenant, when.
// Detail never holds a secret; callers make sure of it.
type AuditEntry struct {
	// ID orders entries; set by the store.
	ID int64
	// Tenant is the tenant acted on.
	Tenant string
	// Actor is "viewer:<id>", "apikey:<id>" or "operator".
	Actor string
	// Action names what was done, e.g. "tenant.update".
	Action string
	// Detail says what changed, in words.
	Detail string
	// At is when it happened.
	At time.Time
}

// MaxAuditLimit bounds one audit listing.
const MaxAuditLimit = 500

// AddAudit appends an entry to the audit log.
func (db *DB) AddAudit(ctx context.Context, e AuditEntry) error {
	if e.Tenant == "" || e.Actor == "" || e.Action == "" {
		return errors.New("add audit entry: tenant, actor and action are required")
	}
	_, err := db.sql.ExecContext(ctx, `INSERT INTO audit_log (tenant, actor, action, detail, at) VALUES (?, ?, ?, ?, ?)`,
		e.Tenant, e.Actor, e.Action, e.Detail, tokenTime(e.At))
	if err != nil {
		return fmt.Errorf("add audit entry %s for %s: %w", e.Action, e.Tenant, err)
	}
	return nil
}

// Audit returns the tenant's newest entries first, at most limit
// (1..MaxAuditLimit; other values mean MaxAuditLimit).
func (db *DB) Audit(ctx context.Context, tenant string, limit int) ([]AuditEntry, error) {
	if limit <= 0 || limit > MaxAuditLimit {
		limit = MaxAuditLimit
	}
	rows, err := db.sql.QueryContext(ctx, `SELECT id, tenant, actor, action, detail, at FROM audit_log
		WHERE tenant = ? ORDER BY id DESC LIMIT ?`, tenant, limit)
	if err != nil {
		return nil, fmt.Errorf("audit of %s: %w", tenant, err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at int64
		if err := rows.Scan(&e.ID, &e.Tenant, &e.Actor, &e.Action, &e.Detail, &at); err != nil {
			return nil, fmt.Errorf("audit of %s: %w", tenant, err)
		}
		e.At = rowTime(at)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audit of %s: %w", tenant, err)
	}
	return out, nil
}
