package assoc

import (
	"container/list"
	"sync"
	"time"

	"github.com/snapbridge/snapbridge/internal/wire"
)

// cacheKey names one record of one tenant.
type cacheKey struct {
	tenant string
	record string
}

// entry is one remembered LinkedIn answer.
type entry struct {
	key       cacheKey
	answer    wire.Association // RecordID, Status and the match fields only
	cachedAt  time.Time
	expiresAt time.Time
}

// fresh reports whether the answer may still be served as current.
func (e entry) fresh(now time.Time) bool { return now.Before(e.expiresAt) }

// served is the answer as a client sees it: cached, with its real times,
// and stale once expired.
func (e entry) served(now time.Time) wire.Association {
	a := e.answer
	cachedAt, expiresAt := e.cachedAt, e.expiresAt
	a.Cached = true
	a.CachedAt = &cachedAt
	a.ExpiresAt = &expiresAt
	a.Stale = !e.fresh(now)
	return a
}

// cache holds answers per tenant and record, at most max of them across
// all tenants, evicting the oldest stored first. An answer is kept
// keepStale past its expiry so it can stand in while LinkedIn fails.
type cache struct {
	mu        sync.Mutex
	max       int
	keepStale time.Duration
	entries   map[cacheKey]*list.Element // of entry
	order     *list.List                 // front: stored longest ago
	perTenant map[string]int
}

func newCache(max int, keepStale time.Duration) *cache {
	return &cache{
		max:       max,
		keepStale: keepStale,
		entries:   map[cacheKey]*list.Element{},
		order:     list.New(),
		perTenant: map[string]int{},
	}
}

// get returns the entry for k unless there is none or it is past keeping.
func (c *cache) get(k cacheKey, now time.Time) (entry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[k]
	if !ok {
		return entry{}, false
	}
	e := el.Value.(entry)
	if !now.Before(e.expiresAt.Add(c.keepStale)) {
		c.remove(el)
		return entry{}, false
	}
	return e, true
}

// put remembers answer for k from cachedAt for ttl, replacing an older one.
func (c *cache) put(k cacheKey, answer wire.Association, cachedAt time.Time, ttl time.Duration) entry {
	e := entry{key: k, answer: answer, cachedAt: cachedAt, expiresAt: cachedAt.Add(ttl)}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[k]; ok {
		c.remove(el)
	}
	c.entries[k] = c.order.PushBack(e)
	c.perTenant[k.tenant]++
	for c.order.Len() > c.max {
		c.remove(c.order.Front())
	}
	return e
}

// count returns how many answers the tenant has cached, stale ones included.
func (c *cache) count(tenantID string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.perTenant[tenantID]
}

func (c *cache) remove(el *list.Element) {
	k := el.Value.(entry).key
	c.order.Remove(el)
	delete(c.entries, k)
	if c.perTenant[k.tenant]--; c.perTenant[k.tenant] == 0 {
		delete(c.perTenant, k.tenant)
	}
}
