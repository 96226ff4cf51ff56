package assoc_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/assoc"
	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/tenant"
	"github.com/snapbridge/snapbridge/internal/wire"
)

func resolveOne(t *testing.T, rg *rig, tn *tenant.Tenant, id string, force bool) wire.Association {
	t.Helper()
	res, err := rg.resolver.Resolve(context.Background(), tn, []string{id}, force)
	if err != nil {
		t.Fatalf("resolve %s: %v", id, err)
	}
	if len(res.Associations) != 1 || res.Associations[0].RecordID != id {
		t.Fatalf("resolve %s answered %+v", id, res.Associations)
	}
	return res.Associations[0]
}

func TestResolveStatuses(t *testing.T) {
	noPhoto := linkedin.ProfileAssociation{Member: "urn:li:person:r1", Profile: "https://www.linkedin.com/sales/people/r1"}
	tests := []struct {
		scenario   string
		answer     func() (linkedin.ProfileAssociation, error)
		wantStatus string
		wantPhoto  bool
		wantTTL    time.Duration // 0: not cached, the next request asks again
	}{
		{"match with a public photo", func() (linkedin.ProfileAssociation, error) { return match("r1"), nil },
			wire.StatusMatched, true, 6 * time.Hour},
		{"match without a public photo", func() (linkedin.ProfileAssociation, error) { return noPhoto, nil },
			wire.StatusMatched, false, 6 * time.Hour},
		{"404 is no match", func() (linkedin.ProfileAssociation, error) { return linkedin.ProfileAssociation{}, failure(404, 0) },
			wire.StatusNoMatch, false, 15 * time.Minute},
		{"400/40001 is CRM sync disabled", func() (linkedin.ProfileAssociation, error) {
			return linkedin.ProfileAssociation{}, failure(400, linkedin.CodeCRMSyncDisabled)
		}, wire.StatusCRMSyncDisabled, false, 15 * time.Minute},
		{"400/40002 is CRM sync disabled", func() (linkedin.ProfileAssociation, error) {
			return linkedin.ProfileAssociation{}, failure(400, linkedin.CodeCRMSyncUnknown)
		}, wire.StatusCRMSyncDisabled, false, 15 * time.Minute},
		{"429 is throttled", func() (linkedin.ProfileAssociation, error) { return linkedin.ProfileAssociation{}, failure(429, 0) },
			wire.StatusThrottled, false, 0},
		{"500 is unavailable", func() (linkedin.ProfileAssociation, error) { return linkedin.ProfileAssociation{}, failure(500, 0) },
			wire.StatusUnavailable, false, 0},
		{"403 is unavailable", func() (linkedin.ProfileAssociation, error) { return linkedin.ProfileAssociation{}, failure(403, 0) },
			wire.StatusUnavailable, false, 0},
		{"transport failure is unavailable", func() (linkedin.ProfileAssociation, error) {
			return linkedin.ProfileAssociation{}, &linkedin.Error{Err: errors.New("connection refused")}
		}, wire.StatusUnavailable, false, 0},
		{"400 without CRM sync code is unavailable", func() (linkedin.ProfileAssociation, error) {
			return linkedin.ProfileAssociation{}, failure(400, 0)
		}, wire.StatusUnavailable, false, 0},
	}
	for _, tt := range tests {
		for _, batched := range []bool{false, true} {
			name := tt.scenario + "/single"
			ids := []string{"r1"}
			if batched {
				name = tt.scenario + "/batch"
				ids = []string{"r1", "r2"}
			}
			t.Run(name, func(t *testing.T) {
				li := &countingLinkedIn{record: func(k linkedin.AssociationKey) (linkedin.ProfileAssociation, error) {
					if k.RecordID == "r1" {
						return tt.answer()
					}
					return match(k.RecordID), nil
				}}
				rg := newRig(t, assoc.Config{ThrottleBackoff: time.Minute}, li)
				tn := acme(100)
				res, err := rg.resolver.Resolve(context.Background(), tn, ids, false)
				if err != nil {
					t.Fatal(err)
				}
				got := res.Associations[0]
				if got.RecordID != "r1" || got.Status != tt.wantStatus || got.Cached || got.Stale {
					t.Fatalf("first answer %+v, want fresh %s", got, tt.wantStatus)
				}
				if (got.ProfilePhoto != "") != tt.wantPhoto {
					t.Fatalf("photo %q, want photo %v", got.ProfilePhoto, tt.wantPhoto)
				}
				if got.Status == wire.StatusMatched && (got.Member != "urn:li:person:r1" || got.Profile == "") {
					t.Fatalf("match without member or profile: %+v", got)
				}
				if tt.wantTTL == 0 {
					if got.ExpiresAt != nil {
						t.Fatalf("uncacheable answer says it expires at %v", got.ExpiresAt)
					}
					rg.clock.Advance(2 * time.Minute) // past any back-off
					resolveOne(t, rg, tn, "r1", false)
					if n := rg.li.total(); n != 2 {
						t.Fatalf("LinkedIn calls = %d, want 2: a failure must not be cached", n)
					}
					return
				}
				if got.ExpiresAt == nil || !got.ExpiresAt.Equal(start.Add(tt.wantTTL)) {
					t.Fatalf("expiresAt %v, want %v", got.ExpiresAt, start.Add(tt.wantTTL))
				}
				rg.clock.Advance(tt.wantTTL - time.Second)
				again := resolveOne(t, rg, tn, "r1", false)
				if !again.Cached || again.Stale || again.Status != tt.wantStatus ||
					!again.CachedAt.Equal(start) || !again.ExpiresAt.Equal(start.Add(tt.wantTTL)) {
					t.Fatalf("answer within lifetime %+v, want cached since %v", again, start)
				}
				if n := rg.li.total(); n != 1 {
					t.Fatalf("LinkedIn calls = %d, want 1", n)
				}
				rg.clock.Advance(2 * time.Second)
				if expired := resolveOne(t, rg, tn, "r1", false); expired.Cached || rg.li.total() != 2 {
					t.Fatalf("after expiry answer %+v with %d calls, want a fresh look-up", expired, rg.li.total())
				}
			})
		}
	}
}

