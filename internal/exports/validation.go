package exports

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/store"
	"github.com/snapbridge/snapbridge/internal/tenant"
)

// ValidationRequest asks for a CRM data validation export. Exactly one of
// ExportStartAt and SinceLastExport is given.
type ValidationRequest struct {
	// ExportStartAt is where the export starts, RFC 3339 or epoch ms.
	ExportStartAt json.RawMessage `json:"exportStartAt,omitempty"`
	// SinceLastExport starts where the tenant's last completed export
	// ended (LinkedIn's nextExportStartAt).
	SinceLastExport bool `json:"sinceLastExport,omitempty"`
}

// CreateValidation submits a CRM data validation export of the tenant's
// CRM instance with the tenant's app token (scope r_sales_nav_validation)
// and stores it for the poller. Bad requests give a *FieldError.
func (s *Service) CreateValidation(ctx context.Context, t *tenant.Tenant, actor string, req ValidationRequest) (store.ValidationExport, error) {
	given := len(req.ExportStartAt) > 0 && string(req.ExportStartAt) != "null"
	var start time.Time
	var err error
	switch {
	case given && req.SinceLastExport:
		return store.ValidationExport{}, &FieldError{Field: "sinceLastExport", Message: "give either exportStartAt or sinceLastExport, not both"}
	case req.SinceLastExport:
		start, err = s.db.ValidationCursor(ctx, t.ID)
		if errors.Is(err, store.ErrNotFound) {
			return store.ValidationExport{}, &FieldError{Field: "sinceLastExport",
				Message: "no validation export of this tenant has completed yet; give exportStartAt for the first one"}
		}
		if err != nil {
			return store.ValidationExport{}, fmt.Errorf("create validation export: %w", err)
		}
	case given:
		if start, err = parseInstant("exportStartAt", req.ExportStartAt); err != nil {
			return store.ValidationExport{}, err
		}
	default:
		return store.ValidationExport{}, &FieldError{Field: "exportStartAt", Message: "is required unless sinceLastExport is true"}
	}
	now := s.cfg.Now()
	if !start.Before(now) {
		return store.ValidationExport{}, &FieldError{Field: "exportStartAt", Message: "must be in the past"}
	}
	if t.CRM.Type == "" || t.CRM.InstanceID == "" {
		return store.ValidationExport{}, &FieldError{Field: "crm", Message: "the tenant's CRM type and instance id must be configured first"}
	}
	urn := linkedin.CRMInstanceURN(t.CRM.Type, t.CRM.InstanceID)
	token, err := s.apps.Get(ctx, t, linkedin.ScopeValidation)
	if err != nil {
		return store.ValidationExport{}, fmt.Errorf("create validation export for %s: %w", t.ID, err)
	}
	id, err := s.li.CreateValidationExport(ctx, token, urn, start)
	if err != nil {
		return store.ValidationExport{}, fmt.Errorf("create validation export for %s: %w", t.ID, err)
	}
	j, err := s.db.InsertValidationExport(ctx, store.ValidationExport{
		Tenant: t.ID, Actor: actor, CRMInstance: urn, LinkedInID: id, Status: store.JobRunning,
		LinkedInStatus: "PROCESSING", Message: "sent to LinkedIn; validation exports can take up to two hours",
		ExportStartAt: start, NextPollAt: now.Add(s.cfg.FirstPoll), CreatedAt: now, SubmittedAt: now,
	})
	if err != nil {
		return store.ValidationExport{}, fmt.Errorf("create validation export for %s: LinkedIn job %d: %w", t.ID, id, err)
	}
	s.nudge(ctx)
	return j, nil
}

// Validation returns the tenant's job, or ErrNotFound.
func (s *Service) Validation(ctx context.Context, tenantID string, id int64) (store.ValidationExport, error) {
	j, err := s.db.ValidationExportByID(ctx, tenantID, id)
	if errors.Is(err, store.ErrNotFound) {
		return j, fmt.Errorf("validation export %d of %s: %w", id, tenantID, ErrNotFound)
	}
	return j, err
}

