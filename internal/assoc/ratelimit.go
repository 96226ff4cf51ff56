package assoc

import (
	"sync"
	"time"
)

// RateLimit is a tenant's daily budget of unique upstream look-ups, as the
// API reports it in X-RateLimit-* headers.
type RateLimit struct {
	// Limit is the tenant's DailyLookupBudget.
	Limit int
	// Used is how many records were looked up upstream today (UTC).
	Used int
	// Remaining is Limit-Used, never below zero.
	Remaining int
	// Reset is the next midnight UTC, when the budget starts again.
	Reset time.Time
}

func newRateLimit(limit, used int, now time.Time) RateLimit {
	return RateLimit{
		Limit:     limit,
		Used:      used,
		Remaining: max(limit-used, 0),
		Reset:     resetAt(now),
	}
}

// resetAt is the next midnight UTC after now, when budgets start again.
func resetAt(now time.Time) time.Time {
	y, m, d := now.UTC().Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC)
}

// usage remembers a tenant's budget used today, so answers served wholly
// from the cache need not ask the store. It is exact while this resolver is
// the only one reserving the tenant's look-ups, which is how cmd/server
// wires it; a day's count only grows, so the largest seen is kept.
type usage struct {
	mu   sync.Mutex
	day  string
	used int
}

// observe records that the day's count is at least used and returns the
// count now remembered.
func (u *usage) observe(day string, used int) int {
	u.mu.Lock()
	defer u.mu.Unlock()
	switch {
	case day < u.day: // a request from before midnight, answered after it
		return used
	case day > u.day:
		u.day, u.used = day, used
	case used > u.used:
		u.used = used
	}
	return u.used
}

// get returns the remembered count for day, if any.
func (u *usage) get(day string) (int, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.used, u.day == day
}
