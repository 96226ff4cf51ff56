package admin

import (
	"context"
	"fmt"

	"github.com/snapbridge/snapbridge/internal/store"
)

// Health is a tenant's connection health at a glance.
type Health struct {
	// ConnectedViewers counts viewers with a usable LinkedIn authorization.
	ConnectedViewers int `json:"connectedViewers"`
	// ReconnectRequiredViewers counts viewers whose authorization was
	// sealed with an encryption key since removed from the key ring: they
	// must connect LinkedIn again. Not part of ConnectedViewers.
	ReconnectRequiredViewers int `json:"reconnectRequiredViewers"`
	// Associations is the association cache: entries of this instance;
	// hits and misses of every instance when they share Redis.
	Associations AssociationHealth `json:"associations"`
	// Budget is today's (UTC) lookup budget.
	Budget BudgetHealth `json:"budget"`
	// LinkedInErrors counts LinkedIn failures by kind since start, or on
	// every instance over the last 30 days when they share Redis.
	LinkedInErrors ErrorCounts `json:"linkedinErrors"`
	// CRMSync is "enabled", "disabled" or "unknown" (not seen yet).
	CRMSync string `json:"crmSync"`
}

// AssociationHealth is the association cache size and hit rate.
type AssociationHealth struct {
	Entries int     `json:"entries"`
	Hits    uint64  `json:"hits"`
	Misses  uint64  `json:"misses"`
	HitRate float64 `json:"hitRate"`
}

// BudgetHealth is the daily lookup budget and what today used of it.
type BudgetHealth struct {
	Limit int    `json:"limit"`
	Used  int    `json:"used"`
	Day   string `json:"day"`
}

// Health gathers the tenant's health.
func (s *Service) Health(ctx context.Context, tenantID string) (Health, error) {
	t, err := s.Tenant(tenantID)
	if err != nil {
		return Health{}, err
	}
	h := Health{LinkedInErrors: s.Errors.Counts(t.ID), CRMSync: s.Errors.CRMSync(t.ID)}
	if h.ConnectedViewers, err = s.Store.CountMemberTokens(ctx, t.ID, store.StatusConnected); err != nil {
		return Health{}, fmt.Errorf("health of %s: %w", t.ID, err)
	}
	if h.ReconnectRequiredViewers, err = s.Store.CountMemberTokens(ctx, t.ID, store.StatusReconnectRequired); err != nil {
		return Health{}, fmt.Errorf("health of %s: %w", t.ID, err)
	}
	day := s.Now().UTC().Format(store.DayLayout)
	h.Budget = BudgetHealth{Limit: t.DailyLookupBudget, Day: day}
	if h.Budget.Used, err = s.Store.LookupsUsed(ctx, t.ID, day); err != nil {
		return Health{}, fmt.Errorf("health of %s: %w", t.ID, err)
	}
	if s.Associations != nil {
		a := &h.Associations
		a.Entries, a.Hits, a.Misses = s.Associations.Stats(t.ID)
		if total := a.Hits + a.Misses; total > 0 {
			a.HitRate = float64(a.Hits) / float64(total)
		}
	}
	return h, nil
}