// ValidationDownloadURL returns LinkedIn's link to file n (counted from
// 1) of a completed validation export: ErrNotReady before completion, a
// *FieldError naming "file" when the export has no such file.
func (s *Service) ValidationDownloadURL(ctx context.Context, tenantID string, id int64, n int) (store.ValidationExport, string, error) {
	j, err := s.Validation(ctx, tenantID, id)
	if err != nil {
		return j, "", err
	}
	if j.Status != store.JobCompleted || len(j.DownloadURLs) == 0 {
		return j, "", fmt.Errorf("download validation export %d: status %s: %w", id, j.Status, ErrNotReady)
	}
	if n < 1 || n > len(j.DownloadURLs) {
		return j, "", &FieldError{Field: "file", Message: fmt.Sprintf("must be a number from 1 to %d", len(j.DownloadURLs))}
	}
	return j, j.DownloadURLs[n-1], nil
}

// ValidationList returns the tenant's newest jobs first (at most 100).
func (s *Service) ValidationList(ctx context.Context, tenantID string) ([]store.ValidationExport, error) {
	return s.db.ValidationExports(ctx, tenantID, 100)
}

// NextValidationStart returns where a "since last export" validation
// export would start; ok is false before the first completed export.
func (s *Service) NextValidationStart(ctx context.Context, tenantID string) (time.Time, bool, error) {
	at, err := s.db.ValidationCursor(ctx, tenantID)
	if errors.Is(err, store.ErrNotFound) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, err
	}
	return at, true, nil
}

// pollValidation asks LinkedIn about a running validation job and stores
// what it says; a job PROCESSING longer than ValidationTimeout fails.
func (s *Service) pollValidation(ctx context.Context, j store.ValidationExport) error {
	now := s.cfg.Now()
	j.UpdatedAt = now
	t, ok := s.tenants.Get(j.Tenant)
	var lj linkedin.ValidationJob
	var err error
	if ok {
		var token string
		if token, err = s.apps.Get(ctx, t, linkedin.ScopeValidation); err == nil {
			lj, err = s.li.ValidationExport(ctx, token, j.CRMInstance, j.LinkedInID)
		}
	}
	switch {
	case !ok:
		j.Status, j.Message, j.FinishedAt = store.JobFailed, "the tenant no longer exists", now
	case err == nil && lj.Status == "COMPLETED":
		j.Status, j.LinkedInStatus, j.FinishedAt = store.JobCompleted, lj.Status, now
		j.DownloadURLs, j.URLExpiresAt = lj.DownloadURLs, lj.ExpireAt
		j.ExportEndAt, j.NextExportStartAt = lj.ExportEndAt, lj.NextExportStartAt
		j.Message = fmt.Sprintf("completed: %d file(s)", len(lj.DownloadURLs))
	case err == nil && strings.HasPrefix(lj.Status, "FAILED"):
		j.Status, j.LinkedInStatus, j.FinishedAt = store.JobFailed, lj.Status, now
		j.Message = linkedInWords(lj.Status)
	case err == nil && now.Sub(j.SubmittedAt) > s.cfg.ValidationTimeout:
		j.Status, j.LinkedInStatus, j.FinishedAt = store.JobFailed, lj.Status, now
		j.Message = fmt.Sprintf("LinkedIn did not finish the job within %s; start a new one", s.cfg.ValidationTimeout)
	case err == nil:
		if lj.Status != j.LinkedInStatus {
			j.Polls = 0
		} else {
			j.Polls++
		}
		j.LinkedInStatus, j.Message = lj.Status, linkedInWords(lj.Status)
		j.NextPollAt = now.Add(s.backoff(j.Polls))
	case linkedin.IsNotFound(err):
		j.Status, j.FinishedAt, j.Message = store.JobFailed, now, "LinkedIn no longer knows this job"
	default:
		j.Message = "LinkedIn did not answer about the job (" + linkedInMessage(err) + "); retrying"
		j.Polls++
		j.NextPollAt = now.Add(s.backoff(j.Polls))
	}
	if j.Status != store.JobRunning {
		j.NextPollAt = time.Time{}
	}
	if err := s.db.UpdateValidationExport(ctx, j); err != nil {
		return fmt.Errorf("poll validation export %d: %w", j.ID, err)
	}
	return nil
}
