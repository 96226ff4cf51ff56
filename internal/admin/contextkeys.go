package admin

import (
	"context"
	"fmt"
	"strings"

	"github.com/snapbridge/snapbridge/internal/tenant"
)

// AddContextKey adds a key the tenant's CRM may sign contexts with, next
// to the current one, so the CRM can switch without downtime. A third
// active key is refused (ErrContextKeyLimit): remove the old one first.
func (s *Service) AddContextKey(ctx context.Context, actor, tenantID string, key KeySpec) (*tenant.Tenant, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, updated, err := s.edit(ctx, tenantID, 0, func(current *tenant.Tenant) (tenant.Tenant, error) {
		if n := len(current.Context.Keys); n >= MaxContextKeys {
			return tenant.Tenant{}, fmt.Errorf("tenant %s already has %d active context keys (%s); remove the one the CRM no longer uses first: %w",
				tenantID, n, strings.Join(contextKeyIDs(current), ", "), ErrContextKeyLimit)
		}
		t := current.Clone()
		t.Context.Keys = append(t.Context.Keys, key.key())
		return t, nil
	})
	if err != nil {
		return nil, err
	}
	return updated, s.Record(ctx, tenantID, actor, "context_key.add", fmt.Sprintf("added context key %q (%s)", key.ID, key.Alg))
}

// RemoveContextKey stops accepting contexts signed with key kid. The last
// key cannot be removed (ErrLastContextKey); an unknown one is
// ErrContextKeyNotFound.
func (s *Service) RemoveContextKey(ctx context.Context, actor, tenantID, kid string) (*tenant.Tenant, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, updated, err := s.edit(ctx, tenantID, 0, func(current *tenant.Tenant) (tenant.Tenant, error) {
		t := current.Clone()
		t.Context.Keys = t.Context.Keys[:0]
		for _, k := range current.Context.Keys {
			if k.ID != kid {
				t.Context.Keys = append(t.Context.Keys, k)
			}
		}
		switch {
		case len(t.Context.Keys) == len(current.Context.Keys):
			return tenant.Tenant{}, fmt.Errorf("tenant %s, context key %q: %w", tenantID, kid, ErrContextKeyNotFound)
		case len(t.Context.Keys) == 0:
			return tenant.Tenant{}, fmt.Errorf("tenant %s, context key %q: add the new key before removing this one: %w", tenantID, kid, ErrLastContextKey)
		}
		return t, nil
	})
	if err != nil {
		return nil, err
	}
	return updated, s.Record(ctx, tenantID, actor, "context_key.remove", fmt.Sprintf("removed context key %q", kid))
}

func contextKeyIDs(t *tenant.Tenant) []string {
	out := make([]string, 0, len(t.Context.Keys))
	for _, k := range t.Context.Keys {
		out = append(out, k.ID)
	}
	return out
}
