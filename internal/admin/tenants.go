package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/snapbridge/snapbridge/internal/keyring"
	"github.com/snapbridge/snapbridge/internal/store"
	"github.com/snapbridge/snapbridge/internal/tenant"
)

// sealedSecrets is what a tenant row keeps encrypted: every secret the
// JSON configuration leaves out (json:"-").
type sealedSecrets struct {
	ClientSecret   string            `json:"clientSecret"`
	ContextSecrets map[string]string `json:"contextSecrets,omitempty"`
	// CanvasSecrets are the Salesforce Connected App's consumer secrets.
	CanvasSecrets []string `json:"canvasSecrets,omitempty"`
	// HubSpotSecrets are the HubSpot app's client secrets.
	HubSpotSecrets []string `json:"hubspotSecrets,omitempty"`
	// EntraSecrets are the Dynamics app registration's client secrets.
	EntraSecrets []string `json:"entraSecrets,omitempty"`
}

// Load seeds the database with the tenants of the configuration file (and
// the sandbox) that it does not hold yet, then loads every stored tenant
// into the registry: after the first start the database is the truth and
// the file only adds tenants. It returns the ids it seeded.
func (s *Service) Load(ctx context.Context, seeds []tenant.Tenant) ([]string, error) {
	var seeded []string
	for _, seed := range seeds {
		t := seed.Clone()
		t.ApplyDefaults()
		if err := t.Validate(); err != nil {
			return nil, fmt.Errorf("seed tenants: %w", err)
		}
		row, err := s.row(&t)
		if err != nil {
			return nil, fmt.Errorf("seed tenants: %w", err)
		}
		added, err := s.Store.InsertTenantIfAbsent(ctx, row)
		if err != nil {
			return nil, fmt.Errorf("seed tenants: %w", err)
		}
		if added {
			seeded = append(seeded, t.ID)
		}
	}
	rows, err := s.Store.StoredTenants(ctx)
	if err != nil {
		return nil, fmt.Errorf("load tenants: %w", err)
	}
	for _, row := range rows {
		t, err := s.tenantOf(row)
		if err != nil {
			return nil, fmt.Errorf("load tenants: %w", err)
		}
		loaded, dropped, err := s.Tenants.Put(t)
		if err != nil {
			return nil, fmt.Errorf("load stored tenant %s: %w", row.ID, err)
		}
		s.warnLegacy(ctx, loaded, dropped)
	}
	return seeded, nil
}

// warnLegacy tells the operator what a stored tenant holds that this
// version no longer accepts: allowed origins that are not served any more
// and context key ids that can only be removed.
func (s *Service) warnLegacy(ctx context.Context, t *tenant.Tenant, droppedOrigins []string) {
	if len(droppedOrigins) > 0 {
		s.Logger.WarnContext(ctx, "stored tenant has allowed origins that are not origins; they no longer frame the widget or the console: set the tenant's allowed origins again",
			"tenant", t.ID, "dropped", droppedOrigins, "kept", t.AllowedOrigins)
	}
	for _, k := range t.Context.Keys {
		if !tenant.ValidKeyID(k.ID) {
			s.Logger.WarnContext(ctx, "stored tenant has a context key id that new keys may not use; it still verifies, rotate to a new key and remove it",
				"tenant", t.ID, "kid", k.ID)
		}
	}
}

