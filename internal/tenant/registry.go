package tenant

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// ErrUnknown is returned by Registry.Update for a tenant id it does not hold.
var ErrUnknown = errors.New("tenant: unknown tenant")

// ErrExists is returned (inside a *FieldError naming "id") by
// Registry.Create for an id that is already taken.
var ErrExists = errors.New("tenant: id already taken")

// Registry holds the validated tenants and finds them by id or by the
// issuer of their host contexts. It is safe for concurrent use: readers
// see an immutable snapshot, writers (Create, Update) are serialized and
// publish a new snapshot (copy-on-write). A *Tenant handed out is never
// changed afterwards; an update replaces it.
type Registry struct {
	mu   sync.Mutex // serializes writers
	snap atomic.Pointer[index]
}

// index is one immutable snapshot of the registry.
type index struct {
	byID     map[string]*Tenant
	byIssuer map[string]*Tenant
	version  uint64
}

// NewRegistry applies defaults to, validates and indexes the tenants. It
// refuses duplicate ids and issuers.
func NewRegistry(tenants []Tenant) (*Registry, error) {
	r := &Registry{}
	ix := &index{byID: map[string]*Tenant{}, byIssuer: map[string]*Tenant{}}
	for i := range tenants {
		t, err := prepare(tenants[i], leniency{})
		if err != nil {
			return nil, err
		}
		if _, dup := ix.byID[t.ID]; dup {
			return nil, &FieldError{Tenant: t.ID, Field: "id", Reason: "is used by another tenant", Err: ErrExists}
		}
		if err := ix.checkIssuer(t); err != nil {
			return nil, err
		}
		ix.byID[t.ID] = t
		ix.byIssuer[t.Context.Issuer] = t
	}
	r.snap.Store(ix)
	return r, nil
}

// prepare copies t, applies its defaults and validates it with leniency l.
func prepare(t Tenant, l leniency) (*Tenant, error) {
	c := t.Clone()
	c.ApplyDefaults()
	if err := c.validate(l); err != nil {
		return nil, err
	}
	return &c, nil
}

// checkIssuer refuses t when another tenant already uses its issuer.
func (ix *index) checkIssuer(t *Tenant) error {
	if fe := ix.issuerProblem(t); fe != nil {
		return fe
	}
	return nil
}

// issuerProblem is the problem of t's issuer being another tenant's, or nil.
func (ix *index) issuerProblem(t *Tenant) *FieldError {
	if other, dup := ix.byIssuer[t.Context.Issuer]; dup && other.ID != t.ID {
		return &FieldError{Tenant: t.ID, Field: "context.issuer",
			Reason: fmt.Sprintf("%q is already the issuer of tenant %q", t.Context.Issuer, other.ID)}
	}
	return nil
}

// Check applies defaults to a copy of t and validates it against the
// registry as Create (create true) or Update would, without storing it.
func (r *Registry) Check(t Tenant, create bool) (*Tenant, error) {
	ix := r.snap.Load()
	return r.check(ix, t, create, ix.kept(t, create))
}

// kept is the leniency an update of t gets: the key ids the stored tenant
// already has stay acceptable, so a tenant with a key id an older version
// allowed can still be edited, rotate to a new key and remove the old one.
// New key ids must pass ValidKeyID.
func (ix *index) kept(t Tenant, create bool) leniency {
	current, ok := ix.byID[t.ID]
	if create || !ok {
		return leniency{}
	}
	l := leniency{keyIDs: map[string]bool{}}
	for _, k := range current.Context.Keys {
		l.keyIDs[k.ID] = true
	}
	return l
}

