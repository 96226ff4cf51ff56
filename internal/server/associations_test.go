package server_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/config"
	"github.com/snapbridge/snapbridge/internal/sandbox"
	"github.com/snapbridge/snapbridge/internal/tenant"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// testClock is the resolver's clock in these tests: cache lifetimes,
// budget days and forced-refresh intervals move only when a test says so.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func newTestClock() *testClock {
	// Mid-morning UTC, so that no step crosses a budget day.
	return &testClock{now: time.Date(2030, 3, 14, 10, 0, 0, 0, time.UTC)}
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// startWith starts the stand-in and snapbridge with configure applied.
func startWith(t *testing.T, tune func(*tenant.Tenant), configure ...func(*config.Config)) *product {
	t.Helper()
	addr := freeAddr(t)
	li := startLinkedIn(t, "http://"+addr+"/oauth/linkedin/callback")
	return startProduct(t, li, t.TempDir(), addr, tune, configure...)
}

// withClock makes c the resolver's clock.
func withClock(c *testClock) func(*config.Config) {
	return func(cfg *config.Config) { cfg.Associations.Now = c.Now }
}

// lookup is one answer of GET /api/v1/associations.
type lookup struct {
	status int
	used   int
	remain string
	assoc  []wire.Association
	raw    string
}

// lookUp asks for records; it may run in any goroutine.
func (p *product) lookUp(token string, force bool, records ...wire.Record) lookup {
	q := ""
	for i, r := range records {
		if i > 0 {
			q += ","
		}
		q += url.QueryEscape(r.ID)
	}
	path := "/api/v1/associations?records=" + q
	if force {
		path += "&forceRefresh=true"
	}
	resp, raw := p.do("GET", p.srv.URL+path, token, nil)
	out := lookup{status: resp.StatusCode, remain: resp.Header.Get("X-RateLimit-Remaining"), raw: string(raw)}
	out.used, _ = strconv.Atoi(resp.Header.Get("X-RateLimit-Used"))
	var body wire.Associations
	if json.Unmarshal(raw, &body) == nil {
		out.assoc = body.Associations
	}
	return out
}

// one returns the single answer of l, failing unless there is exactly one.
func (l lookup) one(t *testing.T) wire.Association {
	t.Helper()
	if l.status != http.StatusOK || len(l.assoc) != 1 {
		t.Fatalf("status %d, answer %s; want 200 with one record", l.status, l.raw)
	}
	return l.assoc[0]
}

// associationCalls counts Profile Association calls the stand-in received.
func associationCalls(li *linkedIn) int {
	s := li.Stats()
	return s["profileAssociations.get"] + s["profileAssociations.batch"]
}

// TestSellerLoopingForceRefreshCostsOneLinkedInCall: a seller who keeps
// forcing a refresh of one record gets one LinkedIn call a minute for it,
// each counted against the tenant's daily budget even though the record was
// counted already; the other refreshes answer from the cache and say when a
// refresh will be accepted again. Concurrent forced refreshes share one call.
func TestSellerLoopingForceRefreshCostsOneLinkedInCall(t *testing.T) {
	clock := newTestClock()
	p := startWith(t, nil, withClock(clock))
	looped := p.demoRecords("demo", "matched")[0]
	burst := p.demoRecords("demo", "no_photo")[0]
	s := p.newSession("demo", "crm-user-force", looped, burst)

	first := p.lookUp(s.Token, false, looped)
	if a := first.one(t); a.Status != wire.StatusMatched {
		t.Fatalf("first look-up: %+v", a)
	}
	used := first.used

	t.Run("30 forced refreshes in a loop make one call", func(t *testing.T) {
		p.li.ResetStats()
		var answers []wire.Association
		last := lookup{}
		for range 30 {
			last = p.lookUp(s.Token, true, looped)
			answers = append(answers, last.one(t))
		}
		if n := associationCalls(p.li); n != 1 {
			t.Fatalf("LinkedIn calls = %d, want 1", n)
		}
		if last.used != used+1 {
			t.Fatalf("X-RateLimit-Used = %d after the loop, want %d (the forced call counts)", last.used, used+1)
		}
		used = last.used
		if a := answers[0]; a.Cached || a.ForceRefused || a.Status != wire.StatusMatched {
			t.Fatalf("the first forced refresh answered %+v, want a fresh match", a)
		}
		wantAfter := clock.Now().Add(time.Minute)
		for i, a := range answers[1:] {
			if !a.Cached || !a.ForceRefused || a.Status != wire.StatusMatched || a.RefreshAfter == nil || !a.RefreshAfter.Equal(wantAfter) {
				t.Fatalf("forced refresh %d answered %+v, want the cached match, force refused until %v", i+2, a, wantAfter)
			}
		}
	})

	t.Run("10 concurrent forced refreshes make one call", func(t *testing.T) {
		p.li.ResetStats()
		results := make([]lookup, 10)
		parallel(len(results), func(i int) { results[i] = p.lookUp(s.Token, true, burst) })
		if n := associationCalls(p.li); n != 1 {
			t.Fatalf("LinkedIn calls = %d, want 1", n)
		}
		maxUsed := 0
		for _, r := range results {
			if a := r.one(t); a.Status != wire.StatusMatched {
				t.Fatalf("answered %+v, want a match", a)
			}
			maxUsed = max(maxUsed, r.used)
		}
		if maxUsed != used+1 {
			t.Fatalf("X-RateLimit-Used = %d, want %d", maxUsed, used+1)
		}
		used = maxUsed
	})

	t.Run("after a minute a forced refresh reaches LinkedIn again", func(t *testing.T) {
		clock.Advance(time.Minute)
		p.li.ResetStats()
		got := p.lookUp(s.Token, true, looped)
		if a := got.one(t); a.Cached || a.ForceRefused || a.Status != wire.StatusMatched {
			t.Fatalf("answered %+v, want a fresh match", a)
		}
		if n := associationCalls(p.li); n != 1 || got.used != used+1 {
			t.Fatalf("LinkedIn calls = %d, X-RateLimit-Used = %d; want 1 and %d", n, got.used, used+1)
		}
	})
}

