package compliance

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/store"
)

// maxPages bounds one run, so one viewer with a huge backlog cannot starve
// the others; the next run continues from the cursor.
const maxPages = 200

// releaseTimeout bounds freeing the leases when the archiver stops.
const releaseTimeout = 5 * time.Second

// Sync runs the archive once for the viewer now: it fetches the events
// processed since the newest archived one (inclusive, so events sharing
// that processedAt are not missed; those already archived are skipped by
// id), page by page, and records the run's outcome. It returns the run.
func (s *Service) Sync(ctx context.Context, tenantID, viewer string) (store.ComplianceRun, error) {
	select {
	case s.runs <- struct{}{}:
		defer func() { <-s.runs }()
	case <-ctx.Done():
		return store.ComplianceRun{}, ctx.Err()
	}
	v, err := s.db.ComplianceViewerOf(ctx, tenantID, viewer)
	if errors.Is(err, store.ErrNotFound) {
		return store.ComplianceRun{}, fmt.Errorf("compliance sync %s/%s: %w", tenantID, viewer, ErrNotOptedIn)
	}
	if err != nil {
		return store.ComplianceRun{}, fmt.Errorf("compliance sync %s/%s: %w", tenantID, viewer, err)
	}
	if v.Status != store.ComplianceOptedIn {
		return store.ComplianceRun{}, fmt.Errorf("compliance sync %s/%s: status %s: %w", tenantID, viewer, v.Status, ErrNotOptedIn)
	}
	run := store.ComplianceRun{Tenant: tenantID, Viewer: viewer}
	runErr := s.fetch(ctx, v, &run)
	run.At, run.OK = s.cfg.Now(), runErr == nil
	if runErr != nil {
		run.Error = words(runErr)
	}
	// Only the run's own columns: the viewer may have opted out meanwhile.
	if err := s.db.RecordComplianceAttempt(ctx, tenantID, viewer, run.At, run.Error); err != nil {
		return run, fmt.Errorf("compliance sync %s/%s: %w", tenantID, viewer, err)
	}
	if err := s.db.RecordComplianceRun(ctx, run); err != nil {
		return run, err
	}
	if runErr != nil {
		return run, fmt.Errorf("compliance sync %s/%s: %w", tenantID, viewer, runErr)
	}
	return run, nil
}

func (s *Service) fetch(ctx context.Context, v store.ComplianceViewer, run *store.ComplianceRun) error {
	t, ok := s.tenants.Get(v.Tenant)
	if !ok {
		return fmt.Errorf("tenant %s no longer exists", v.Tenant)
	}
	token, err := s.members.AccessTokenWithScope(ctx, t, v.Viewer, linkedin.ScopeCompliance)
	if err != nil {
		return err
	}
	cursor := v.Cursor
	if earliest := s.cfg.Now().Add(-Window); cursor.Before(earliest) {
		// LinkedIn answers nothing older; asking from further back is a
		// wasted page, and the gap report already covers the loss.
		cursor = earliest
	}
	for range maxPages {
		events, err := s.li.ComplianceEvents(ctx, token, cursor, s.cfg.PageSize)
		if err != nil {
			return refusedScope(err)
		}
		next := cursor
		rows := make([]store.ComplianceEventRow, 0, len(events))
		now := s.cfg.Now()
		for _, e := range events {
			rows = append(rows, store.ComplianceEventRow{ID: e.ID, ProcessedAt: e.ProcessedAt, Raw: e.Raw, ArchivedAt: now})
			if e.ProcessedAt.After(next) {
				next = e.ProcessedAt
			}
		}
		added, err := s.db.ArchiveComplianceEvents(ctx, v.Tenant, v.Viewer, rows, next)
		if err != nil {
			return err
		}
		run.Fetched += len(events)
		run.Archived += added
		if len(events) < s.cfg.PageSize {
			return nil
		}
		if !next.After(cursor) {
			// A full page of events all at the cursor's instant: paging by
			// processedAt cannot get past them.
			return fmt.Errorf("more than %d events share processedAt %s: %w", s.cfg.PageSize, cursor.Format(time.RFC3339Nano), errStuck)
		}
		cursor = next
	}
	return nil
}

// checkAuthorization re-reads the viewer's authorization at LinkedIn.
func (s *Service) checkAuthorization(ctx context.Context, v store.ComplianceViewer) error {
	t, ok := s.tenants.Get(v.Tenant)
	if !ok {
		return fmt.Errorf("tenant %s no longer exists", v.Tenant)
	}
	token, err := s.members.AccessTokenWithScope(ctx, t, v.Viewer, linkedin.ScopeCompliance)
	if err != nil {
		return err
	}
	auths, err := s.li.ComplianceAuthorizations(ctx, token)
	if err != nil {
		return err
	}
	return s.recordCheck(ctx, v.Tenant, v.Viewer, auths)
}

