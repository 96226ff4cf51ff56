package compliance

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/store"
	"github.com/snapbridge/snapbridge/internal/tenant"
)

// Status is a viewer's compliance state as LinkedIn and the archive see it.
type Status struct {
	// OptedIn is true when LinkedIn lists the viewer's authorization.
	OptedIn bool `json:"optedIn"`
	// RegulatedAt is when LinkedIn started capturing; nil when not opted in.
	RegulatedAt *time.Time `json:"regulatedAt,omitempty"`
	// Archive is the archive's state; nil when the viewer never opted in.
	Archive *ViewerReport `json:"archive,omitempty"`
}

// OptIn opts the viewer in at LinkedIn (only communications after this
// are captured), records the authorization and asks the archiver to run
// soon. Without the r_compliance_sales_nav scope it returns a
// *tokens.ScopeError. Opting in again is harmless.
func (s *Service) OptIn(ctx context.Context, t *tenant.Tenant, viewer string) (Status, error) {
	token, err := s.members.AccessTokenWithScope(ctx, t, viewer, linkedin.ScopeCompliance)
	if err != nil {
		return Status{}, fmt.Errorf("compliance opt-in %s/%s: %w", t.ID, viewer, err)
	}
	if err := s.li.OptInCompliance(ctx, token); err != nil {
		// 409: already opted in, which is what was asked for.
		if e, ok := linkedin.AsError(err); !ok || e.Status != 409 {
			return Status{}, fmt.Errorf("compliance opt-in %s/%s: %w", t.ID, viewer, refusedScope(err))
		}
	}
	auths, err := s.li.ComplianceAuthorizations(ctx, token)
	if err != nil {
		return Status{}, fmt.Errorf("compliance opt-in %s/%s: read back: %w", t.ID, viewer, refusedScope(err))
	}
	if len(auths) == 0 {
		return Status{}, fmt.Errorf("compliance opt-in %s/%s: LinkedIn accepted the opt-in but lists no authorization", t.ID, viewer)
	}
	a := auths[0]
	now := s.cfg.Now()
	v, err := s.db.ComplianceViewerOf(ctx, t.ID, viewer)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return Status{}, fmt.Errorf("compliance opt-in %s/%s: %w", t.ID, viewer, err)
	}
	if v.Status != store.ComplianceOptedIn {
		v.OptedInAt, v.StatusChangedAt = now, now
	}
	v.Tenant, v.Viewer, v.Status = t.ID, viewer, store.ComplianceOptedIn
	v.Member, v.DeveloperApplication, v.RegulatedAt, v.LastCheckAt = a.Member, a.DeveloperApplication, a.RegulatedAt, now
	if v.Cursor.IsZero() {
		v.Cursor = a.RegulatedAt
	}
	if err := s.db.PutComplianceViewer(ctx, v); err != nil {
		return Status{}, fmt.Errorf("compliance opt-in %s/%s: %w", t.ID, viewer, err)
	}
	s.nudge(ctx)
	return s.statusOf(ctx, t.ID, viewer, &a)
}

// Status asks LinkedIn whether the viewer is opted in and adds the
// archive's state. A local opt-in LinkedIn no longer lists is marked
// revoked, which the admin sees as a gap.
func (s *Service) Status(ctx context.Context, t *tenant.Tenant, viewer string) (Status, error) {
	token, err := s.members.AccessTokenWithScope(ctx, t, viewer, linkedin.ScopeCompliance)
	if err != nil {
		return Status{}, fmt.Errorf("compliance status %s/%s: %w", t.ID, viewer, err)
	}
	auths, err := s.li.ComplianceAuthorizations(ctx, token)
	if err != nil {
		return Status{}, fmt.Errorf("compliance status %s/%s: %w", t.ID, viewer, refusedScope(err))
	}
	if err := s.recordCheck(ctx, t.ID, viewer, auths); err != nil {
		return Status{}, err
	}
	var a *linkedin.ComplianceAuthorization
	if len(auths) > 0 {
		a = &auths[0]
	}
	return s.statusOf(ctx, t.ID, viewer, a)
}

// OptOut revokes the viewer's authorization at LinkedIn and stops
// archiving. The archive itself is kept: it is the tenant's record.
// Opting out when not opted in is harmless.
func (s *Service) OptOut(ctx context.Context, t *tenant.Tenant, viewer string) (Status, error) {
	token, err := s.members.AccessTokenWithScope(ctx, t, viewer, linkedin.ScopeCompliance)
	if err != nil {
		return Status{}, fmt.Errorf("compliance opt-out %s/%s: %w", t.ID, viewer, err)
	}
	auths, err := s.li.ComplianceAuthorizations(ctx, token)
	if err != nil {
		return Status{}, fmt.Errorf("compliance opt-out %s/%s: %w", t.ID, viewer, refusedScope(err))
	}
	for _, a := range auths {
		if err := s.li.OptOutCompliance(ctx, token, a); err != nil && !linkedin.IsNotFound(err) {
			return Status{}, fmt.Errorf("compliance opt-out %s/%s: %w", t.ID, viewer, refusedScope(err))
		}
	}
	v, err := s.db.ComplianceViewerOf(ctx, t.ID, viewer)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return Status{}, nil
	case err != nil:
		return Status{}, fmt.Errorf("compliance opt-out %s/%s: %w", t.ID, viewer, err)
	}
	now := s.cfg.Now()
	v.Status, v.StatusChangedAt, v.LastCheckAt = store.ComplianceOptedOut, now, now
	if err := s.db.PutComplianceViewer(ctx, v); err != nil {
		return Status{}, fmt.Errorf("compliance opt-out %s/%s: %w", t.ID, viewer, err)
	}
	return s.statusOf(ctx, t.ID, viewer, nil)
}

// recordCheck stores the outcome of an authorization check: a viewer
// opted in here whom LinkedIn no longer lists becomes revoked, and one
// LinkedIn lists again becomes opted in again. The status moves only
// from the one read here: an opt-out landing meanwhile on another
// instance stays.
func (s *Service) recordCheck(ctx context.Context, tenantID, viewer string, auths []linkedin.ComplianceAuthorization) error {
	v, err := s.db.ComplianceViewerOf(ctx, tenantID, viewer)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("record compliance check %s/%s: %w", tenantID, viewer, err)
	}
	now := s.cfg.Now()
	err = s.db.RecordComplianceCheck(ctx, tenantID, viewer, now, "")
	switch {
	case err != nil:
	case len(auths) == 0 && v.Status == store.ComplianceOptedIn:
		_, err = s.db.SwapComplianceStatus(ctx, tenantID, viewer, v.Status, store.ComplianceRevoked, now, time.Time{})
	case len(auths) > 0 && v.Status == store.ComplianceRevoked:
		_, err = s.db.SwapComplianceStatus(ctx, tenantID, viewer, v.Status, store.ComplianceOptedIn, now, auths[0].RegulatedAt)
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("record compliance check %s/%s: %w", tenantID, viewer, err)
	}
	return nil
}

func (s *Service) statusOf(ctx context.Context, tenantID, viewer string, a *linkedin.ComplianceAuthorization) (Status, error) {
	st := Status{OptedIn: a != nil}
	if a != nil && !a.RegulatedAt.IsZero() {
		at := a.RegulatedAt
		st.RegulatedAt = &at
	}
	v, err := s.db.ComplianceViewerOf(ctx, tenantID, viewer)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return st, nil
	case err != nil:
		return Status{}, fmt.Errorf("compliance status %s/%s: %w", tenantID, viewer, err)
	}
	r := s.report(v)
	st.Archive = &r
	return st, nil
}
