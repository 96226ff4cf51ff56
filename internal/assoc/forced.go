package assoc

import "time"

// forcedRefreshes remembers when each record was last force-refreshed, so
// that one seller looping forceRefresh cannot spend the tenant's LinkedIn
// quota: a record reaches LinkedIn by force at most once per interval.
// It is guarded by Resolver.mu.
type forcedRefreshes struct {
	at map[cacheKey]time.Time
	// sweepAt is the size at which entries past their interval are
	// dropped, so the map stays about as large as the records forced
	// within one interval.
	sweepAt int
}

// minForcedSweep is the smallest size at which forcedRefreshes sweeps.
const minForcedSweep = 1024

// allow reports whether k may be force-refreshed at now and, if so,
// remembers it; otherwise it returns when it may be again.
func (f *forcedRefreshes) allow(k cacheKey, now time.Time, interval time.Duration) (refreshAfter time.Time, ok bool) {
	if last, seen := f.at[k]; seen && now.Before(last.Add(interval)) {
		return last.Add(interval), false
	}
	if len(f.at) >= max(f.sweepAt, minForcedSweep) {
		for key, last := range f.at {
			if !now.Before(last.Add(interval)) {
				delete(f.at, key)
			}
		}
		f.sweepAt = 2 * len(f.at)
	}
	f.at[k] = now
	return time.Time{}, true
}

// forgetForced drops the records of a forced refresh that never reached
// LinkedIn, so that it does not hold back the next one.
func (r *Resolver) forgetForced(tenantID string, ids []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, id := range ids {
		delete(r.forced.at, cacheKey{tenantID, id})
	}
}