// check validates t against ix in one pass: its fields, a taken id and
// an issuer of another tenant are all reported together.
func (r *Registry) check(ix *index, t Tenant, create bool, l leniency) (*Tenant, error) {
	c := t.Clone()
	c.ApplyDefaults()
	_, exists := ix.byID[c.ID]
	if !create && !exists {
		return nil, fmt.Errorf("update tenant %q: %w", c.ID, ErrUnknown)
	}
	p := &problems{}
	if create && exists {
		p.add(&FieldError{Tenant: c.ID, Field: "id", Reason: "is used by another tenant", Err: ErrExists})
	}
	c.check(p, l)
	if fe := ix.issuerProblem(&c); fe != nil {
		p.add(fe)
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	return &c, nil
}

// Create adds a new tenant after the same defaults and validation as
// NewRegistry. persist, when not nil, is called with the final tenant
// before it becomes visible; its error aborts the change. A taken id is
// a *FieldError wrapping ErrExists.
func (r *Registry) Create(t Tenant, persist func(*Tenant) error) (*Tenant, error) {
	return r.put(t, true, persist)
}

// Update replaces an existing tenant (ErrUnknown otherwise), with the
// same validation and persist hook as Create.
func (r *Registry) Update(t Tenant, persist func(*Tenant) error) (*Tenant, error) {
	return r.put(t, false, persist)
}

// Put stores a tenant read back from the database at start-up, whether or
// not its id exists yet. It tolerates what an older version stored and
// this one refuses, so the server still starts and an admin can repair
// the tenant: context key ids ValidKeyID refuses are kept (they still
// verify contexts and can be removed), and allowed origins ParseOrigin
// refuses are left out and returned in dropped. A tenant left without
// origins can be framed by no page until an admin sets them.
func (r *Registry) Put(t Tenant) (stored *Tenant, dropped []string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	l := leniency{keyIDs: map[string]bool{}, noOrigins: true}
	for _, k := range t.Context.Keys {
		l.keyIDs[k.ID] = true
	}
	kept := make([]string, 0, len(t.AllowedOrigins))
	for _, o := range t.AllowedOrigins {
		if _, err := ParseOrigin(o); err != nil {
			dropped = append(dropped, o)
			continue
		}
		kept = append(kept, o)
	}
	t = t.Clone()
	t.AllowedOrigins = kept
	_, exists := r.snap.Load().byID[t.ID]
	stored, err = r.putLocked(t, !exists, nil, l)
	return stored, dropped, err
}

func (r *Registry) put(t Tenant, create bool, persist func(*Tenant) error) (*Tenant, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.putLocked(t, create, persist, r.snap.Load().kept(t, create))
}

func (r *Registry) putLocked(t Tenant, create bool, persist func(*Tenant) error, l leniency) (*Tenant, error) {
	old := r.snap.Load()
	c, err := r.check(old, t, create, l)
	if err != nil {
		return nil, err
	}
	if persist != nil {
		if err := persist(c); err != nil {
			return nil, err
		}
	}
	ix := &index{byID: map[string]*Tenant{}, byIssuer: map[string]*Tenant{}, version: old.version + 1}
	for id, v := range old.byID {
		if id != c.ID {
			ix.byID[id] = v
			ix.byIssuer[v.Context.Issuer] = v
		}
	}
	ix.byID[c.ID] = c
	ix.byIssuer[c.Context.Issuer] = c
	r.snap.Store(ix)
	return c, nil
}

// Version counts the changes since NewRegistry, so caches derived from
// the tenants (parsed context keys) know when to rebuild.
func (r *Registry) Version() uint64 { return r.snap.Load().version }

// Get returns the tenant with this id.
func (r *Registry) Get(id string) (*Tenant, bool) {
	t, ok := r.snap.Load().byID[id]
	return t, ok
}

// ByIssuer returns the tenant whose host contexts carry this `iss`.
func (r *Registry) ByIssuer(iss string) (*Tenant, bool) {
	t, ok := r.snap.Load().byIssuer[iss]
	return t, ok
}

// All returns every tenant ordered by id.
func (r *Registry) All() []*Tenant {
	ix := r.snap.Load()
	out := make([]*Tenant, 0, len(ix.byID))
	for _, t := range ix.byID {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b *Tenant) int { return strings.Compare(a.ID, b.ID) })
	return out
}
