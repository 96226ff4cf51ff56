// Package assoc resolves CRM records to LinkedIn Profile Associations for
// the widget: it answers from a bounded in-memory cache, collapses
// concurrent look-ups of the same record into one upstream call, batches
// look-ups that arrive together, enforces each tenant's daily budget of
// unique upstream look-ups, and backs off when LinkedIn throttles.
package assoc

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/metrics"
	"github.com/snapbridge/snapbridge/internal/shared"
	"github.com/snapbridge/snapbridge/internal/telemetry"
	"github.com/snapbridge/snapbridge/internal/tenant"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// LinkedIn is the part of the LinkedIn client the resolver calls.
// *linkedin.Client satisfies it.
type LinkedIn interface {
	ProfileAssociation(ctx context.Context, appToken string, key linkedin.AssociationKey) (linkedin.ProfileAssociation, error)
	ProfileAssociations(ctx context.Context, appToken string, keys []linkedin.AssociationKey) (linkedin.BatchAssociations, error)
}

// AppTokens hands out a tenant's client-credentials token for a scope and
// forgets it when LinkedIn has refused it.
type AppTokens interface {
	Get(ctx context.Context, t *tenant.Tenant, scope string) (string, error)
	Invalidate(tenantID, scope string)
}

// Budget counts upstream look-ups per tenant and UTC day: each record once
// a day, and each forced refresh again. Every store.LookupBudget
// satisfies it.
type Budget interface {
	ReserveLookups(ctx context.Context, tenant, day string, recordIDs []string, limit int) (allowed []string, used int, err error)
	ReserveForcedLookups(ctx context.Context, tenant, day string, recordIDs []string, limit int) (allowed []string, used int, err error)
	LookupsUsed(ctx context.Context, tenant, day string) (int, error)
}

// ErrBudgetExhausted is returned by Resolve, with the Result's RateLimit
// filled, when nothing asked for can be answered: every record needs an
// upstream look-up the tenant's daily budget cannot cover and none has a
// cached answer. When only some records are past the budget, Resolve
// answers the others and marks those throttled instead.
var ErrBudgetExhausted = errors.New("daily profile association lookup budget exhausted")

// Defaults used by NewResolver for zero Config fields.
const (
	DefaultMaxBatch        = 20
	DefaultKeepStale       = 7 * 24 * time.Hour
	DefaultMaxEntries      = 100000
	DefaultMaxBytes        = 128 << 20
	DefaultThrottleBackoff = 60 * time.Second
	DefaultCoalesceWindow  = 5 * time.Millisecond
	DefaultLookupTimeout   = 4 * time.Second
	DefaultForceInterval   = time.Minute
	// MaxConcurrentCalls bounds upstream calls in flight per tenant.
	MaxConcurrentCalls = 4
)

// Config tunes a Resolver. Zero (or negative) fields take their defaults.
type Config struct {
	// MaxBatch is the most records asked in one batch call. Default: 20.
	MaxBatch int
	// KeepStale is how long after expiry an answer is kept to be served,
	// marked stale, while LinkedIn throttles or fails. Default: 7 days.
	KeepStale time.Duration
	// MaxEntries bounds how many answers the cache holds across all
	// tenants. Over it (or MaxBytes), answers are evicted from the tenant
	// holding the most, least recently used first: a tenant holding no
	// more than its share (the bound divided by the tenants with cached
	// answers) keeps them however busy the others are. Default: 100000.
	MaxEntries int
	// MaxBytes bounds the cache's size in bytes across all tenants, as
	// estimated from each answer's texts and encoding plus a fixed
	// overhead per answer; eviction as for MaxEntries. Default: 128 MiB.
	MaxBytes int64
	// ThrottleBackoff is how long a tenant stops calling LinkedIn after a
	// 429 without Retry-After; up to half of it again is added as jitter.
	// Default: 60s.
	ThrottleBackoff time.Duration
	// CoalesceWindow is how long a record needing LinkedIn waits for
	// others to join its batch: the batch leaves once no record has joined
	// for a window, after at most four windows, or as soon as it is full.
	// Default: 5ms.
	CoalesceWindow time.Duration
	// LookupTimeout bounds a look-up from the request that starts it to
	// its answer: the wait for a batch and for a free upstream slot, the
	// app token and LinkedIn's answer, retries included. Past it the record
	// answers unavailable (or its kept answer, stale). One call may serve
	// many requests and so does not end when one of them is cancelled.
	// Default: 4s.
	LookupTimeout time.Duration
	// ForceInterval is the shortest time between two forced refreshes of
	// one record of a tenant that reach LinkedIn; a forced refresh inside
	// it answers from the cache, marked forceRefused. Default: 1m.
	ForceInterval time.Duration
	// Logger receives upstream failures (never tokens). Default: discard.
	Logger *slog.Logger
	// Tracing traces each upstream call as a child of the first request
	// that queued it. Default: nil, none.
	Tracing *telemetry.Tracing
	// Shared, when set, shares answers with the other instances: an
	// answer one instance got from LinkedIn is served by every other, and
	// stands in for them (stale) when LinkedIn fails. Default: none, the
	// answers stay in this instance's cache.
	Shared Sharing
	// Metrics counts cache hits, misses, stale answers, evictions,
	// coalesced and forced look-ups. Default: nil, nothing counted.
	Metrics *metrics.Registry
}