// RotateSecrets re-encrypts every stored tenant's secrets with the key
// ring's primary key (snapbridge keys rotate), so old keys can be dropped.
// It needs only Store and Ring, and returns how many tenants changed.
func (s *Service) RotateSecrets(ctx context.Context) (int, error) {
	rows, err := s.Store.StoredTenants(ctx)
	if err != nil {
		return 0, fmt.Errorf("rotate tenant secrets: %w", err)
	}
	changed := 0
	var failures []error
	for _, row := range rows {
		if row.KeyID == s.Ring.Primary() {
			continue
		}
		plain, err := s.Ring.Open(row.KeyID, row.Sealed, []byte(row.ID))
		if err != nil {
			failures = append(failures, fmt.Errorf("tenant %s: %w", row.ID, err))
			continue
		}
		keyID, sealed, err := s.Ring.Seal(plain, []byte(row.ID))
		if err != nil {
			failures = append(failures, fmt.Errorf("tenant %s: %w", row.ID, err))
			continue
		}
		ok, err := s.Store.ResealTenant(ctx, row.ID, row.Sealed, keyID, sealed)
		if err != nil {
			failures = append(failures, err)
			continue
		}
		if ok {
			changed++
		}
	}
	if err := errors.Join(failures...); err != nil {
		return changed, fmt.Errorf("rotate tenant secrets: %w", err)
	}
	return changed, nil
}

// row turns a tenant into its database row, sealing its secrets with the
// tenant id as associated data, so a row copied under another id does not
// open.
func (s *Service) row(t *tenant.Tenant) (store.TenantRow, error) {
	cfg, err := json.Marshal(t) // secrets are json:"-"
	if err != nil {
		return store.TenantRow{}, fmt.Errorf("encode tenant %s: %w", t.ID, err)
	}
	sec := sealedSecrets{ClientSecret: t.LinkedIn.ClientSecret}
	for _, k := range t.Context.Keys {
		if k.Secret != "" {
			if sec.ContextSecrets == nil {
				sec.ContextSecrets = map[string]string{}
			}
			sec.ContextSecrets[k.ID] = k.Secret
		}
	}
	if sf := t.Host.Salesforce; sf != nil {
		sec.CanvasSecrets = sf.ConsumerSecrets
	}
	if hs := t.Host.HubSpot; hs != nil {
		sec.HubSpotSecrets = hs.ClientSecrets
	}
	if d := t.Host.Dynamics; d != nil {
		sec.EntraSecrets = d.ClientSecrets
	}
	plain, err := json.Marshal(sec)
	if err != nil {
		return store.TenantRow{}, fmt.Errorf("encode secrets of tenant %s: %w", t.ID, err)
	}
	keyID, sealed, err := s.Ring.Seal(plain, []byte(t.ID))
	if err != nil {
		return store.TenantRow{}, fmt.Errorf("seal secrets of tenant %s: %w", t.ID, err)
	}
	now := s.Now()
	return store.TenantRow{ID: t.ID, Config: cfg, KeyID: keyID, Sealed: sealed, CreatedAt: now, UpdatedAt: now}, nil
}

// tenantOf reads a row back into a tenant with its secrets.
func (s *Service) tenantOf(row store.TenantRow) (tenant.Tenant, error) {
	var t tenant.Tenant
	if err := json.Unmarshal(row.Config, &t); err != nil {
		return tenant.Tenant{}, fmt.Errorf("decode tenant %s: %w", row.ID, err)
	}
	if t.ID != row.ID {
		return tenant.Tenant{}, fmt.Errorf("decode tenant %s: the stored configuration names %q", row.ID, t.ID)
	}
	plain, err := s.Ring.Open(row.KeyID, row.Sealed, []byte(row.ID))
	if errors.Is(err, keyring.ErrUnknownKey) {
		return tenant.Tenant{}, fmt.Errorf("tenant %q: its secrets are sealed with encryption key %q, which is not in the key ring: "+
			"put that key back in secrets.encryptionKeys (SNAPBRIDGE_ENCRYPTION_KEYS), after the current key, "+
			"and run `snapbridge keys rotate` before removing it: %w", row.ID, row.KeyID, err)
	}
	if err != nil {
		return tenant.Tenant{}, fmt.Errorf("open secrets of tenant %q (key %q): %w", row.ID, row.KeyID, err)
	}
	var sec sealedSecrets
	if err := json.Unmarshal(plain, &sec); err != nil {
		return tenant.Tenant{}, fmt.Errorf("decode secrets of tenant %s: %w", row.ID, err)
	}
	t.LinkedIn.ClientSecret = sec.ClientSecret
	for i, k := range t.Context.Keys {
		t.Context.Keys[i].Secret = sec.ContextSecrets[k.ID]
	}
	if t.Host.Salesforce != nil {
		t.Host.Salesforce.ConsumerSecrets = sec.CanvasSecrets
	}
	if t.Host.HubSpot != nil {
		t.Host.HubSpot.ClientSecrets = sec.HubSpotSecrets
	}
	if t.Host.Dynamics != nil {
		t.Host.Dynamics.ClientSecrets = sec.EntraSecrets
	}
	t.Revision = row.Revision
	return t, nil
}

