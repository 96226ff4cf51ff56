package assoc

import (
	"time"

	"github.com/snapbridge/snapbridge/internal/wire"
)

// flight is one upstream look-up of one record under way. Every request
// needing that record while it flies waits for it instead of asking
// LinkedIn again; answer and err are set before done is closed.
type flight struct {
	done   chan struct{}
	answer wire.Association
	err    error
	// spent says the answer is throttled because the tenant's daily
	// budget could not cover this look-up, so LinkedIn was not asked.
	spent bool
	// refusedUntil, when set, says LinkedIn was not asked (budget spent
	// or backing off) and when it may be asked again.
	refusedUntil time.Time
	// forced says the look-up is a forced refresh, counted again.
	forced bool
	// deadline ends the look-up, on the real clock: past it the record
	// answers unavailable.
	deadline time.Time
}

// claim sorts records the cache could not answer: one already being looked
// up is joined, one another request cached meanwhile is answered (unless
// force), and the rest get a new flight this request owns and must start.
// With force, a record force-refreshed within Config.ForceInterval is
// treated as unforced and, when its cached answer is fresh, answered from
// the cache marked ForceRefused. owned and forced are the new flights, the
// latter to be counted as forced refreshes; waits holds every flight the
// request must wait for, owned ones included.
func (r *Resolver) claim(tenantID string, ids []string, force bool, now time.Time, answers map[string]wire.Association) (owned, forced []string, waits map[string]*flight) {
	waits = make(map[string]*flight, len(ids))
	deadline := time.Now().Add(r.cfg.LookupTimeout)
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, id := range ids {
		k := cacheKey{tenantID, id}
		if f := r.inflight[k]; f != nil {
			waits[id] = f
			continue
		}
		forceThis, refreshAfter := force, time.Time{}
		if force {
			refreshAfter, forceThis = r.forced.allow(k, now, r.cfg.ForceInterval)
		}
		// A flight that just landed cached its answer before leaving
		// inflight; looking again under r.mu closes that gap.
		if !forceThis {
			if e, ok := r.cache.get(k, now); ok && e.fresh(now) {
				a := e.served(now)
				if force {
					a.ForceRefused, a.RefreshAfter = true, &refreshAfter
				}
				answers[id] = a
				continue
			}
		}
		f := &flight{done: make(chan struct{}), forced: forceThis, deadline: deadline}
		r.inflight[k] = f
		waits[id] = f
		if forceThis {
			forced = append(forced, id)
		} else {
			owned = append(owned, id)
		}
	}
	return owned, forced, waits
}

// deadline is the earliest deadline of the records' flights: a batch
// serving several requests ends when the first of them must be answered.
func (r *Resolver) deadline(tenantID string, ids []string) time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	var d time.Time
	for _, id := range ids {
		if f := r.inflight[cacheKey{tenantID, id}]; f != nil && (d.IsZero() || f.deadline.Before(d)) {
			d = f.deadline
		}
	}
	if d.IsZero() {
		d = time.Now().Add(r.cfg.LookupTimeout)
	}
	return d
}

// finish completes the record's flight with answer or err. Callers cache
// the answer first, so a request arriving after the flight leaves finds it.
func (r *Resolver) finish(tenantID, id string, answer wire.Association, err error) {
	if f := r.land(tenantID, id); f != nil {
		f.answer, f.err = answer, err
		close(f.done)
	}
}

// finishRefused completes the record's flight as throttled without
// asking LinkedIn, which may be asked again from until: spent says the
// daily budget is spent, otherwise the tenant is backing off. Waiters
// serve what the cache keeps instead.
func (r *Resolver) finishRefused(tenantID, id string, until time.Time, spent bool) {
	if f := r.land(tenantID, id); f != nil {
		reason := wire.ReasonLinkedInBusy
		if spent {
			reason = wire.ReasonBudgetSpent
		}
		f.answer = wire.Association{RecordID: id, Status: wire.StatusThrottled, Reason: reason, RetryAt: &until}
		f.spent, f.refusedUntil = spent, until
		close(f.done)
	}
}

// land takes the record's flight out of inflight for its owner to
// complete; nil when there is none.
func (r *Resolver) land(tenantID, id string) *flight {
	k := cacheKey{tenantID, id}
	r.mu.Lock()
	defer r.mu.Unlock()
	f := r.inflight[k]
	delete(r.inflight, k)
	return f
}

// finishAll completes every listed flight with err.
func (r *Resolver) finishAll(tenantID string, ids []string, err error) {
	for _, id := range ids {
		r.finish(tenantID, id, wire.Association{RecordID: id}, err)
	}
}

// cloneAnswer copies a so callers sharing one flight do not share its
// time pointers.
func cloneAnswer(a wire.Association) wire.Association {
	if a.CachedAt != nil {
		t := *a.CachedAt
		a.CachedAt = &t
	}
	if a.ExpiresAt != nil {
		t := *a.ExpiresAt
		a.ExpiresAt = &t
	}
	if a.RefreshAfter != nil {
		t := *a.RefreshAfter
		a.RefreshAfter = &t
	}
	if a.RetryAt != nil {
		t := *a.RetryAt
		a.RetryAt = &t
	}
	return a
}