// Sharing is what resolvers on several instances share: answers, the
// back-off and the hit and miss counts; shared.State satisfies it.
type Sharing interface {
	shared.Cache
	shared.Counters
}

func (c Config) withDefaults() Config {
	if c.MaxBatch <= 0 {
		c.MaxBatch = DefaultMaxBatch
	}
	if c.KeepStale <= 0 {
		c.KeepStale = DefaultKeepStale
	}
	if c.MaxEntries <= 0 {
		c.MaxEntries = DefaultMaxEntries
	}
	if c.MaxBytes <= 0 {
		c.MaxBytes = DefaultMaxBytes
	}
	if c.ThrottleBackoff <= 0 {
		c.ThrottleBackoff = DefaultThrottleBackoff
	}
	if c.CoalesceWindow <= 0 {
		c.CoalesceWindow = DefaultCoalesceWindow
	}
	if c.LookupTimeout <= 0 {
		c.LookupTimeout = DefaultLookupTimeout
	}
	if c.ForceInterval <= 0 {
		c.ForceInterval = DefaultForceInterval
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return c
}

// Resolver answers which LinkedIn member each CRM record is. It is safe for
// concurrent use; create one per process with NewResolver, because the
// in-flight de-duplication, back-off and budget memo live in it.
type Resolver struct {
	cfg    Config
	li     LinkedIn
	apps   AppTokens
	budget Budget
	now    func() time.Time
	days   days
	cache  *cache

	mu       sync.Mutex
	inflight map[cacheKey]*flight
	tenants  map[string]*tenantState
	forced   forcedRefreshes

	// metrics counts the cache's hits, misses and the like (nil: none).
	metrics *metrics.CacheCounters
}

// tenantState is what the resolver tracks per tenant besides the cache.
type tenantState struct {
	batcher *batcher
	backoff backoff
	usage   usage
	slots   chan struct{} // bounds concurrent upstream calls
	hits    atomic.Uint64
	misses  atomic.Uint64
	// unsharedHits and unsharedMisses are counted here and not yet added
	// to the shared counters; sharing is set while shareCounts runs, and
	// flushing is held while they are being added.
	unsharedHits, unsharedMisses atomic.Int64
	sharing                      atomic.Bool
	flushing                     sync.Mutex
}

// NewResolver returns a Resolver calling li with tokens from apps and
// counting look-ups in budget. now is the clock for cache lifetimes,
// budget days and back-off; nil means time.Now.
func NewResolver(cfg Config, li LinkedIn, apps AppTokens, budget Budget, now func() time.Time) *Resolver {
	if now == nil {
		now = time.Now
	}
	cfg = cfg.withDefaults()
	cm := cfg.Metrics.Cache(metrics.CacheAssociations)
	c := newCache(cfg.MaxEntries, cfg.MaxBytes, cfg.KeepStale)
	c.evicted = cm.Evicted
	return &Resolver{
		metrics:  cm,
		cfg:      cfg,
		li:       li,
		apps:     apps,
		budget:   budget,
		now:      now,
		cache:    c,
		inflight: map[cacheKey]*flight{},
		tenants:  map[string]*tenantState{},
		forced:   forcedRefreshes{at: map[cacheKey]time.Time{}},
	}
}

// Result is the answer to Resolve.
type Result struct {
	// Associations answer the requested records in request order, each
	// record once.
	Associations []wire.Association
	// RateLimit is the tenant's daily look-up budget after this request.
	RateLimit RateLimit
	// cached[i].json, when not nil, is Associations[i] as JSON, kept
	// encoded in the cache.
	cached []cachedAnswer
}

// cachedAnswer is what an answer served from the cache keeps besides the
// wire.Association: its JSON and the times the association points to.
type cachedAnswer struct {
	json  []byte
	times [2]time.Time
}

// AppendJSON appends the answer's JSON body, {"associations":[…]}, to b:
// what wire.Associations{Associations: r.Associations}.AppendJSON appends
// for the Associations Resolve returned, but with the answers served from
// the cache copied as they were encoded when cached.
func (r Result) AppendJSON(b []byte) []byte {
	b = append(b, `{"associations":[`...)
	for i, a := range r.Associations {
		if i > 0 {
			b = append(b, ',')
		}
		if i < len(r.cached) && r.cached[i].json != nil {
			b = append(b, r.cached[i].json...)
		} else {
			b = a.AppendJSON(b)
		}
	}
	return append(b, "]}"...)
}

// JSONSize is how many bytes AppendJSON appends, give or take the answers
// not served from the cache; a buffer that large rarely grows.
func (r Result) JSONSize() int {
	n := 20
	for i := range r.Associations {
		if i < len(r.cached) && r.cached[i].json != nil {
			n += len(r.cached[i].json) + 1
		} else {
			n += 256
		}
	}
	return n
}

// Resolve answers each of recordIDs for tenant t: from the cache when a
// fresh answer is there, otherwise from LinkedIn, counting each record once
// per UTC day against t.DailyLookupBudget. With force, each record is asked
// again and counted again, at most once per Config.ForceInterval; a forced
// refresh refused by that interval, the spent budget or LinkedIn's back-off
// answers from the cache, marked ForceRefused. Throttled and failed
// look-ups answer throttled or unavailable, or the last known answer
// marked stale when one is kept. A record the spent budget cannot cover
// answers the same way, throttled until the budget resets at midnight UTC
// (RateLimit.Reset); only when that leaves no record answered does it
// return ErrBudgetExhausted.
func (r *Resolver) Resolve(ctx context.Context, t *tenant.Tenant, recordIDs []string, force bool) (Result, error) {
	if err := checkTenant(t); err != nil {
		return Result{}, err
	}
	ids, err := uniqueRecordIDs(recordIDs)
	if err != nil {
		return Result{}, err
	}
	now := r.now()
	day := r.days.of(now)
	ts := r.state(t.ID)

	out := make([]wire.Association, len(ids))
	var cached []cachedAnswer
	var hits, misses int
	missing := ids
	if !force {
		cached = make([]cachedAnswer, len(ids))
		r.cache.getAll(t.ID, ids, now, func(i int, e *entry) {
			if e.fresh(now) {
				out[i], cached[i].json = e.serve(now, &cached[i].times), e.json
			}
		})
		missing = nil
		for i, id := range ids {
			if cached[i].json != nil {
				hits++
				continue
			}
			if e, ok := r.fromShared(ctx, cacheKey{t.ID, id}, now); ok && e.fresh(now) {
				out[i], cached[i].json = e.serve(now, &cached[i].times), e.json
				hits++
				continue
			}
			missing = append(missing, id)
		}
	}

	var owned, forced []string
	var waits map[string]*flight
	answers := map[string]wire.Association(nil)
	if len(missing) > 0 {
		answers = make(map[string]wire.Association, len(missing))
		owned, forced, waits = r.claim(t.ID, missing, force, now, answers)
		hits += len(missing) - len(waits)
		misses += len(waits)
	}
	// Counted before waiting on LinkedIn, so the health figures show
	// a request while it is still in flight.
	r.count(t.ID, ts, hits, misses)
	r.metrics.Coalesced(len(waits) - len(owned) - len(forced))
	r.cfg.Metrics.ForcedLookups(t.ID, len(forced))
	used := -1
	if len(missing) > 0 {
		used, err = r.start(ctx, t, ts, day, owned, forced)
		if err != nil {
			return r.failed(ctx, t, ts, day, now, used, err)
		}
		spent, err := r.await(ctx, t.ID, waits, force, answers)
		if err != nil {
			return r.failed(ctx, t, ts, day, now, used, err)
		}
		if spent == len(ids) {
			return r.failed(ctx, t, ts, day, now, used, ErrBudgetExhausted)
		}
		for i, id := range ids {
			if a, ok := answers[id]; ok {
				out[i] = a
			}
		}
	}

	rl, err := r.rateLimit(ctx, t, ts, day, now, used)
	if err != nil {
		return Result{}, err
	}
	r.metrics.Stale(countStale(out))
	return Result{Associations: out, RateLimit: rl, cached: cached}, nil
}

// Stats reports, for health pages, how many answers the tenant has cached
// here and how many records were answered from the cache (hits) or needed
// LinkedIn (misses): since the resolver started, or with Config.Shared on
// every instance over the last SharedCountsFor (this instance's counts
// all, another's up to its last SharedCountsEvery).
func (r *Resolver) Stats(tenantID string) (entries int, hits, misses uint64) {
	r.mu.Lock()
	ts := r.tenants[tenantID]
	r.mu.Unlock()
	if ts != nil && r.cfg.Shared != nil {
		r.flushCounts(tenantID, ts)
	}
	if h, m, ok := r.sharedCounts(tenantID); ok {
		return r.cache.countOf(tenantID), h, m
	}
	if ts == nil {
		return r.cache.countOf(tenantID), 0, 0
	}
	return r.cache.countOf(tenantID), ts.hits.Load(), ts.misses.Load()
}

// CacheUsage reports how many answers this instance's cache holds, across
// all tenants, and their estimated size in bytes (Config.MaxEntries and
// Config.MaxBytes bound them).
func (r *Resolver) CacheUsage() (entries int, bytes int64) {
	return r.cache.usage()
}

func (r *Resolver) state(tenantID string) *tenantState {
	r.mu.Lock()
	defer r.mu.Unlock()
	ts := r.tenants[tenantID]
	if ts == nil {
		ts = &tenantState{slots: make(chan struct{}, MaxConcurrentCalls)}
		ts.batcher = newBatcher(r.cfg.MaxBatch, r.cfg.CoalesceWindow, func(t *tenant.Tenant, ids []string, from []trace.SpanContext) {
			r.call(t, ts, ids, from)
		})
		r.tenants[tenantID] = ts
	}
	return ts
}

// start begins the upstream look-ups of the records this request owns,
// owned ones as usual and forced ones counted again: unless the tenant is
// backing off, it reserves them in the budget and queues those the budget
// covers for the batcher; the others are answered throttled at once (the
// ones it covers are already counted, so they are still looked up). It
// returns the budget used today (-1 when it did not ask). Whatever
// happens, every owned flight is completed.
func (r *Resolver) start(ctx context.Context, t *tenant.Tenant, ts *tenantState, day string, owned, forced []string) (int, error) {
	if until, ok := r.backingOff(ctx, t.ID, ts); ok {
		// Stop hammering: LinkedIn said to wait, so no call and no budget.
		r.forgetForced(t.ID, forced)
		for _, id := range owned {
			r.finishRefused(t.ID, id, until, false)
		}
		for _, id := range forced {
			r.finishRefused(t.ID, id, until, false)
		}
		return -1, nil
	}
	used := -1
	if len(owned) > 0 {
		n, err := r.reserve(ctx, t, ts, day, owned, false)
		if err != nil {
			r.forgetForced(t.ID, forced)
			r.finishAll(t.ID, forced, err)
			return -1, err
		}
		used = n
	}
	if len(forced) > 0 {
		return r.reserve(ctx, t, ts, day, forced, true)
	}
	return used, nil
}

// reserve counts ids in the budget (as forced refreshes when forced),
// queues those it covers and answers the others throttled.
func (r *Resolver) reserve(ctx context.Context, t *tenant.Tenant, ts *tenantState, day string, ids []string, forced bool) (int, error) {
	reserve := r.budget.ReserveLookups
	if forced {
		reserve = r.budget.ReserveForcedLookups
	}
	allowed, used, err := reserve(ctx, t.ID, day, ids, lookupBudget(t))
	if err != nil {
		err = fmt.Errorf("resolve associations for tenant %s: %w", t.ID, err)
		if forced {
			r.forgetForced(t.ID, ids)
		}
		r.finishAll(t.ID, ids, err)
		return -1, err
	}
	ts.usage.observe(day, used)
	covered := make(map[string]bool, len(allowed))
	for _, id := range allowed {
		covered[id] = true
	}
	reset := resetAt(r.now())
	for _, id := range ids {
		if !covered[id] {
			if forced {
				r.forgetForced(t.ID, []string{id})
			}
			r.finishRefused(t.ID, id, reset, true)
		}
	}
	if len(allowed) > 0 {
		ts.batcher.add(ctx, t, allowed)
	}
	return used, nil
}

// await waits for the flights and puts their answers, or the answer kept
// for a failed one, into answers; for a forced request, a kept answer
// standing in for a look-up that never reached LinkedIn says so. It
// returns how many records are left answered only "throttled" because the
// daily budget is spent.
func (r *Resolver) await(ctx context.Context, tenantID string, waits map[string]*flight, force bool, answers map[string]wire.Association) (spent int, err error) {
	for id, f := range waits {
		select {
		case <-f.done:
		case <-ctx.Done():
			return 0, fmt.Errorf("resolve associations: %w", ctx.Err())
		}
		if f.err != nil {
			return 0, f.err
		}
		a := f.answer
		if a.Status == wire.StatusThrottled || a.Status == wire.StatusUnavailable {
			now := r.now()
			if e, ok := r.cache.get(cacheKey{tenantID, id}, now); ok {
				// The kept answer stands in, still saying why it is not new.
				reason, retryAt := a.Reason, a.RetryAt
				a = e.served(now)
				a.Reason, a.RetryAt = reason, retryAt
				if force && !f.refusedUntil.IsZero() {
					a.ForceRefused, a.RefreshAfter = true, &f.refusedUntil
				}
			} else if f.spent {
				spent++
			}
		}
		answers[id] = cloneAnswer(a)
	}
	return spent, nil
}

// failed returns err with the rate limit still filled, as the API reports
// it on errors too.
func (r *Resolver) failed(ctx context.Context, t *tenant.Tenant, ts *tenantState, day string, now time.Time, used int, err error) (Result, error) {
	rl, rlErr := r.rateLimit(ctx, t, ts, day, now, used)
	return Result{RateLimit: rl}, errors.Join(err, rlErr)
}

func (r *Resolver) rateLimit(ctx context.Context, t *tenant.Tenant, ts *tenantState, day string, now time.Time, used int) (RateLimit, error) {
	if used < 0 {
		var ok bool
		if used, ok = ts.usage.get(day); !ok {
			n, err := r.budget.LookupsUsed(ctx, t.ID, day)
			if err != nil {
				return newRateLimit(lookupBudget(t), 0, now), fmt.Errorf("resolve associations for tenant %s: %w", t.ID, err)
			}
			used = ts.usage.observe(day, n)
		}
	}
	return newRateLimit(lookupBudget(t), used, now), nil
}

func checkTenant(t *tenant.Tenant) error {
	switch {
	case t == nil:
		return errors.New("resolve associations: no tenant")
	case t.ID == "":
		return errors.New("resolve associations: tenant has no id")
	case t.CRM.Partner == "" || t.CRM.InstanceID == "":
		return fmt.Errorf("resolve associations: tenant %s has no crm.partner or crm.instanceId", t.ID)
	}
	return nil
}

// uniqueRecordIDs drops repeated ids, keeping the first occurrence's
// place. A list without repeats (the usual one) is returned as it is.
func uniqueRecordIDs(recordIDs []string) ([]string, error) {
	for i, id := range recordIDs {
		if id == "" {
			return nil, fmt.Errorf("resolve associations: record id %d is empty", i)
		}
	}
	if !repeats(recordIDs) {
		return recordIDs, nil
	}
	seen := make(map[string]bool, len(recordIDs))
	ids := make([]string, 0, len(recordIDs))
	for _, id := range recordIDs {
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// repeats reports whether an id occurs more than once. Up to 64 ids (a
// request names at most 50) it hashes them into a table on the stack.
func repeats(ids []string) bool {
	if len(ids) <= 64 {
		var slots [128]int8 // 1 + the index of the id hashed there; 0: free
		for i, id := range ids {
			for j := maphash.String(repeatsSeed, id) & 127; ; j = (j + 1) & 127 {
				if slots[j] == 0 {
					slots[j] = int8(i + 1)
					break
				}
				if ids[slots[j]-1] == id {
					return true
				}
			}
		}
		return false
	}
	seen := make(map[string]struct{}, len(ids))
	for _, id := range ids {
		if _, ok := seen[id]; ok {
			return true
		}
		seen[id] = struct{}{}
	}
	return false
}

var repeatsSeed = maphash.MakeSeed()

func lookupBudget(t *tenant.Tenant) int {
	if t.DailyLookupBudget == 0 {
		return tenant.DefaultDailyLookupBudget
	}
	return t.DailyLookupBudget
}

// dayLayout names a budget day, the UTC calendar day.
const dayLayout = "2006-01-02"

// days names the budget day of a time, formatting the name once a day.
type days struct {
	cur atomic.Pointer[dayName]
}

// dayName is one UTC day's name and its bounds in Unix seconds.
type dayName struct {
	from, until int64
	name        string
}

func (d *days) of(now time.Time) string {
	s := now.Unix()
	if n := d.cur.Load(); n != nil && s >= n.from && s < n.until {
		return n.name
	}
	y, m, dd := now.UTC().Date()
	from := time.Date(y, m, dd, 0, 0, 0, 0, time.UTC)
	n := &dayName{from: from.Unix(), until: from.AddDate(0, 0, 1).Unix(), name: from.Format(dayLayout)}
	d.cur.Store(n)
	return n.name
}

// countStale counts the answers marked stale.
func countStale(as []wire.Association) int {
	n := 0
	for _, a := range as {
		if a.Stale {
			n++
		}
	}
	return n
}
