package store

import (
	"context"
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

// AuditLog is the append-only log of admin actions per tenant.
type AuditLog interface {
	// AddAudit appends an entry; tenant, actor and action are required.
	AddAudit(ctx context.Context, e AuditEntry) error
	// Audit returns the tenant's newest entries first, at most limit
	// (1..MaxAuditLimit; other values mean MaxAuditLimit).
	Audit(ctx context.Context, tenant string, limit int) ([]AuditEntry, error)
}