func TestResolveCacheAndForce(t *testing.T) {
	tests := []struct {
		scenario   string
		force      bool
		wantCached bool
		wantCalls  int
	}{
		{"a fresh answer is served from the cache", false, true, 1},
		{"force asks LinkedIn again", true, false, 2},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			rg := newRig(t, assoc.Config{}, nil)
			tn := acme(100)
			resolveOne(t, rg, tn, "r1", false)
			rg.clock.Advance(time.Minute)
			got := resolveOne(t, rg, tn, "r1", tt.force)
			if got.Cached != tt.wantCached || rg.li.total() != tt.wantCalls {
				t.Fatalf("cached %v after %d calls, want cached %v after %d", got.Cached, rg.li.total(), tt.wantCached, tt.wantCalls)
			}
			if tt.force && !got.ExpiresAt.Equal(start.Add(time.Minute+6*time.Hour)) {
				t.Fatalf("forced answer expires %v, want the new lifetime", got.ExpiresAt)
			}
			entries, hits, misses := rg.resolver.Stats("acme")
			wantHits := map[bool]uint64{true: 1, false: 0}[tt.wantCached]
			if entries != 1 || hits != wantHits || misses != uint64(tt.wantCalls) {
				t.Fatalf("stats = %d entries, %d hits, %d misses", entries, hits, misses)
			}
		})
	}
}

// One seller looping forceRefresh cannot spend the tenant's quota: a
// record reaches LinkedIn by force at most once a minute (the default
// ForceInterval); inside the minute the cached answer comes back marked
// forceRefused with when to try again.
func TestResolveForcedRefreshReachesLinkedInOncePerMinute(t *testing.T) {
	tests := []struct {
		scenario    string
		after       time.Duration // since the first forced refresh of r1
		record      string
		wantRefused bool
	}{
		{scenario: "r1 again after 59s is refused", after: 59 * time.Second, record: "r1", wantRefused: true},
		{scenario: "r1 again after a minute asks LinkedIn", after: time.Minute, record: "r1"},
		{scenario: "another record within the minute asks LinkedIn", after: time.Second, record: "r2"},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			rg := newRig(t, assoc.Config{}, nil)
			tn := acme(100)
			resolveOne(t, rg, tn, "r1", true)
			rg.clock.Advance(tt.after)
			got := resolveOne(t, rg, tn, tt.record, true)
			wantCalls := map[bool]int{true: 1, false: 2}[tt.wantRefused]
			if got.ForceRefused != tt.wantRefused || got.Cached != tt.wantRefused || rg.li.total() != wantCalls {
				t.Fatalf("answer %+v after %d calls; want refused %v after %d", got, rg.li.total(), tt.wantRefused, wantCalls)
			}
			if tt.wantRefused && (got.RefreshAfter == nil || !got.RefreshAfter.Equal(start.Add(time.Minute))) {
				t.Fatalf("refused until %v, want %v", got.RefreshAfter, start.Add(time.Minute))
			}
		})
	}
}

// A forced refresh inside the minute of a record whose answer has
// expired meanwhile looks it up as usual, along with the records forced
// with it.
func TestResolveForcedRefreshOfAnExpiredAnswerInsideTheMinute(t *testing.T) {
	rg := newRig(t, assoc.Config{}, nil)
	tn := acme(100)
	tn.Cache.Matched = 30 * time.Second
	resolveOne(t, rg, tn, "r1", true)
	rg.clock.Advance(45 * time.Second)
	res, err := rg.resolver.Resolve(context.Background(), tn, []string{"r1", "r2"}, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range res.Associations {
		if a.Status != wire.StatusMatched || a.Cached || a.ForceRefused {
			t.Fatalf("answer %+v, want a fresh match from LinkedIn", a)
		}
	}
	if res.RateLimit.Used != 2 {
		t.Fatalf("%d used, want 2 (r1 counted once today, r2 forced)", res.RateLimit.Used)
	}
}

// A request for a record another request is already looking up waits for
// that look-up and reports the tenant's budget as it stands.
func TestResolveJoiningALookUpReportsTheBudget(t *testing.T) {
	li := &countingLinkedIn{gate: make(chan struct{})}
	rg := newRig(t, assoc.Config{}, li)
	tn := acme(100)
	first := make(chan error, 1)
	go func() {
		_, err := rg.resolver.Resolve(context.Background(), tn, []string{"r1", "r2"}, false)
		first <- err
	}()
	joined := make(chan assoc.Result, 1)
	for rg.li.total() == 0 {
		time.Sleep(time.Millisecond)
	}
	go func() {
		res, err := rg.resolver.Resolve(context.Background(), tn, []string{"r1"}, false)
		if err != nil {
			t.Error(err)
		}
		joined <- res
	}()
	for _, _, misses := rg.resolver.Stats("acme"); misses < 3; _, _, misses = rg.resolver.Stats("acme") {
		time.Sleep(time.Millisecond)
	}
	close(li.gate)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	res := <-joined
	if res.Associations[0].Status != wire.StatusMatched || res.RateLimit.Used != 2 || rg.li.total() != 1 {
		t.Fatalf("joined request got %+v, %+v after %d calls; want the shared match, 2 used, 1 call", res.Associations, res.RateLimit, rg.li.total())
	}
}

// Answers are kept for the tenant's own cache lifetimes: a match for
// cache.matched, "no match" and "CRM sync disabled" for cache.noMatch.
func TestResolveKeepsAnswersForTheTenantsLifetimes(t *testing.T) {
	tests := []struct {
		scenario string
		answer   error // LinkedIn's failure; nil: a match
		want     time.Duration
	}{
		{scenario: "a match for cache.matched", want: 2 * time.Hour},
		{scenario: "no match for cache.noMatch", answer: failure(404, 0), want: time.Minute},
		{scenario: "CRM sync disabled for cache.noMatch", answer: failure(400, linkedin.CodeCRMSyncDisabled), want: time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			li := &countingLinkedIn{record: func(k linkedin.AssociationKey) (linkedin.ProfileAssociation, error) {
				if tt.answer != nil {
					return linkedin.ProfileAssociation{}, tt.answer
				}
				return match(k.RecordID), nil
			}}
			rg := newRig(t, assoc.Config{}, li)
			tn := acme(100)
			tn.Cache = tenant.CachePolicy{Matched: 2 * time.Hour, NoMatch: time.Minute}
			if got := resolveOne(t, rg, tn, "r1", false); got.ExpiresAt == nil || !got.ExpiresAt.Equal(start.Add(tt.want)) {
				t.Fatalf("answer %+v expires %v, want %v", got, got.ExpiresAt, start.Add(tt.want))
			}
		})
	}
}

