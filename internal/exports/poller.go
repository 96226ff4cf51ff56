package exports

import (
	"context"
	"fmt"
	"time"

	"github.com/snapbridge/snapbridge/internal/store"
)

// minWait is the shortest pause between two ticks.
const minWait = 10 * time.Millisecond

// releaseTimeout bounds freeing the leases when the poller stops.
const releaseTimeout = 5 * time.Second

// Run follows every stored job until ctx ends: it polls running jobs when
// they are due (FirstPoll after submission, doubling up to MaxPoll while
// nothing changes), hands the next waiting job of a contract and action to
// LinkedIn when the previous one ended, and retries submissions LinkedIn
// could not take. Everything it needs is in the database, so after a
// restart it resumes where the previous process stopped. It returns nil
// when ctx is cancelled, after freeing the leases it holds so another
// instance follows its jobs at once.
func (s *Service) Run(ctx context.Context) error {
	defer func() {
		// Bounded: a database that does not answer must not hold up the
		// shutdown; the leases then simply expire.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
		defer cancel()
		if err := s.leases.ReleaseAll(rctx); err != nil {
			s.cfg.Logger.Warn("release export leases", "err", err.Error())
		}
	}()
	for {
		next := s.tracedTick(ctx)
		wait := s.cfg.MaxPoll
		if !next.IsZero() {
			wait = min(next.Sub(s.cfg.Now()), s.cfg.MaxPoll)
		}
		// A floor keeps a failing database from turning into a busy loop.
		wait = max(wait, minWait)
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

// tick does every due piece of work once and returns when the next one is
// due (zero when nothing is pending). A running job is polled only by the
// instance holding its lease (export:<id>, validation-export:<id>), which
// renews it at each poll and frees it when the job ends; a job whose lease
// another instance holds is left to it until that lease expires. Failures
// are logged and retried on a later tick.
func (s *Service) tick(ctx context.Context) time.Time {
	elsewhere := map[string]bool{}
	running, err := s.db.AnalyticsExportsWithStatus(ctx, store.JobRunning)
	if err != nil {
		s.logFailure(ctx, "list running analytics exports", 0, err)
	}
	for _, j := range running {
		if ctx.Err() != nil || j.NextPollAt.After(s.cfg.Now()) {
			continue
		}
		name := analyticsLease(j.ID)
		j, held, err := s.claimAnalytics(ctx, j)
		if err != nil {
			s.logFailure(ctx, "claim analytics export", j.ID, err)
			continue
		}
		if !held {
			elsewhere[name] = true
			continue
		}
		if j.Status != store.JobRunning || j.NextPollAt.After(s.cfg.Now()) {
			continue // another instance polled it before its lease expired
		}
		ended, err := s.pollAnalytics(ctx, j)
		if err != nil {
			s.logFailure(ctx, "poll analytics export", j.ID, err)
			continue
		}
		if ended {
			s.release(ctx, name, j.ID)
			if err := s.advance(ctx, j.Tenant, j.Contract, j.Action); err != nil {
				s.logFailure(ctx, "submit next analytics export", j.ID, err)
			}
		}
	}
	// Waiting jobs behind a running one are advanced when it ends; this
	// catches submissions to retry and anything a failed advance left.
	waiting, err := s.db.AnalyticsExportsWithStatus(ctx, store.JobWaiting)
	if err != nil {
		s.logFailure(ctx, "list waiting analytics exports", 0, err)
	}
	for _, j := range waiting {
		if ctx.Err() != nil || j.NextPollAt.After(s.cfg.Now()) {
			continue
		}
		if err := s.advance(ctx, j.Tenant, j.Contract, j.Action); err != nil {
			s.logFailure(ctx, "submit analytics export", j.ID, err)
		}
	}
	validations, err := s.db.ValidationExportsWithStatus(ctx, store.JobRunning)
	if err != nil {
		s.logFailure(ctx, "list running validation exports", 0, err)
	}
	for _, j := range validations {
		if ctx.Err() != nil || j.NextPollAt.After(s.cfg.Now()) {
			continue
		}
		name := validationLease(j.ID)
		held, err := s.leases.Acquire(ctx, name, s.cfg.Now())
		if err != nil {
			s.logFailure(ctx, "claim validation export", j.ID, err)
			continue
		}
		if !held {
			elsewhere[name] = true
			continue
		}
		if j, err = s.db.ValidationExportByID(ctx, j.Tenant, j.ID); err != nil {
			s.logFailure(ctx, "read validation export", j.ID, err)
			continue
		}
		if j.Status != store.JobRunning || j.NextPollAt.After(s.cfg.Now()) {
			continue
		}
		if err := s.pollValidation(ctx, j); err != nil {
			s.logFailure(ctx, "poll validation export", j.ID, err)
			continue
		}
		if cur, err := s.db.ValidationExportByID(ctx, j.Tenant, j.ID); err == nil && cur.Status != store.JobRunning {
			s.release(ctx, name, j.ID)
		}
	}
	return s.nextDue(ctx, elsewhere)
}

// claimAnalytics takes or renews the lease on a running job and, when
// held, returns the job as stored now: the list it came from may predate
// another instance's last poll.
func (s *Service) claimAnalytics(ctx context.Context, j store.AnalyticsExport) (store.AnalyticsExport, bool, error) {
	held, err := s.leases.Acquire(ctx, analyticsLease(j.ID), s.cfg.Now())
	if err != nil || !held {
		return j, false, err
	}
	cur, err := s.db.AnalyticsExportByID(ctx, j.Tenant, j.ID)
	if err != nil {
		return j, false, err
	}
	return cur, true, nil
}

// release frees a lease this instance holds; a failure only delays
// another instance until the lease expires.
func (s *Service) release(ctx context.Context, name string, id int64) {
	if err := s.leases.Release(ctx, name); err != nil {
		s.logFailure(ctx, "release export lease", id, err)
	}
}

// analyticsLease and validationLease name the lease an instance holds
// while it follows a job; submitLease the one it holds while it hands the
// next job of a contract and action to LinkedIn.
func analyticsLease(id int64) string  { return fmt.Sprintf("export:%d", id) }
func validationLease(id int64) string { return fmt.Sprintf("validation-export:%d", id) }
func submitLease(tenantID, contract, action string) string {
	return "export-submit:" + tenantID + ":" + contract + ":" + action
}

// nextDue returns the earliest future poll or retry time of any job; zero
// when none is scheduled. Waiting jobs due now are left out: they wait for
// a running job, whose own poll time wakes the poller. So are jobs due now
// whose lease another instance holds (named in elsewhere): that instance
// polls them, and this one looks again within MaxPoll in case it died.
func (s *Service) nextDue(ctx context.Context, elsewhere map[string]bool) time.Time {
	now := s.cfg.Now()
	var next time.Time
	consider := func(at time.Time, pastCounts bool) {
		if at.IsZero() || (!pastCounts && !at.After(now)) {
			return
		}
		if next.IsZero() || at.Before(next) {
			next = at
		}
	}
	if js, err := s.db.AnalyticsExportsWithStatus(ctx, store.JobRunning); err == nil {
		for _, j := range js {
			consider(j.NextPollAt, !elsewhere[analyticsLease(j.ID)])
		}
	}
	if js, err := s.db.AnalyticsExportsWithStatus(ctx, store.JobWaiting); err == nil {
		for _, j := range js {
			consider(j.NextPollAt, false)
		}
	}
	if js, err := s.db.ValidationExportsWithStatus(ctx, store.JobRunning); err == nil {
		for _, j := range js {
			consider(j.NextPollAt, !elsewhere[validationLease(j.ID)])
		}
	}
	return next
}

func (s *Service) logFailure(ctx context.Context, what string, id int64, err error) {
	if ctx.Err() != nil {
		return
	}
	s.cfg.Logger.WarnContext(ctx, what, "job", id, "err", err.Error())
}

// tracedTick runs tick in the span of one pass.
func (s *Service) tracedTick(ctx context.Context) time.Time {
	ctx, span := s.cfg.Tracing.Job(ctx, "exports", s.woken.Take())
	defer span.End()
	return s.tick(ctx)
}