// persistNew returns the registry hook that stores a new tenant before
// it becomes visible: an id another instance took meanwhile is refused
// like one this registry holds.
func (s *Service) persistNew(ctx context.Context) func(*tenant.Tenant) error {
	return func(t *tenant.Tenant) error {
		row, err := s.row(t)
		if err != nil {
			return err
		}
		added, err := s.Store.InsertTenantIfAbsent(ctx, row)
		if err != nil {
			return err
		}
		if !added {
			return &tenant.FieldError{Tenant: t.ID, Field: "id", Reason: "is used by another tenant", Err: tenant.ErrExists}
		}
		t.Revision = 1
		return nil
	}
}

// persistUpdate returns the registry hook that stores a changed tenant
// before it becomes visible, only if the stored row is still at revision
// (store.ErrStale otherwise).
func (s *Service) persistUpdate(ctx context.Context, revision int64) func(*tenant.Tenant) error {
	return func(t *tenant.Tenant) error {
		row, err := s.row(t)
		if err != nil {
			return err
		}
		next, err := s.Store.UpdateTenant(ctx, row, revision)
		if err != nil {
			return err
		}
		t.Revision = next
		return nil
	}
}

// checkKeyCount refuses more context keys than may be active at once.
func checkKeyCount(t tenant.Tenant) error {
	if n := len(t.Context.Keys); n > MaxContextKeys {
		return &tenant.FieldError{Tenant: t.ID, Field: "context.keys",
			Reason: fmt.Sprintf("has %d keys; at most %d may be active at once", n, MaxContextKeys)}
	}
	return nil
}

// Tenant returns the tenant with this id, or tenant.ErrUnknown.
func (s *Service) Tenant(id string) (*tenant.Tenant, error) {
	t, ok := s.Tenants.Get(id)
	if !ok {
		return nil, fmt.Errorf("tenant %q: %w", id, tenant.ErrUnknown)
	}
	return t, nil
}

// CreateTenant validates and stores a new tenant exactly as start-up
// does, and audits it. A taken id wraps tenant.ErrExists; a bad field is a
// *tenant.FieldError.
func (s *Service) CreateTenant(ctx context.Context, actor string, spec TenantSpec) (*tenant.Tenant, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := spec.tenant(nil)
	if err := checkKeyCount(t); err != nil {
		return nil, err
	}
	created, err := s.Tenants.Create(t, s.persistNew(ctx))
	if err != nil {
		return nil, err
	}
	s.saved(ctx, created)
	detail := fmt.Sprintf("created tenant %q (LinkedIn client id %s, %d context key(s))", created.Name, created.LinkedIn.ClientID, len(created.Context.Keys))
	return created, s.Record(ctx, created.ID, actor, "tenant.create", detail)
}

