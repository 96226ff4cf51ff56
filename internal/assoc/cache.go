package assoc

import (
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
	// json is the answer as served while fresh (cached, with its times,
	// not stale), encoded once when it was stored. Never modified.
	json []byte
}

func newEntry(k cacheKey, answer wire.Association, cachedAt time.Time, ttl time.Duration) entry {
	e := entry{key: k, answer: answer, cachedAt: cachedAt, expiresAt: cachedAt.Add(ttl)}
	var times [2]time.Time
	fresh := e.serve(cachedAt, &times)
	fresh.Stale = false
	e.json = fresh.AppendJSON(make([]byte, 0, 160+len(answer.RecordID)+len(answer.Member)+len(answer.Profile)+len(answer.ProfilePhoto)))
	return e
}

// fresh reports whether the answer may still be served as current.
func (e entry) fresh(now time.Time) bool { return now.Before(e.expiresAt) }

// served is the answer as a client sees it: cached, with its real times,
// and stale once expired.
func (e entry) served(now time.Time) wire.Association {
	return e.serve(now, new([2]time.Time))
}

// serve is served with the answer's times kept in times, so that a request
// answering many records from the cache allocates them all at once.
func (e entry) serve(now time.Time, times *[2]time.Time) wire.Association {
	a := e.answer
	times[0], times[1] = e.cachedAt, e.expiresAt
	a.Cached = true
	a.CachedAt = &times[0]
	a.ExpiresAt = &times[1]
	a.Stale = !e.fresh(now)
	return a
}

// size is roughly what an entry costs in memory, in bytes: its texts,
// its encoded answer and entryOverhead for the structures that hold it.
func (e entry) size() int64 {
	a := e.answer
	return int64(entryOverhead + len(e.key.tenant) + len(e.key.record) + len(a.RecordID) + len(a.Status) +
		len(a.Member) + len(a.Profile) + len(a.ProfilePhoto) + len(e.json))
}

// entryOverhead is what an entry costs besides its texts: the entry and
// its list node, the index's slot and allocation slack.
const entryOverhead = 320

// node is an entry in its tenant's recency list.
type node struct {
	entry
	size       int64
	owner      *tenantEntries
	prev, next *node
}

// tenantEntries is one tenant's part of the cache: its entries by record
// and from least to most recently used, and what they add up to.
type tenantEntries struct {
	byRecord map[string]*node
	lru      node // sentinel: lru.next is the least recently used entry
	bytes    int64
}

func newTenantEntries() *tenantEntries {
	t := &tenantEntries{byRecord: map[string]*node{}}
	t.lru.next, t.lru.prev = &t.lru, &t.lru
	return t
}

func (t *tenantEntries) count() int { return len(t.byRecord) }

// cache holds answers per tenant and record, bounded by maxEntries
// answers and maxBytes bytes (size) across all tenants. It is fair to
// tenants: over a bound, it evicts from the tenant holding the most
// (entries or bytes, whichever bound is exceeded), least recently used
// first, so a tenant holding no more than its share of a bound (the bound
// divided by the tenants with entries) keeps its answers however busy
// the others are. An answer is kept keepStale past its expiry so it can
// stand in while LinkedIn fails.
type cache struct {
	mu         sync.Mutex
	maxEntries int
	maxBytes   int64
	keepStale  time.Duration
	tenants    map[string]*tenantEntries
	count      int
	bytes      int64
	// evicted, when set, counts entries evict removed.
	evicted func(n int)
}

func newCache(maxEntries int, maxBytes int64, keepStale time.Duration) *cache {
	return &cache{
		maxEntries: maxEntries,
		maxBytes:   maxBytes,
		keepStale:  keepStale,
		tenants:    map[string]*tenantEntries{},
	}
}

// get returns the entry for k unless there is none or it is past keeping;
// a kept entry becomes the tenant's most recently used.
func (c *cache) get(k cacheKey, now time.Time) (entry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.tenants[k.tenant]
	if t == nil {
		return entry{}, false
	}
	n := c.touch(t, k.record, now)
	if n == nil {
		return entry{}, false
	}
	return n.entry, true
}

// getAll looks up each of the tenant's ids under one lock and calls found,
// in order, for those with a kept entry (fresh or stale) with the entry's
// index in ids. found runs under the cache's lock and must not call it.
func (c *cache) getAll(tenantID string, ids []string, now time.Time, found func(i int, e *entry)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.tenants[tenantID]
	if t == nil {
		return
	}
	for i, id := range ids {
		if n := c.touch(t, id, now); n != nil {
			found(i, &n.entry)
		}
	}
}

// touch finds the node of the tenant's record and marks it most recently
// used; one past keeping is dropped. c.mu must be held.
func (c *cache) touch(t *tenantEntries, record string, now time.Time) *node {
	n := t.byRecord[record]
	if n == nil {
		return nil
	}
	if !now.Before(n.expiresAt.Add(c.keepStale)) {
		c.remove(n)
		return nil
	}
	if t.lru.prev != n { // not already the most recently used
		unlink(n)
		t.pushBack(n)
	}
	return n
}

// put remembers answer for k from cachedAt for ttl, replacing an older
// one, and evicts what the bounds require.
func (c *cache) put(k cacheKey, answer wire.Association, cachedAt time.Time, ttl time.Duration) entry {
	e := newEntry(k, answer, cachedAt, ttl)
	n := &node{entry: e, size: e.size()}
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.tenants[k.tenant]
	if t == nil {
		t = newTenantEntries()
		c.tenants[k.tenant] = t
	} else if old := t.byRecord[k.record]; old != nil {
		c.remove(old)
	}
	n.owner = t
	t.pushBack(n)
	t.bytes += n.size
	t.byRecord[k.record] = n
	c.tenants[k.tenant] = t // remove may have dropped a tenant left empty
	c.count++
	c.bytes += n.size
	c.evict()
	return e
}

// evict removes least recently used entries of the tenant holding the
// most until both bounds hold. c.mu must be held.
func (c *cache) evict() {
	for c.count > 0 && (c.count > c.maxEntries || c.bytes > c.maxBytes) {
		byEntries := c.count > c.maxEntries
		var victim *tenantEntries
		for _, t := range c.tenants {
			if victim == nil || (byEntries && t.count() > victim.count()) || (!byEntries && t.bytes > victim.bytes) {
				victim = t
			}
		}
		c.remove(victim.lru.next)
		if c.evicted != nil {
			c.evicted(1)
		}
	}
}

// countOf returns how many answers the tenant has cached, stale ones
// included.
func (c *cache) countOf(tenantID string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t := c.tenants[tenantID]; t != nil {
		return t.count()
	}
	return 0
}

// usage returns how many answers the cache holds and their size in bytes.
func (c *cache) usage() (entries int, bytes int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.count, c.bytes
}

// remove drops n from the cache. c.mu must be held.
func (c *cache) remove(n *node) {
	unlink(n)
	t := n.owner
	delete(t.byRecord, n.key.record)
	t.bytes -= n.size
	c.count--
	c.bytes -= n.size
	if t.count() == 0 {
		delete(c.tenants, n.key.tenant)
	}
}

func (t *tenantEntries) pushBack(n *node) {
	n.prev, n.next = t.lru.prev, &t.lru
	t.lru.prev.next = n
	t.lru.prev = n
}

func unlink(n *node) {
	n.prev.next, n.next.prev = n.next, n.prev
	n.prev, n.next = nil, nil
}