// TestForceRefreshOverASpentBudgetAnswersFromTheCache: once the daily
// budget is spent, a forced refresh does not reach LinkedIn; the cached
// record answers from the cache, refreshable after midnight UTC, and an
// uncached one answers throttled.
func TestForceRefreshOverASpentBudgetAnswersFromTheCache(t *testing.T) {
	clock := newTestClock()
	p := startWith(t, func(tn *tenant.Tenant) { tn.DailyLookupBudget = 1 }, withClock(clock))
	cached := p.demoRecords("demo", "matched")[0]
	uncached := p.demoRecords("demo", "no_match")[0]
	s := p.newSession("demo", "crm-user-force-spent", cached, uncached)
	p.lookUp(s.Token, false, cached).one(t)
	clock.Advance(time.Minute)
	p.li.ResetStats()

	got := p.lookUp(s.Token, true, cached, uncached)
	if got.status != http.StatusOK || len(got.assoc) != 2 {
		t.Fatalf("status %d: %s", got.status, got.raw)
	}
	if n := associationCalls(p.li); n != 0 {
		t.Fatalf("LinkedIn calls = %d, want none over a spent budget", n)
	}
	if got.used != 1 || got.remain != "0" {
		t.Fatalf("X-RateLimit-Used %d Remaining %s, want 1 and 0", got.used, got.remain)
	}
	midnight := time.Date(2030, 3, 15, 0, 0, 0, 0, time.UTC)
	if a := got.assoc[0]; a.Status != wire.StatusMatched || !a.Cached || !a.ForceRefused || a.RefreshAfter == nil || !a.RefreshAfter.Equal(midnight) {
		t.Fatalf("cached record answered %+v, want the cached match, force refused until %v", a, midnight)
	}
	if a := got.assoc[1]; a.Status != wire.StatusThrottled {
		t.Fatalf("uncached record answered %+v, want throttled", a)
	}
}

// TestSlowLinkedInAnswersUnavailableWithinTheLookupTimeout: when LinkedIn
// is slower than the client timeout, the widget hears "unavailable" once
// associations.lookupTimeout has passed, not after every retry has timed
// out in turn.
func TestSlowLinkedInAnswersUnavailableWithinTheLookupTimeout(t *testing.T) {
	const deadline = 300 * time.Millisecond
	p := startWith(t, nil, func(cfg *config.Config) {
		cfg.LinkedIn.Timeout = time.Second // three attempts would take over 3s
		cfg.Associations.LookupTimeout = deadline
	})
	rec := p.demoRecords("demo", "matched")[0]
	s := p.newSession("demo", "crm-user-slow", rec)
	p.li.SetFaults(sandbox.Faults{Latency: 5 * time.Second})

	began := time.Now()
	got := p.lookUp(s.Token, false, rec)
	elapsed := time.Since(began)
	if a := got.one(t); a.Status != wire.StatusUnavailable {
		t.Fatalf("answered %+v, want unavailable", a)
	}
	if elapsed >= 2*deadline {
		t.Fatalf("answered after %s, want within the look-up timeout %s (plus slack)", elapsed, deadline)
	}
}

// TestTenantCacheLifetimesSetAnswerExpiry: a tenant's cache.matched and
// cache.noMatch are how long its matched and no-match answers are served
// before LinkedIn is asked again.
func TestTenantCacheLifetimesSetAnswerExpiry(t *testing.T) {
	clock := newTestClock()
	p := startWith(t, func(tn *tenant.Tenant) {
		tn.Cache = tenant.CachePolicy{Matched: 3 * time.Hour, NoMatch: 2 * time.Minute}
	}, withClock(clock))
	for _, tc := range []struct {
		scenario string
		outcome  string
		status   string
		ttl      time.Duration
	}{
		{"a matched record keeps cache.matched", "matched", wire.StatusMatched, 3 * time.Hour},
		{"a no-match record keeps cache.noMatch", "no_match", wire.StatusNoMatch, 2 * time.Minute},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			rec := p.demoRecords("demo", tc.outcome)[0]
			s := p.with(t).newSession("demo", "crm-user-ttl", rec)
			fresh := p.with(t).lookUp(s.Token, false, rec).one(t)
			if fresh.Status != tc.status || fresh.ExpiresAt == nil || !fresh.ExpiresAt.Equal(clock.Now().Add(tc.ttl)) {
				t.Fatalf("fresh answer %+v, want %s expiring in %s", fresh, tc.status, tc.ttl)
			}
			cached := p.with(t).lookUp(s.Token, false, rec).one(t)
			if !cached.Cached || cached.CachedAt == nil || cached.ExpiresAt == nil || cached.ExpiresAt.Sub(*cached.CachedAt) != tc.ttl {
				t.Fatalf("cached answer %+v, want expiresAt - cachedAt = %s", cached, tc.ttl)
			}
		})
	}
}
