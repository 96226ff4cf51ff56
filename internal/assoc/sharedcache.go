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
