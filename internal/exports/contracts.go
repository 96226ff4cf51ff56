package exports

import (
	"context"
	"fmt"

	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/tenant"
)

// Contracts returns the viewer's Sales Navigator contracts. It needs the
// r_sales_nav_analytics scope: without it the answer is a
// *tokens.ScopeError (an ErrScopeMissing), and tokens.ErrNotConnected
// when the viewer never connected.
func (s *Service) Contracts(ctx context.Context, t *tenant.Tenant, viewer string) ([]linkedin.Contract, error) {
	if viewer == "" {
		return nil, ErrViewerRequired
	}
	token, err := s.members.AccessTokenWithScope(ctx, t, viewer, linkedin.ScopeAnalytics)
	if err != nil {
		return nil, fmt.Errorf("contracts of %s/%s: %w", t.ID, viewer, err)
	}
	cs, err := s.li.SalesContracts(ctx, token)
	if err != nil {
		return nil, fmt.Errorf("contracts of %s/%s: %w", t.ID, viewer, refusedScope(err, linkedin.ScopeAnalytics))
	}
	return cs, nil
}
