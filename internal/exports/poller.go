package exports

import (
	"context"
	"time"

	"github.com/snapbridge/snapbridge/internal/store"
)

// minWait is the shortest pause between two ticks.
const minWait = 10 * time.Millisecond

// Run follows every stored job until ctx ends: it polls running jobs when
// they are due (FirstPoll after submission, doubling up to MaxPoll while
// nothing changes), hands the next waiting job of a contract and action to
// LinkedIn when the previous one ended, and retries submissions LinkedIn
// could not take. Everything it needs is in the database, so after a
// restart it resumes where the previous process stopped. It returns nil
// when ctx is cancelled.
func (s *Service) Run(ctx context.Context) error {
	for {
		next := s.tick(ctx)
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
// due (zero when nothing is pending). Failures are logged and retried on
// a later tick.
func (s *Service) tick(ctx context.Context) time.Time {
	running, err := s.db.AnalyticsExportsWithStatus(ctx, store.JobRunning)
	if err != nil {
		s.logFailure(ctx, "list running analytics exports", 0, err)
	}
	for _, j := range running {
		if ctx.Err() != nil || j.NextPollAt.After(s.cfg.Now()) {
			continue
		}
		ended, err := s.pollAnalytics(ctx, j)
		if err != nil {
			s.logFailure(ctx, "poll analytics export", j.ID, err)
			continue
		}
		if ended {
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
		if err := s.pollValidation(ctx, j); err != nil {
			s.logFailure(ctx, "poll validation export", j.ID, err)
		}
	}
	return s.nextDue(ctx)
}

// nextDue returns the earliest future poll or retry time of any job; zero
// when none is scheduled. Waiting jobs due now are left out: they wait for
// a running job, whose own poll time wakes the poller.
func (s *Service) nextDue(ctx context.Context) time.Time {
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
			consider(j.NextPollAt, true)
		}
	}
	if js, err := s.db.AnalyticsExportsWithStatus(ctx, store.JobWaiting); err == nil {
		for _, j := range js {
			consider(j.NextPollAt, false)
		}
	}
	if js, err := s.db.ValidationExportsWithStatus(ctx, store.JobRunning); err == nil {
		for _, j := range js {
			consider(j.NextPollAt, true)
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
