package admin

import (
	"context"

	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/tenant"
)

// AssociationLinkedIn is what the association resolver calls LinkedIn
// with; *linkedin.Client satisfies it (as does assoc.LinkedIn).
type AssociationLinkedIn interface {
	ProfileAssociation(ctx context.Context, appToken string, key linkedin.AssociationKey) (linkedin.ProfileAssociation, error)
	ProfileAssociations(ctx context.Context, appToken string, keys []linkedin.AssociationKey) (linkedin.BatchAssociations, error)
}

// WatchAssociations wraps the resolver's LinkedIn client so every
// association answer feeds stats: failures by kind, and CRM Sync state
// (a match or a 404 proves it enabled, 40001 disabled). The resolver turns
// failures into per-record statuses, so this is where their kind is still
// known. The tenant is found by the key's partner and instance id.
func WatchAssociations(next AssociationLinkedIn, tenants *tenant.Registry, stats *ErrorStats) AssociationLinkedIn {
	return &watchedAssociations{next: next, tenants: tenants, stats: stats}
}

type watchedAssociations struct {
	next    AssociationLinkedIn
	tenants *tenant.Registry
	stats   *ErrorStats
}

func (w *watchedAssociations) ProfileAssociation(ctx context.Context, appToken string, key linkedin.AssociationKey) (linkedin.ProfileAssociation, error) {
	pa, err := w.next.ProfileAssociation(ctx, appToken, key)
	w.observe(key, err)
	return pa, err
}

func (w *watchedAssociations) ProfileAssociations(ctx context.Context, appToken string, keys []linkedin.AssociationKey) (linkedin.BatchAssociations, error) {
	ba, err := w.next.ProfileAssociations(ctx, appToken, keys)
	if err != nil || len(keys) == 0 {
		if len(keys) > 0 {
			w.observe(keys[0], err)
		}
		return ba, err
	}
	if len(ba.Results) > 0 {
		w.observe(keys[0], nil)
	}
	// One failure per kind is enough: a batch is one upstream call.
	type kind struct{ status, code int }
	seen := map[kind]bool{}
	for k, e := range ba.Errors {
		if kd := (kind{e.Status, e.ServiceErrorCode}); !seen[kd] {
			seen[kd] = true
			w.observe(k, e)
		}
	}
	return ba, err
}

// observe records one answer for the tenant owning key.
func (w *watchedAssociations) observe(key linkedin.AssociationKey, err error) {
	id := w.tenantOf(key)
	if id == "" {
		return
	}
	if err == nil || linkedin.IsNotFound(err) {
		w.stats.ObserveCRMSync(id, CRMSyncEnabled)
		return
	}
	w.stats.Record(id, err)
}

func (w *watchedAssociations) tenantOf(key linkedin.AssociationKey) string {
	for _, t := range w.tenants.All() {
		if t.CRM.Partner == key.Partner && t.CRM.InstanceID == key.InstanceID {
			return t.ID
		}
	}
	return ""
}

// WatchAppTokens wraps an app-token source so failures to get a token
// (a wrong client secret: 401) are counted against the tenant.
func WatchAppTokens(next AppTokens, stats *ErrorStats) AppTokens {
	return &watchedAppTokens{next: next, stats: stats}
}

type watchedAppTokens struct {
	next  AppTokens
	stats *ErrorStats
}

func (w *watchedAppTokens) Get(ctx context.Context, t *tenant.Tenant, scope string) (string, error) {
	tok, err := w.next.Get(ctx, t, scope)
	if err != nil && t != nil {
		w.stats.Record(t.ID, err)
	}
	return tok, err
}

func (w *watchedAppTokens) Invalidate(tenantID, scope string) { w.next.Invalidate(tenantID, scope) }