func TestResolveBatching(t *testing.T) {
	ids := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("rec-%03d", i)
		}
		return out
	}
	tests := []struct {
		scenario    string
		maxBatch    int
		ids         []string
		wantSingles int
		wantBatches []int
	}{
		{"one record is one GET", 20, ids(1), 1, nil},
		{"two records are one batch call", 20, ids(2), 0, []int{2}},
		{"45 records split at 20 are three batch calls", 20, ids(45), 0, []int{5, 20, 20}},
		{"200 records are ten batch calls", 20, ids(200), 0, slices.Repeat([]int{20}, 10)},
		{"duplicates are asked and answered once", 20, []string{"b", "a", "b", "c", "a"}, 0, []int{3}},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			rg := newRig(t, assoc.Config{MaxBatch: tt.maxBatch}, nil)
			res, err := rg.resolver.Resolve(context.Background(), acme(1000), tt.ids, false)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, id := range tt.ids {
				if !slices.Contains(want, id) {
					want = append(want, id)
				}
			}
			var got []string
			for _, a := range res.Associations {
				if a.Status != wire.StatusMatched || a.Member != "urn:li:person:"+a.RecordID {
					t.Fatalf("answer %+v", a)
				}
				got = append(got, a.RecordID)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("answered %v, want %v in request order", got, want)
			}
			singles, _ := rg.li.calls()
			rg.li.mu.Lock()
			batches := slices.Sorted(slices.Values(rg.li.batches))
			maxInFlight := rg.li.maxInFlight
			rg.li.mu.Unlock()
			if singles != tt.wantSingles || !slices.Equal(batches, tt.wantBatches) {
				t.Fatalf("%d singles and batches %v, want %d and %v", singles, batches, tt.wantSingles, tt.wantBatches)
			}
			if maxInFlight > assoc.MaxConcurrentCalls {
				t.Fatalf("%d calls in flight at once, want at most %d", maxInFlight, assoc.MaxConcurrentCalls)
			}
			if res.RateLimit.Used != len(want) {
				t.Fatalf("budget used %d, want %d", res.RateLimit.Used, len(want))
			}
		})
	}
}

// TestResolveCoalescesConcurrentRequests releases all requests at once from
// a barrier. Identical records are collapsed by the in-flight table; different
// records share batches through the batcher's collection window. The window
// is widened to 50ms here only so that a loaded CI machine, serialising the
// requests' budget reservations in SQLite, still delivers them in one window.
func TestResolveCoalescesConcurrentRequests(t *testing.T) {
	tests := []struct {
		scenario  string
		requests  int
		recordFor func(i int) string
		maxCalls  int
	}{
		{"50 requests for the same record make one call", 50, func(int) string { return "same" }, 1},
		{"40 requests for 40 records make at most two batch calls", 40, func(i int) string { return fmt.Sprintf("r%d", i) }, 2},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			rg := newRig(t, assoc.Config{MaxBatch: 20, CoalesceWindow: 50 * time.Millisecond}, nil)
			tn := acme(1000)
			barrier := make(chan struct{})
			var wg sync.WaitGroup
			errs := make(chan error, tt.requests)
			for i := range tt.requests {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-barrier
					id := tt.recordFor(i)
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					defer cancel()
					res, err := rg.resolver.Resolve(ctx, tn, []string{id}, false)
					if err == nil && (len(res.Associations) != 1 || res.Associations[0].Member != "urn:li:person:"+id) {
						err = fmt.Errorf("request %d answered %+v", i, res.Associations)
					}
					if err != nil {
						errs <- err
					}
				}()
			}
			close(barrier)
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			if n := rg.li.total(); n < 1 || n > tt.maxCalls {
				t.Fatalf("LinkedIn calls = %d, want 1..%d", n, tt.maxCalls)
			}
		})
	}
}

func TestResolveThrottled(t *testing.T) {
	tests := []struct {
		scenario   string
		retryAfter time.Duration
		stillOff   time.Duration // after this the tenant is still backing off
		over       time.Duration // after this it calls again
	}{
		{"Retry-After sets the back-off", 30 * time.Second, 29 * time.Second, 31 * time.Second},
		{"without Retry-After the jittered ThrottleBackoff applies", 0, 59 * time.Second, 91 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			throttle := true
			var mu sync.Mutex
			li := &countingLinkedIn{callErr: func(n int, _ string) error {
				mu.Lock()
				defer mu.Unlock()
				if throttle {
					return &linkedin.Error{Status: 429, Message: "throttled", RetryAfter: tt.retryAfter}
				}
				return nil
			}}
			rg := newRig(t, assoc.Config{ThrottleBackoff: time.Minute}, li)
			tn := acme(100)
			first, err := rg.resolver.Resolve(context.Background(), tn, []string{"r0", "r1"}, false)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range first.Associations {
				if a.Status != wire.StatusThrottled {
					t.Fatalf("answer %+v, want throttled", a)
				}
			}
			if n := rg.li.total(); n != 1 {
				t.Fatalf("LinkedIn calls = %d, want 1", n)
			}
			mu.Lock()
			throttle = false
			mu.Unlock()

			rg.clock.Advance(tt.stillOff)
			res, err := rg.resolver.Resolve(context.Background(), tn, []string{"r1", "r2", "r3"}, false)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range res.Associations {
				if a.Status != wire.StatusThrottled {
					t.Fatalf("during back-off answer %+v, want throttled", a)
				}
			}
			if n := rg.li.total(); n != 1 {
				t.Fatalf("LinkedIn calls during back-off = %d, want still 1", n)
			}
			if res.RateLimit.Used != 2 {
				t.Fatalf("budget used %d during back-off, want the 2 of the throttled call: no call, no cost", res.RateLimit.Used)
			}

			rg.clock.Advance(tt.over - tt.stillOff)
			if got := resolveOne(t, rg, tn, "r1", false); got.Status != wire.StatusMatched {
				t.Fatalf("after back-off answer %+v, want matched", got)
			}
			if n := rg.li.total(); n != 2 {
				t.Fatalf("LinkedIn calls after back-off = %d, want 2", n)
			}
		})
	}
}

