package admin

import (
	"context"
	"fmt"
	"time"

	"github.com/snapbridge/snapbridge/internal/store"
)

// AuditEntry is one line of the audit log as the admin API shows it.
type AuditEntry struct {
	ID     int64  `json:"id"`
	Tenant string `json:"tenant"`
	Actor  string `json:"actor"`
	// ActorName names the actor for people: the viewer's display name as
	// their CRM last signed it, "API key “name”" or "Operator"; empty
	// when unknown.
	ActorName string    `json:"actorName,omitempty"`
	Action    string    `json:"action"`
	Detail    string    `json:"detail"`
	At        time.Time `json:"at"`
}

// Record writes one admin action to the audit log. detail must never
// carry a secret; exports and other admin features call it too.
func (s *Service) Record(ctx context.Context, tenantID, actor, action, detail string) error {
	err := s.Store.AddAudit(ctx, store.AuditEntry{Tenant: tenantID, Actor: actor, Action: action, Detail: detail, At: s.Now()})
	if err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

// Audit returns the tenant's audit log, newest first, at most limit
// entries (default and maximum store.MaxAuditLimit), each actor named
// for people where it can be (ActorName).
func (s *Service) Audit(ctx context.Context, tenantID string, limit int) ([]AuditEntry, error) {
	rows, err := s.Store.Audit(ctx, tenantID, limit)
	if err != nil {
		return nil, err
	}
	out := make([]AuditEntry, 0, len(rows))
	for _, r := range rows {
		out = append(out, AuditEntry{ID: r.ID, Tenant: r.Tenant, Actor: r.Actor, Action: r.Action, Detail: r.Detail, At: r.At})
	}
	names := s.actorNames(ctx, tenantID, out)
	for i := range out {
		out[i].ActorName = names[out[i].Actor]
	}
	return out, nil
}
