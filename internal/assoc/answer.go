package assoc

import (
	"context"
	"slices"
	"time"

	"github.com/snapbridge/snapbridge/internal/tenant"
)

// AppendAnswer resolves recordIDs as Resolve does and appends the API's
// answer body, {"associations":[…]} (what Result.AppendJSON appends), to
// b; on an error b comes back as it was. When every record has a fresh
// answer in this instance's cache, which is the widget's usual request,
// the answers' encodings are copied under one lock of the cache and no
// Result is built: a cached look-up of 50 records costs one lock and one
// copy per record. Like Resolve, it keeps neither recordIDs nor b once it
// returns.
func (r *Resolver) AppendAnswer(ctx context.Context, t *tenant.Tenant, recordIDs []string, force bool, b []byte) ([]byte, RateLimit, error) {
	if !force && checkTenant(t) == nil && !hasEmpty(recordIDs) && !repeats(recordIDs) {
		now := r.now()
		if body, ok := r.cache.appendFresh(t.ID, recordIDs, now, b); ok {
			ts := r.state(t.ID)
			r.count(t.ID, ts, len(recordIDs), 0)
			rl, err := r.rateLimit(ctx, t, ts, r.days.of(now), now, -1)
			if err != nil {
				return b, rl, err
			}
			return body, rl, nil
		}
	}
	res, err := r.Resolve(ctx, t, recordIDs, force)
	if err != nil {
		return b, res.RateLimit, err
	}
	return res.AppendJSON(slices.Grow(b, res.JSONSize())), res.RateLimit, nil
}

// hasEmpty reports whether an id is empty (Resolve refuses such a list).
func hasEmpty(ids []string) bool {
	return slices.Contains(ids, "")
}

// appendFresh appends to b, under one lock, the JSON body answering the
// tenant's ids (no id twice) from their cached encodings when every one
// is fresh at now, each becoming its tenant's most recently used in
// order. When one is not, it returns b as it was and false, and leaves
// the recency order alone.
func (c *cache) appendFresh(tenantID string, ids []string, now time.Time, b []byte) ([]byte, bool) {
	var kept [64]*node
	nodes := kept[:0]
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.tenants[tenantID]
	if t == nil {
		return b, false
	}
	// Already the most recently used, in this order (the same list asked
	// again): marking them used would leave the order as it is.
	inOrder := true
	for i, id := range ids {
		n := t.byRecord[id]
		if n == nil || !n.fresh(now) {
			return b, false
		}
		if i > 0 && nodes[i-1].next != n {
			inOrder = false
		}
		nodes = append(nodes, n)
	}
	if len(nodes) > 0 && nodes[len(nodes)-1] != t.lru.prev {
		inOrder = false
	}
	b = append(b, `{"associations":[`...)
	for i, n := range nodes {
		if !inOrder {
			unlink(n)
			t.pushBack(n)
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, n.json...)
	}
	return append(b, "]}"...), true
}
