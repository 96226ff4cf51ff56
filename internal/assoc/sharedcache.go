package assoc

import (
	"context"
	"encoding/json"
	"time"

	"github.com/snapbridge/snapbridge/internal/wire"
)

// sharedEntry is a cached answer as instances share it: what LinkedIn
// said (no token, nothing secret) and when.
type sharedEntry struct {
	Answer    wire.Association `json:"a"`
	CachedAt  time.Time        `json:"c"`
	ExpiresAt time.Time        `json:"e"`
}

func sharedKey(k cacheKey) string { return "assoc:" + k.tenant + ":" + k.record }

// fromShared looks for k among the answers other instances stored and,
// when one is there and newer than the local one, keeps it in the local
// cache too (its stale fallback included) and returns it.
func (r *Resolver) fromShared(ctx context.Context, k cacheKey, now time.Time) (entry, bool) {
	if r.cfg.Shared == nil {
		return entry{}, false
	}
	raw, ok, err := r.cfg.Shared.Get(ctx, sharedKey(k))
	if err != nil || !ok {
		return entry{}, false
	}
	var se sharedEntry
	if json.Unmarshal(raw, &se) != nil || !now.Before(se.ExpiresAt.Add(r.cfg.KeepStale)) {
		return entry{}, false
	}
	if cur, ok := r.cache.get(k, now); ok && !cur.cachedAt.Before(se.CachedAt) {
		return cur, true
	}
	return r.cache.put(k, se.Answer, se.CachedAt, se.ExpiresAt.Sub(se.CachedAt)), true
}

// toShared stores an answer for the other instances, kept as long as the
// local cache keeps it (expiry plus KeepStale). A failure only costs the
// others a look-up of their own.
func (r *Resolver) toShared(e entry, now time.Time) {
	if r.cfg.Shared == nil {
		return
	}
	raw, err := json.Marshal(sharedEntry{Answer: e.answer, CachedAt: e.cachedAt, ExpiresAt: e.expiresAt})
	if err != nil {
		return
	}
	_ = r.cfg.Shared.Set(context.Background(), sharedKey(e.key), raw, e.expiresAt.Add(r.cfg.KeepStale).Sub(now))
}

// SharedCountsFor is how long shared hit and miss counts run before they
// start again from zero (Config.Shared).
const SharedCountsFor = 30 * 24 * time.Hour

// SharedCountsEvery is how often an instance adds the hits and misses it
// counted to the shared counters (Config.Shared): a look-up never waits
// on Redis to be counted.
const SharedCountsEvery = time.Second

// count adds a request's hits and misses to the tenant's counts: here at
// once, on the shared counters within SharedCountsEvery.
func (r *Resolver) count(tenantID string, ts *tenantState, hits, misses int) {
	ts.hits.Add(uint64(hits))
	ts.misses.Add(uint64(misses))
	r.metrics.Hit(hits)
	r.metrics.Miss(misses)
	if r.cfg.Shared == nil || hits+misses == 0 {
		return
	}
	ts.unsharedHits.Add(int64(hits))
	ts.unsharedMisses.Add(int64(misses))
	if ts.sharing.CompareAndSwap(false, true) {
		go r.shareCounts(tenantID, ts)
	}
}

// shareCounts adds the tenant's unshared counts to the shared counters at
// once, then every SharedCountsEvery while look-ups keep adding to them,
// and ends after a period without any.
func (r *Resolver) shareCounts(tenantID string, ts *tenantState) {
	for {
		if !r.flushCounts(tenantID, ts) {
			ts.sharing.Store(false)
			// A count added after the flush saw sharing still true and
			// left its numbers here: take them, unless a new sharer has.
			if ts.unsharedHits.Load() == 0 && ts.unsharedMisses.Load() == 0 || !ts.sharing.CompareAndSwap(false, true) {
				return
			}
			continue
		}
		time.Sleep(SharedCountsEvery)
	}
}

// flushCounts adds the tenant's unshared counts to the shared counters
// now, and reports whether there were any. Counts Redis refused are
// dropped: they only inform the health page.
func (r *Resolver) flushCounts(tenantID string, ts *tenantState) bool {
	ts.flushing.Lock()
	defer ts.flushing.Unlock()
	hits, misses := ts.unsharedHits.Swap(0), ts.unsharedMisses.Swap(0)
	ctx := context.Background() // the shared state bounds each call itself
	if hits > 0 {
		_, _ = r.cfg.Shared.Add(ctx, "assoc-hits:"+tenantID, hits, SharedCountsFor)
	}
	if misses > 0 {
		_, _ = r.cfg.Shared.Add(ctx, "assoc-misses:"+tenantID, misses, SharedCountsFor)
	}
	return hits != 0 || misses != 0
}

// sharedCounts reads the tenant's counts across instances.
func (r *Resolver) sharedCounts(tenantID string) (hits, misses uint64, ok bool) {
	if r.cfg.Shared == nil {
		return 0, 0, false
	}
	ctx := context.Background()
	h, err := r.cfg.Shared.Add(ctx, "assoc-hits:"+tenantID, 0, SharedCountsFor)
	if err != nil {
		return 0, 0, false
	}
	m, err := r.cfg.Shared.Add(ctx, "assoc-misses:"+tenantID, 0, SharedCountsFor)
	if err != nil {
		return 0, 0, false
	}
	return uint64(max(h, 0)), uint64(max(m, 0)), true
}