func TestResolveBatchWithOneThrottledRecordBacksOff(t *testing.T) {
	tests := []struct {
		scenario string
		ids      []string
		want     map[string]string
	}{
		{"only the throttled record says so", []string{"ok", "busy"},
			map[string]string{"ok": wire.StatusMatched, "busy": wire.StatusThrottled}},
		{"a record failing otherwise before it does not hide the throttling", []string{"broken", "busy", "ok"},
			map[string]string{"broken": wire.StatusUnavailable, "busy": wire.StatusThrottled, "ok": wire.StatusMatched}},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			li := &countingLinkedIn{record: func(k linkedin.AssociationKey) (linkedin.ProfileAssociation, error) {
				switch k.RecordID {
				case "busy":
					return linkedin.ProfileAssociation{}, failure(429, 0)
				case "broken":
					return linkedin.ProfileAssociation{}, failure(500, 0)
				}
				return match(k.RecordID), nil
			}}
			rg := newRig(t, assoc.Config{}, li)
			res, err := rg.resolver.Resolve(context.Background(), acme(100), tt.ids, false)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range res.Associations {
				if a.Status != tt.want[a.RecordID] {
					t.Fatalf("%s answered %s, want %s", a.RecordID, a.Status, tt.want[a.RecordID])
				}
			}
			if got := resolveOne(t, rg, acme(100), "other", false); got.Status != wire.StatusThrottled || rg.li.total() != 1 {
				t.Fatalf("next record answered %s after %d calls, want throttled without a call", got.Status, rg.li.total())
			}
		})
	}
}

func TestResolveServesStaleWhenLinkedInFails(t *testing.T) {
	tests := []struct {
		scenario   string
		failure    error
		prime      bool          // a match was cached at start
		later      time.Duration // when LinkedIn fails
		force      bool
		wantStatus string
		wantStale  bool
	}{
		{"500 serves the expired match", failure(500, 0), true, 7 * time.Hour, false, wire.StatusMatched, true},
		{"transport failure serves the expired match", &linkedin.Error{Err: errors.New("dial: refused")}, true, 7 * time.Hour, false, wire.StatusMatched, true},
		{"403 serves the expired match", failure(403, 0), true, 7 * time.Hour, false, wire.StatusMatched, true},
		{"429 serves the expired match", failure(429, 0), true, 7 * time.Hour, false, wire.StatusMatched, true},
		{"a forced refresh that fails serves the fresh match, not stale", failure(500, 0), true, time.Hour, true, wire.StatusMatched, false},
		{"past KeepStale nothing is served", failure(500, 0), true, 6*time.Hour + 8*24*time.Hour, false, wire.StatusUnavailable, false},
		{"never cached is unavailable", failure(500, 0), false, 7 * time.Hour, false, wire.StatusUnavailable, false},
		{"never cached and throttled is throttled", failure(429, 0), false, 7 * time.Hour, false, wire.StatusThrottled, false},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			var mu sync.Mutex
			down := false
			li := &countingLinkedIn{callErr: func(int, string) error {
				mu.Lock()
				defer mu.Unlock()
				if down {
					return tt.failure
				}
				return nil
			}}
			rg := newRig(t, assoc.Config{}, li)
			tn := acme(100)
			if tt.prime {
				resolveOne(t, rg, tn, "r1", false)
			}
			mu.Lock()
			down = true
			mu.Unlock()
			rg.clock.Advance(tt.later)
			got := resolveOne(t, rg, tn, "r1", tt.force)
			if got.Status != tt.wantStatus || got.Stale != tt.wantStale {
				t.Fatalf("answer %+v, want %s stale=%v", got, tt.wantStatus, tt.wantStale)
			}
			if tt.wantStatus == wire.StatusMatched {
				if !got.Cached || !got.CachedAt.Equal(start) || !got.ExpiresAt.Equal(start.Add(6*time.Hour)) ||
					got.Member != "urn:li:person:r1" {
					t.Fatalf("kept answer %+v, want the match cached at %v", got, start)
				}
			}
		})
	}
}

