package tenant

import (
	"fmt"
	"sort"
)

// Registry holds the validated tenants and finds them by id or by the
// issuer of their host contexts. It is read-only after NewRegistry and
// safe for concurrent use.
type Registry struct {
	byID     map[string]*Tenant
	byIssuer map[string]*Tenant
}

// NewRegistry applies defaults to, validates and indexes the tenants. It
// refuses duplicate ids and issuers.
func NewRegistry(tenants []Tenant) (*Registry, error) {
	r := &Registry{byID: map[string]*Tenant{}, byIssuer: map[string]*Tenant{}}
	for i := range tenants {
		t := tenants[i]
		t.ApplyDefaults()
		if err := t.Validate(); err != nil {
			return nil, err
		}
		if _, dup := r.byID[t.ID]; dup {
			return nil, &FieldError{Tenant: t.ID, Field: "id", Reason: "is used by another tenant"}
		}
		if other, dup := r.byIssuer[t.Context.Issuer]; dup {
			return nil, &FieldError{Tenant: t.ID, Field: "context.issuer",
				Reason: fmt.Sprintf("%q is already the issuer of tenant %q", t.Context.Issuer, other.ID)}
		}
		r.byID[t.ID] = &t
		r.byIssuer[t.Context.Issuer] = &t
	}
	return r, nil
}

// Get returns the tenant with this id.
func (r *Registry) Get(id string) (*Tenant, bool) {
	t, ok := r.byID[id]
	return t, ok
}

// ByIssuer returns the tenant whose host contexts carry this `iss`.
func (r *Registry) ByIssuer(iss string) (*Tenant, bool) {
	t, ok := r.byIssuer[iss]
	return t, ok
}

// All returns every tenant ordered by id.
func (r *Registry) All() []*Tenant {
	out := make([]*Tenant, 0, len(r.byID))
	for _, t := range r.byID {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