// Run archives until ctx ends: every opted-in viewer is synced each
// SyncInterval and their authorization re-checked each StatusInterval (a
// revoked viewer is re-checked too, so opting in again at LinkedIn is
// noticed). Opting in wakes it at once. Failures are recorded per viewer
// and logged; the loop goes on. It returns nil when ctx is cancelled,
// after freeing the viewer leases it holds so another instance archives
// them at once.
func (s *Service) Run(ctx context.Context) error {
	defer func() {
		// Bounded: a database that does not answer must not hold up the
		// shutdown; the leases then simply expire.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
		defer cancel()
		if err := s.leases.ReleaseAll(rctx); err != nil {
			s.cfg.Logger.Warn("release compliance leases", "err", err.Error())
		}
	}()
	for {
		next := s.tracedPass(ctx)
		wait := max(min(next.Sub(s.cfg.Now()), s.cfg.SyncInterval), 10*time.Millisecond)
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil
		case <-s.wake:
			timer.Stop()
		case <-timer.C:
		}
	}
}

// pass does every due check and sync once and returns when the next is due.
// It archives only the viewers whose lease this instance holds, taking
// free or expired ones and renewing its own on every pass; the others are
// another instance's until their lease expires.
func (s *Service) pass(ctx context.Context) time.Time {
	vs, err := s.db.ComplianceViewers(ctx, "")
	if err != nil {
		s.logFailure(ctx, "list compliance viewers", "", "", err)
		return s.cfg.Now().Add(s.cfg.SyncInterval)
	}
	next := s.cfg.Now().Add(s.cfg.SyncInterval)
	soonest := func(at time.Time) {
		if at.Before(next) {
			next = at
		}
	}
	for _, v := range vs {
		if ctx.Err() != nil || v.Status == store.ComplianceOptedOut {
			continue
		}
		v, held, err := s.claim(ctx, v)
		if err != nil {
			s.logFailure(ctx, "claim compliance viewer", v.Tenant, v.Viewer, err)
			continue
		}
		if !held || v.Status == store.ComplianceOptedOut {
			continue // another instance archives this viewer
		}
		if checkAt := v.LastCheckAt.Add(s.cfg.StatusInterval); !checkAt.After(s.cfg.Now()) {
			if err := s.checkAuthorization(ctx, v); err != nil {
				s.logFailure(ctx, "check compliance authorization", v.Tenant, v.Viewer, err)
				if perr := s.db.RecordComplianceCheck(ctx, v.Tenant, v.Viewer, s.cfg.Now(), "authorization check failed: "+words(err)); perr != nil {
					s.logFailure(ctx, "record compliance check", v.Tenant, v.Viewer, perr)
				}
			}
			if cur, err := s.db.ComplianceViewerOf(ctx, v.Tenant, v.Viewer); err == nil {
				v = cur
			}
		}
		soonest(v.LastCheckAt.Add(s.cfg.StatusInterval))
		if v.Status != store.ComplianceOptedIn {
			continue
		}
		syncAt := v.LastAttemptAt.Add(s.cfg.SyncInterval)
		if !syncAt.After(s.cfg.Now()) {
			if _, err := s.Sync(ctx, v.Tenant, v.Viewer); err != nil {
				s.logFailure(ctx, "archive compliance events", v.Tenant, v.Viewer, err)
			}
			syncAt = s.cfg.Now().Add(s.cfg.SyncInterval)
		}
		soonest(syncAt)
	}
	return next
}

// claim takes or renews the lease on v's archive and, when held, returns
// v as stored now: the list it came from may predate another instance's
// last run.
func (s *Service) claim(ctx context.Context, v store.ComplianceViewer) (store.ComplianceViewer, bool, error) {
	held, err := s.leases.Acquire(ctx, "compliance:"+v.Tenant+":"+v.Viewer, s.cfg.Now())
	if err != nil || !held {
		return v, false, err
	}
	cur, err := s.db.ComplianceViewerOf(ctx, v.Tenant, v.Viewer)
	if err != nil {
		return v, false, err
	}
	return cur, true, nil
}

func (s *Service) logFailure(ctx context.Context, what, tenantID, viewer string, err error) {
	if ctx.Err() != nil {
		return
	}
	s.cfg.Logger.WarnContext(ctx, what, "tenant", tenantID, "viewer", viewer, "err", err.Error())
}

// tracedPass runs pass in the span of one pass.
func (s *Service) tracedPass(ctx context.Context) time.Time {
	ctx, span := s.cfg.Tracing.Job(ctx, "compliance", s.woken.Take())
	defer span.End()
	return s.pass(ctx)
}