// A spent budget must not hide what is cached: a seller still sees every
// record answered before, and only the records that need a new look-up are
// marked throttled. Only a request nothing can answer is refused.
func TestResolveBudget(t *testing.T) {
	const (
		matched   = wire.StatusMatched
		throttled = wire.StatusThrottled
	)
	tests := []struct {
		scenario   string
		limit      int
		before     []string      // resolved first, must succeed
		later      time.Duration // between before and the request
		spend      []string      // resolved after later, must succeed
		ids        []string
		force      bool
		wantErr    bool
		wantStatus map[string]string // and, when cached, served from the cache
		wantStale  []string
		// wantRefused are served from the cache for a refused force,
		// refreshable again when the budget resets.
		wantRefused []string
		wantCalls   int // in total
		wantUsed    int
	}{
		{scenario: "five new records over a budget of three: the three counted are looked up, two wait",
			limit: 3, ids: []string{"a", "b", "c", "d", "e"},
			wantStatus: map[string]string{"a": matched, "b": matched, "c": matched, "d": throttled, "e": throttled},
			wantCalls:  1, wantUsed: 3},
		{scenario: "records already counted today are free", limit: 3, before: []string{"a", "b", "c"},
			later: 6 * time.Hour, ids: []string{"c", "b", "a"},
			wantStatus: map[string]string{"a": matched, "b": matched, "c": matched}, wantCalls: 2, wantUsed: 3},
		{scenario: "a forced refresh of a record counted today counts again", limit: 3, before: []string{"a"},
			ids: []string{"a"}, force: true,
			wantStatus: map[string]string{"a": matched}, wantCalls: 2, wantUsed: 2},
		{scenario: "a forced refresh over a spent budget answers from the cache, refused", limit: 3, before: []string{"a", "b", "c"},
			ids: []string{"a", "b"}, force: true,
			wantStatus: map[string]string{"a": matched, "b": matched}, wantRefused: []string{"a", "b"}, wantCalls: 1, wantUsed: 3},
		{scenario: "cached records need no budget", limit: 3, before: []string{"a", "b", "c"},
			ids:        []string{"a", "b", "c"},
			wantStatus: map[string]string{"a": matched, "b": matched, "c": matched}, wantCalls: 1, wantUsed: 3},
		{scenario: "a cached and a new record over a spent budget: the cached one is served", limit: 3, before: []string{"a", "b", "c"},
			ids:        []string{"a", "z"},
			wantStatus: map[string]string{"a": matched, "z": throttled}, wantCalls: 1, wantUsed: 3},
		{scenario: "yesterday's expired answer stands in while today's budget is spent", limit: 1, before: []string{"a"},
			later: 20 * time.Hour, spend: []string{"b"}, ids: []string{"a", "z"},
			wantStatus: map[string]string{"a": matched, "z": throttled}, wantStale: []string{"a"}, wantCalls: 2, wantUsed: 1},
		{scenario: "only new records over a spent budget are refused", limit: 3, before: []string{"a", "b", "c"},
			ids: []string{"y", "z"}, wantErr: true, wantCalls: 1, wantUsed: 3},
		{scenario: "within budget", limit: 3, ids: []string{"a", "b"},
			wantStatus: map[string]string{"a": matched, "b": matched}, wantCalls: 1, wantUsed: 2},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			rg := newRig(t, assoc.Config{}, nil)
			tn := acme(tt.limit)
			if tt.before != nil {
				if _, err := rg.resolver.Resolve(context.Background(), tn, tt.before, false); err != nil {
					t.Fatal(err)
				}
			}
			rg.clock.Advance(time.Minute + tt.later)
			if tt.spend != nil {
				if _, err := rg.resolver.Resolve(context.Background(), tn, tt.spend, false); err != nil {
					t.Fatal(err)
				}
			}
			res, err := rg.resolver.Resolve(context.Background(), tn, tt.ids, tt.force)
			if tt.wantErr != errors.Is(err, assoc.ErrBudgetExhausted) || (!tt.wantErr && err != nil) {
				t.Fatalf("err = %v, want budget exhausted %v", err, tt.wantErr)
			}
			if n := rg.li.total(); n != tt.wantCalls {
				t.Fatalf("LinkedIn calls = %d, want %d", n, tt.wantCalls)
			}
			y, m, d := rg.clock.Now().Date()
			want := assoc.RateLimit{Limit: tt.limit, Used: tt.wantUsed, Remaining: tt.limit - tt.wantUsed,
				Reset: time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC)}
			if res.RateLimit != want {
				t.Fatalf("rate limit %+v, want %+v", res.RateLimit, want)
			}
			if tt.wantErr {
				return
			}
			if len(res.Associations) != len(tt.ids) {
				t.Fatalf("answered %d records, want %d", len(res.Associations), len(tt.ids))
			}
			for i, a := range res.Associations {
				if a.RecordID != tt.ids[i] || a.Status != tt.wantStatus[a.RecordID] {
					t.Fatalf("answer %d = %s %s, want %s %s", i, a.RecordID, a.Status, tt.ids[i], tt.wantStatus[tt.ids[i]])
				}
				if a.Status == matched && a.Member != "urn:li:person:"+a.RecordID {
					t.Fatalf("%s answered %+v, want its match", a.RecordID, a)
				}
				if stale := slices.Contains(tt.wantStale, a.RecordID); a.Stale != stale {
					t.Fatalf("%s stale = %v, want %v", a.RecordID, a.Stale, stale)
				}
				refused := slices.Contains(tt.wantRefused, a.RecordID)
				if a.ForceRefused != refused || refused && (!a.Cached || a.RefreshAfter == nil || !a.RefreshAfter.Equal(want.Reset)) {
					t.Fatalf("%s answered %+v, want force refused %v until %v", a.RecordID, a, refused, want.Reset)
				}
			}
		})
	}
}

// Requests waiting on a look-up the budget refused are answered throttled
// like its owner, not refused.
func TestResolveBudgetSpentWhileWaiting(t *testing.T) {
	tests := []struct {
		scenario string
		ids      []string
		wantErr  bool
	}{
		{"the waiter also has a cached record", []string{"a", "z"}, false},
		{"the waiter asked only for the refused record", []string{"z"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			rg := newRig(t, assoc.Config{}, nil)
			tn := acme(1)
			resolveOne(t, rg, tn, "a", false)
			var wg sync.WaitGroup
			errs := make([]error, 8)
			answers := make([][]wire.Association, 8)
			for i := range errs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					res, err := rg.resolver.Resolve(context.Background(), tn, tt.ids, false)
					answers[i], errs[i] = res.Associations, err
				}()
			}
			wg.Wait()
			for i, err := range errs {
				if errors.Is(err, assoc.ErrBudgetExhausted) != tt.wantErr || (!tt.wantErr && err != nil) {
					t.Fatalf("request %d: err = %v, want budget exhausted %v", i, err, tt.wantErr)
				}
				if tt.wantErr {
					continue
				}
				if got := answers[i]; len(got) != 2 || got[0].Status != wire.StatusMatched || got[1].Status != wire.StatusThrottled {
					t.Fatalf("request %d answered %+v, want a matched and z throttled", i, got)
				}
			}
		})
	}
}