// UpdateTenant replaces the editable fields of a tenant (see TenantSpec
// for what is kept), stores it, forgets its cached app tokens (the
// credentials may have changed) and audits what changed. revision, when
// not 0, is the revision the editor read (If-Match): a tenant saved since
// is refused with ErrTenantRevision. With 0 the spec is applied to the
// tenant as stored now, and nothing another admin saved meanwhile is lost
// (see edit). A spec that changes nothing stores and audits nothing, and
// answers the tenant as it is.
func (s *Service) UpdateTenant(ctx context.Context, actor, id string, spec TenantSpec, revision int64) (*tenant.Tenant, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if spec.ID != "" && spec.ID != id {
		return nil, &tenant.FieldError{Tenant: id, Field: "id", Reason: "cannot be changed; leave it out or repeat the tenant's id"}
	}
	current, updated, err := s.edit(ctx, id, revision, func(current *tenant.Tenant) (tenant.Tenant, error) {
		t := spec.tenant(current)
		return t, checkKeyCount(t)
	})
	if err != nil || updated == current {
		return updated, err
	}
	return updated, s.Record(ctx, id, actor, "tenant.update", changes(current, updated))
}

// edit is every change of a stored tenant: change builds the new tenant
// from the current one, which is stored only if nobody saved the tenant
// since it was read (a conditional write), then its cached app tokens
// are dropped. revision, when not 0, must be the stored revision
// (ErrTenantRevision otherwise). Without it, a change that loses the race
// to another save is built once more on the newer tenant; losing again is
// ErrTenantChanged. It returns the tenant the change was built on and the
// result, which is that same tenant, unstored, when the change leaves
// every setting as it was. The caller holds s.mu.
func (s *Service) edit(ctx context.Context, id string, revision int64, change func(current *tenant.Tenant) (tenant.Tenant, error)) (current, updated *tenant.Tenant, err error) {
	for attempt := 1; ; attempt++ {
		current, err := s.fresh(ctx, id)
		if err != nil {
			return nil, nil, err
		}
		if revision != 0 && current.Revision != revision {
			return nil, nil, fmt.Errorf("tenant %s: edited at revision %d, now at %d: %w", id, revision, current.Revision, ErrTenantRevision)
		}
		t, err := change(current)
		if err != nil {
			return nil, nil, err
		}
		unchanged := false
		persist := s.persistUpdate(ctx, current.Revision)
		updated, err := s.Tenants.Update(t, func(t *tenant.Tenant) error {
			if sameSettings(current, t) {
				unchanged = true
				return errUnchanged
			}
			return persist(t)
		})
		switch {
		case unchanged:
			return current, current, nil
		case errors.Is(err, store.ErrStale) && revision != 0:
			return nil, nil, fmt.Errorf("tenant %s: %w", id, ErrTenantRevision)
		case errors.Is(err, store.ErrStale) && attempt == 1:
			continue
		case errors.Is(err, store.ErrStale):
			return nil, nil, fmt.Errorf("tenant %s: %w", id, ErrTenantChanged)
		case err != nil:
			return nil, nil, err
		}
		if s.AppTokens != nil {
			s.AppTokens.Invalidate(id, "")
		}
		s.saved(ctx, updated)
		return current, updated, nil
	}
}

// fresh returns the tenant as stored now: when another instance saved it
// and its announcement has not arrived yet, the stored version is loaded
// into the registry first. The caller holds s.mu.
func (s *Service) fresh(ctx context.Context, id string) (*tenant.Tenant, error) {
	current, err := s.Tenant(id)
	if err != nil {
		return nil, err
	}
	row, err := s.Store.StoredTenant(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("tenant %q is not stored: %w", id, tenant.ErrUnknown)
	}
	if err != nil {
		return nil, fmt.Errorf("read tenant %s: %w", id, err)
	}
	if row.Revision == current.Revision {
		return current, nil
	}
	if err := s.reloadRow(row); err != nil {
		return nil, fmt.Errorf("read tenant %s: %w", id, err)
	}
	return s.Tenant(id)
}

// saved tells OnTenantSaved, if set, and the other instances of a stored
// tenant.
func (s *Service) saved(ctx context.Context, t *tenant.Tenant) {
	if s.OnTenantSaved != nil {
		s.OnTenantSaved(ctx, t)
	}
	s.announce(ctx, t.ID)
}
