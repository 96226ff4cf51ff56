package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/snapbridge/snapbridge/internal/store"
)

// AddAudit appends an entry to the audit log.
func (db *DB) AddAudit(ctx context.Context, e store.AuditEntry) error {
	if err := e.Check(); err != nil {
		return err
	}
	_, err := db.pool.Exec(ctx, `INSERT INTO audit_log (tenant, actor, action, detail, at) VALUES ($1, $2, $3, $4, $5)`,
		e.Tenant, e.Actor, e.Action, e.Detail, msTime(e.At))
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
	rows, err := db.pool.Query(ctx, `SELECT id, tenant, actor, action, detail, at FROM audit_log
		WHERE tenant = $1 ORDER BY id DESC LIMIT $2`, tenant, limit)
	if err != nil {
		return nil, fmt.Errorf("audit of %s: %w", tenant, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.AuditEntry, error) {
		var e store.AuditEntry
		var at int64
		err := r.Scan(&e.ID, &e.Tenant, &e.Actor, &e.Action, &e.Detail, &at)
		e.At = rowTime(at)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("audit of %s: %w", tenant, err)
	}
	return out, nil
}