// The rate limit reported with answers served wholly from the cache
// starts again at midnight UTC too: the first request of the day does not
// carry yesterday's count.
func TestResolveRateLimitOfCachedAnswersResetsAtMidnightUTC(t *testing.T) {
	rg := newRig(t, assoc.Config{}, nil)
	tn := acme(10)
	tn.Cache.Matched = 48 * time.Hour
	if res, err := rg.resolver.Resolve(context.Background(), tn, []string{"a"}, false); err != nil || res.RateLimit.Used != 1 {
		t.Fatalf("first look-up: rate limit %+v, %v; want 1 used", res.RateLimit, err)
	}
	rg.clock.Advance(14*time.Hour + time.Minute) // 00:01 UTC the next day
	res, err := rg.resolver.Resolve(context.Background(), tn, []string{"a"}, false)
	if err != nil || !res.Associations[0].Cached {
		t.Fatalf("next day: %+v, %v; want the cached answer", res.Associations, err)
	}
	if rl := res.RateLimit; rl.Used != 0 || rl.Remaining != 10 || !rl.Reset.Equal(time.Date(2026, 3, 16, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("next day rate limit %+v; want 0 used, 10 remaining, reset at the next midnight", rl)
	}
}

func TestResolveBudgetResetsAtMidnightUTC(t *testing.T) {
	tests := []struct {
		scenario string
		advance  time.Duration
		wantErr  bool
	}{
		{"still the same UTC day", 13 * time.Hour, true},
		{"the next UTC day", 14*time.Hour + time.Minute, false},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			rg := newRig(t, assoc.Config{}, nil)
			tn := acme(1)
			resolveOne(t, rg, tn, "a", false)
			rg.clock.Advance(tt.advance)
			_, err := rg.resolver.Resolve(context.Background(), tn, []string{"b"}, false)
			if errors.Is(err, assoc.ErrBudgetExhausted) != tt.wantErr {
				t.Fatalf("err = %v, want exhausted %v", err, tt.wantErr)
			}
		})
	}
}

func TestResolveRenewsAppTokenOn401(t *testing.T) {
	tests := []struct {
		scenario          string
		rejected          func(token string) bool
		wantStatus        string
		wantCalls         int
		wantInvalidations int
	}{
		{"an expired token is renewed and the call retried", func(tok string) bool { return tok == "app-token-0" },
			wire.StatusMatched, 2, 1},
		{"a second 401 is not retried again", func(string) bool { return true },
			wire.StatusUnavailable, 2, 1},
		{"an accepted token is not renewed", func(string) bool { return false },
			wire.StatusMatched, 1, 0},
	}
	for _, tt := range tests {
		for _, ids := range [][]string{{"r1"}, {"r1", "r2"}} {
			t.Run(fmt.Sprintf("%s/%d records", tt.scenario, len(ids)), func(t *testing.T) {
				li := &countingLinkedIn{callErr: func(_ int, token string) error {
					if tt.rejected(token) {
						return failure(401, 0)
					}
					return nil
				}}
				rg := newRig(t, assoc.Config{}, li)
				res, err := rg.resolver.Resolve(context.Background(), acme(100), ids, false)
				if err != nil {
					t.Fatal(err)
				}
				for _, a := range res.Associations {
					if a.Status != tt.wantStatus {
						t.Fatalf("answer %+v, want %s", a, tt.wantStatus)
					}
				}
				if n := rg.li.total(); n != tt.wantCalls {
					t.Fatalf("LinkedIn calls = %d, want %d", n, tt.wantCalls)
				}
				if rg.apps.invalidations != tt.wantInvalidations {
					t.Fatalf("invalidations = %d, want %d", rg.apps.invalidations, tt.wantInvalidations)
				}
			})
		}
	}
}

func TestResolveSendsTenantKey(t *testing.T) {
	tests := []struct {
		scenario string
		ids      []string
	}{
		{"single", []string{"r1"}},
		{"batch", []string{"r1", "r2"}},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			rg := newRig(t, assoc.Config{}, nil)
			if _, err := rg.resolver.Resolve(context.Background(), acme(100), tt.ids, false); err != nil {
				t.Fatal(err)
			}
			rg.li.mu.Lock()
			defer rg.li.mu.Unlock()
			for i, k := range rg.li.keys {
				want := linkedin.AssociationKey{Partner: "MS", InstanceID: "acme.crm.dynamics.com", RecordID: tt.ids[i]}
				if k != want {
					t.Fatalf("key %+v, want %+v", k, want)
				}
			}
		})
	}
}

// A request for no records answers nothing, spends no budget and is not
// an error (the budget is not "exhausted" by asking for nothing).
func TestResolveOfNoRecordsAnswersNothing(t *testing.T) {
	rg := newRig(t, assoc.Config{}, nil)
	res, err := rg.resolver.Resolve(context.Background(), acme(100), nil, false)
	if err != nil || len(res.Associations) != 0 || res.RateLimit.Remaining != 100 {
		t.Fatalf("Resolve(no records) = %+v, %v; want no answers, the whole budget left, no error", res, err)
	}
	if rg.li.total() != 0 {
		t.Fatal("asking for no records reached LinkedIn")
	}
}

