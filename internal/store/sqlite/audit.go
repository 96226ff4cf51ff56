package sqlite

import (
	"context"
	"fmt"

	"github.com/snapbridge/snapbridge/internal/store"
)

// AddAudit appends an entry to the audit log.
func (db *DB) AddAudit(ctx context.Context, e store.AuditEntry) error {
	if err := e.Check(); err != nil {
		return err
	}
	_, err := db.sql.ExecContext(ctx, `INSERT INTO audit_log (tenant, actor, action, detail, at) VALUES (?, ?, ?, ?, ?)`,
		e.Tenant, e.Actor, e.Action, e.Detail, tokenTime(e.At))
	if err != nil {
		return fmt.Errorf("add audit entry %s for %s: %w", e.Action, e.Tenant, err)
	}
	return nil
}

// Audit returns the tenant's newest entries first, at most limit
// (1..MaxAuditLimit; other values mean store.MaxAuditLimit).
func (db *DB) Audit(ctx context.Context, tenant string, limit int) ([]store.AuditEntry, error) {
	if limit <= 0 || limit > store.MaxAuditLimit {
		limit = store.MaxAuditLimit
	}
	rows, err := db.sql.QueryContext(ctx, `SELECT id, tenant, actor, action, detail, at FROM audit_log
		WHERE tenant = ? ORDER BY id DESC LIMIT ?`, tenant, limit)
	if err != nil {
		return nil, fmt.Errorf("audit of %s: %w", tenant, err)
	}
	defer rows.Close()
	var out []store.AuditEntry
	for rows.Next() {
		var e store.AuditEntry
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
