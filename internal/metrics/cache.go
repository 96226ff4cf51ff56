package metrics

// Cache names, the cache label's values.
const (
	CacheAssociations = "associations"
	CacheSAT          = "sat"
	CacheAppTokens    = "app_tokens"
)

// CacheCounters counts one cache's hits, misses, stale answers, evictions
// and coalesced requests. Its methods are safe on a nil *CacheCounters.
type CacheCounters struct {
	m    *Registry
	name string
}

// Cache returns the counters of the named cache (CacheAssociations, …);
// nil when m is nil.
func (m *Registry) Cache(name string) *CacheCounters {
	if m == nil {
		return nil
	}
	return &CacheCounters{m: m, name: name}
}

func (c *CacheCounters) add(event string, n int) {
	if c == nil || n <= 0 {
		return
	}
	c.m.cacheEvents.WithLabelValues(c.name, event).Add(float64(n))
}

// Hit counts n answers served from the cache.
func (c *CacheCounters) Hit(n int) { c.add("hit", n) }

// Miss counts n look-ups the cache could not answer.
func (c *CacheCounters) Miss(n int) { c.add("miss", n) }

// Stale counts n answers served past their lifetime (upstream failing).
func (c *CacheCounters) Stale(n int) { c.add("stale", n) }

// Evicted counts n entries removed to keep the cache within its bounds.
func (c *CacheCounters) Evicted(n int) { c.add("eviction", n) }

// Coalesced counts n requests that waited on another request's upstream
// call rather than making their own.
func (c *CacheCounters) Coalesced(n int) {
	if c == nil || n <= 0 {
		return
	}
	c.m.coalesced.WithLabelValues(c.name).Add(float64(n))
}