// Operators learn of failed look-ups from one warning per LinkedIn call,
// saying how many of its records failed and never carrying a token; a
// call that answered every record logs nothing.
func TestResolveLogsFailedLookUpsForOperators(t *testing.T) {
	tests := []struct {
		scenario string
		// failing answers 500 for these records.
		failing []string
		want    string // a line's fields; "" means nothing logged
	}{
		{scenario: "every record answered", want: ""},
		{scenario: "one record of the batch failed", failing: []string{"r2"}, want: "records=3 failed=1 status=unavailable"},
		{scenario: "every record failed", failing: []string{"r1", "r2", "r3"}, want: "records=3 failed=3 status=unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			li := &countingLinkedIn{record: func(key linkedin.AssociationKey) (linkedin.ProfileAssociation, error) {
				if slices.Contains(tt.failing, key.RecordID) {
					return linkedin.ProfileAssociation{}, failure(500, 0)
				}
				return match(key.RecordID), nil
			}}
			var log strings.Builder
			rg := newRig(t, assoc.Config{Logger: slog.New(slog.NewTextHandler(&log, nil))}, li)
			if _, err := rg.resolver.Resolve(context.Background(), acme(100), []string{"r1", "r2", "r3"}, false); err != nil {
				t.Fatal(err)
			}
			got := log.String()
			if tt.want == "" {
				if got != "" {
					t.Fatalf("logged %q, want nothing", got)
				}
				return
			}
			if strings.Count(got, "\n") != 1 || !strings.Contains(got, "level=WARN") || !strings.Contains(got, tt.want) {
				t.Fatalf("logged %q, want one warning with %q", got, tt.want)
			}
			if strings.Contains(got, "app-token") {
				t.Fatalf("the log carries the app token: %q", got)
			}
		})
	}
}

func TestResolveRefusesBadInput(t *testing.T) {
	noCRM := acme(10)
	noCRM.CRM = tenant.CRM{}
	tests := []struct {
		scenario string
		tenant   *tenant.Tenant
		ids      []string
		wantErr  string
	}{
		{"no tenant", nil, []string{"a"}, "no tenant"},
		{"tenant without CRM identifiers", noCRM, []string{"a"}, "crm.partner"},
		{"empty record id", acme(10), []string{"a", ""}, "record id 1 is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			rg := newRig(t, assoc.Config{}, nil)
			_, err := rg.resolver.Resolve(context.Background(), tt.tenant, tt.ids, false)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.wantErr)
			}
			if rg.li.total() != 0 {
				t.Fatal("bad input reached LinkedIn")
			}
		})
	}
}

func TestResolveEvictsOldestEntries(t *testing.T) {
	tests := []struct {
		scenario  string
		again     string
		wantCalls int
	}{
		{"the oldest answer is evicted", "r1", 4},
		{"a newer answer stays", "r3", 3},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			rg := newRig(t, assoc.Config{MaxEntries: 2}, nil)
			tn := acme(100)
			for _, id := range []string{"r1", "r2", "r3"} {
				resolveOne(t, rg, tn, id, false)
				rg.clock.Advance(time.Second)
			}
			if entries, _, _ := rg.resolver.Stats("acme"); entries != 2 {
				t.Fatalf("entries = %d, want 2", entries)
			}
			resolveOne(t, rg, tn, tt.again, false)
			if n := rg.li.total(); n != tt.wantCalls {
				t.Fatalf("LinkedIn calls = %d, want %d", n, tt.wantCalls)
			}
		})
	}
}

func TestResolveHonoursCancellation(t *testing.T) {
	tests := []struct {
		scenario string
	}{
		{"a cancelled request returns while LinkedIn is slow, and others still get the answer"},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			li := &countingLinkedIn{gate: make(chan struct{})}
			rg := newRig(t, assoc.Config{}, li)
			tn := acme(100)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() {
				_, err := rg.resolver.Resolve(ctx, tn, []string{"r1"}, false)
				done <- err
			}()
			for rg.li.total() == 0 {
				time.Sleep(time.Millisecond)
			}
			// The call is under way: a second request joins it (or, if it
			// comes late, finds its answer cached) instead of calling again.
			waiter := make(chan wire.Association, 1)
			go func() {
				res, err := rg.resolver.Resolve(context.Background(), tn, []string{"r1"}, false)
				if err != nil {
					t.Error(err)
					close(waiter)
					return
				}
				waiter <- res.Associations[0]
			}()
			cancel()
			select {
			case err := <-done:
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("err = %v, want context.Canceled", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("cancelled request still waiting for LinkedIn")
			}
			close(li.gate)
			if got := <-waiter; got.Status != wire.StatusMatched || rg.li.total() != 1 {
				t.Fatalf("waiter got %+v after %d calls, want one shared match", got, rg.li.total())
			}
		})
	}
}

// A full batch leaves at once, without waiting for the coalescing window
// to close.
func TestResolveSendsAFullBatchAtOnce(t *testing.T) {
	rg := newRig(t, assoc.Config{MaxBatch: 2, CoalesceWindow: time.Hour, LookupTimeout: time.Hour}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := rg.resolver.Resolve(ctx, acme(100), []string{"r1", "r2"}, false)
	if err != nil {
		t.Fatalf("Resolve: %v (the full batch waited for its window)", err)
	}
	for _, a := range res.Associations {
		if a.Status != wire.StatusMatched {
			t.Fatalf("%s answered %+v, want matched", a.RecordID, a)
		}
	}
	rg.li.mu.Lock()
	defer rg.li.mu.Unlock()
	if !slices.Equal(rg.li.batches, []int{2}) {
		t.Fatalf("batch calls %v, want one of 2", rg.li.batches)
	}
}

// A look-up ends by the look-up timeout however it is held up: calls
// LinkedIn does not answer in time, records queued behind them for a free
// upstream slot, and records waiting for their batch to leave all answer
// unavailable, and the held-up ones never reach LinkedIn.
func TestResolveAnswersUnavailableByTheLookupTimeout(t *testing.T) {
	tests := []struct {
		scenario string
		records  int
		// maxBatch and window shape batches (0: defaults); stuck holds
		// every LinkedIn call unanswered.
		maxBatch  int
		window    time.Duration
		stuck     bool
		wantCalls int
	}{
		{scenario: "every upstream slot taken by a call LinkedIn does not answer",
			records: assoc.MaxConcurrentCalls + 2, maxBatch: 1, stuck: true, wantCalls: assoc.MaxConcurrentCalls},
		{scenario: "a record waiting in its batch longer than the timeout",
			records: 1, window: 600 * time.Millisecond, wantCalls: 0},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			li := &countingLinkedIn{}
			if tt.stuck {
				li.gate = make(chan struct{})
				t.Cleanup(func() { close(li.gate) })
			}
			rg := newRig(t, assoc.Config{MaxBatch: tt.maxBatch, CoalesceWindow: tt.window, LookupTimeout: 200 * time.Millisecond}, li)
			ids := make([]string, tt.records)
			for i := range ids {
				ids[i] = fmt.Sprintf("r%d", i)
			}
			res, err := rg.resolver.Resolve(context.Background(), acme(100), ids, false)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range res.Associations {
				if a.Status != wire.StatusUnavailable {
					t.Fatalf("%s answered %+v, want unavailable", a.RecordID, a)
				}
			}
			if n := rg.li.total(); n != tt.wantCalls {
				t.Fatalf("LinkedIn calls = %d, want %d", n, tt.wantCalls)
			}
		})
	}
}

