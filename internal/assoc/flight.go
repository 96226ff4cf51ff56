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
}

// claim sorts records the cache could not answer: one already being looked
// up is joined, one another request cached meanwhile is answered (unless
// force), and the rest get a new flight this request owns and must start.
// waits holds every flight the request must wait for, owned ones included.
func (r *Resolver) claim(tenantID string, ids []string, force bool, now time.Time, answers map[string]wire.Association) (owned []string, waits map[string]*flight) {
	waits = make(map[string]*flight, len(ids))
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, id := range ids {
		k := cacheKey{tenantID, id}
		if f := r.inflight[k]; f != nil {
			waits[id] = f
			continue
		}
		// A flight that just landed cached its answer before leaving
		// inflight; looking again under r.mu closes that gap.
		if !force {
			if e, ok := r.cache.get(k, now); ok && e.fresh(now) {
				answers[id] = e.served(now)
				continue
			}
		}
		f := &flight{done: make(chan struct{})}
		r.inflight[k] = f
		waits[id] = f
		owned = append(owned, id)
	}
	return owned, waits
}

// finish completes the record's flight with answer or err. Callers cache
// the answer first, so a request arriving after the flight leaves finds it.
func (r *Resolver) finish(tenantID, id string, answer wire.Association, err error) {
	if f := r.land(tenantID, id); f != nil {
		f.answer, f.err = answer, err
		close(f.done)
	}
}

// finishSpent completes the record's flight as throttled because the
// daily budget is spent; waiters serve what the cache keeps instead.
func (r *Resolver) finishSpent(tenantID, id string) {
	if f := r.land(tenantID, id); f != nil {
		f.answer, f.spent = wire.Association{RecordID: id, Status: wire.StatusThrottled}, true
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
	return a
}