func BenchmarkResolveCached(b *testing.B) {
	rg := newRig(b, assoc.Config{}, nil)
	tn := acme(100)
	ctx := context.Background()
	if _, err := rg.resolver.Resolve(ctx, tn, []string{"r1"}, false); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		res, err := rg.resolver.Resolve(ctx, tn, []string{"r1"}, false)
		if err != nil || !res.Associations[0].Cached {
			b.Fatalf("answer %+v, %v", res.Associations, err)
		}
	}
	if rg.li.total() != 1 {
		b.Fatalf("LinkedIn calls = %d, want 1", rg.li.total())
	}
}

// A seller must be told apart a record the tenant's spent budget kept from
// LinkedIn (back at midnight UTC) and one LinkedIn itself throttled (back
// after its Retry-After): every throttled record, and every kept answer
// standing in for one, says which and when it will be asked again.
func TestResolveSaysWhyEachThrottledRecordWasNotLookedUp(t *testing.T) {
	type want struct {
		status, reason string
		stale          bool
		retryAt        func(now, midnight time.Time) time.Time // nil: no RetryAt
	}
	midnightUTC := func(_, midnight time.Time) time.Time { return midnight }
	afterRetryAfter := func(now, _ time.Time) time.Time { return now.Add(40 * time.Second) }
	tests := []struct {
		scenario string
		limit    int
		before   []string      // resolved first (and cached)
		later    time.Duration // between before and the request
		throttle bool          // LinkedIn answers 429 with Retry-After: 40s
		ids      []string
		want     map[string]want
	}{
		{scenario: "a list over the budget: the rows the budget refused say so, the others are answered",
			limit: 2, ids: []string{"a", "b", "c", "d"},
			want: map[string]want{
				"a": {status: wire.StatusMatched}, "b": {status: wire.StatusMatched},
				"c": {status: wire.StatusThrottled, reason: wire.ReasonBudgetSpent, retryAt: midnightUTC},
				"d": {status: wire.StatusThrottled, reason: wire.ReasonBudgetSpent, retryAt: midnightUTC}}},
		{scenario: "LinkedIn's 429 is LinkedIn's, until its Retry-After",
			limit: 10, throttle: true, ids: []string{"a", "b"},
			want: map[string]want{
				"a": {status: wire.StatusThrottled, reason: wire.ReasonLinkedInBusy, retryAt: afterRetryAfter},
				"b": {status: wire.StatusThrottled, reason: wire.ReasonLinkedInBusy, retryAt: afterRetryAfter}}},
		{scenario: "yesterday's answer kept while the budget is spent says the budget kept it",
			limit: 1, before: []string{"a"}, later: 30 * time.Hour, ids: []string{"b", "a"},
			want: map[string]want{
				"b": {status: wire.StatusMatched},
				"a": {status: wire.StatusMatched, stale: true, reason: wire.ReasonBudgetSpent, retryAt: midnightUTC}}},
		{scenario: "a kept answer while LinkedIn throttles says LinkedIn is busy",
			limit: 10, before: []string{"a"}, later: 30 * time.Hour, throttle: true, ids: []string{"a"},
			want: map[string]want{
				"a": {status: wire.StatusMatched, stale: true, reason: wire.ReasonLinkedInBusy, retryAt: afterRetryAfter}}},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			var throttle atomic.Bool
			li := &countingLinkedIn{callErr: func(int, string) error {
				if throttle.Load() {
					return &linkedin.Error{Status: 429, Message: "throttled", RetryAfter: 40 * time.Second}
				}
				return nil
			}}
			rg := newRig(t, assoc.Config{}, li)
			tn := acme(tt.limit)
			tn.Cache.Matched = 24 * time.Hour
			if tt.before != nil {
				if _, err := rg.resolver.Resolve(context.Background(), tn, tt.before, false); err != nil {
					t.Fatal(err)
				}
			}
			rg.clock.Advance(time.Minute + tt.later)
			throttle.Store(tt.throttle)
			now := rg.clock.Now()
			y, m, d := now.UTC().Date()
			midnight := time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC)
			res, err := rg.resolver.Resolve(context.Background(), tn, tt.ids, false)
			if err != nil {
				t.Fatal(err)
			}
			body := string(res.AppendJSON(nil))
			for i, a := range res.Associations {
				w := tt.want[tt.ids[i]]
				if a.RecordID != tt.ids[i] || a.Status != w.status || a.Stale != w.stale || a.Reason != w.reason {
					t.Fatalf("%s answered %+v, want %+v", tt.ids[i], a, w)
				}
				switch {
				case w.retryAt == nil && a.RetryAt != nil:
					t.Fatalf("%s answered retryAt %v, want none", a.RecordID, a.RetryAt)
				case w.retryAt != nil && (a.RetryAt == nil || !a.RetryAt.Equal(w.retryAt(now, midnight))):
					t.Fatalf("%s answered retryAt %v, want %v", a.RecordID, a.RetryAt, w.retryAt(now, midnight))
				}
				if w.reason != "" && !strings.Contains(body, `"recordId":"`+a.RecordID+`"`) || w.reason != "" && !strings.Contains(body, `"reason":"`+w.reason+`"`) {
					t.Fatalf("the answer's body does not say %s for %s: %s", w.reason, a.RecordID, body)
				}
			}
		})
	}
}
