package server_test

import (
	"testing"

	"github.com/snapbridge/snapbridge/internal/config"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// TestAssociationCacheEntriesSettingBoundsTheCache: with
// associations.cacheEntries at 2, a seller who keeps one record open
// while looking at two others still gets it from the cache; the record
// not looked at since is asked of LinkedIn again. Every answer's headers
// follow the budget as it is used.
func TestAssociationCacheEntriesSettingBoundsTheCache(t *testing.T) {
	p := startWith(t, nil, func(cfg *config.Config) { cfg.Associations.CacheEntries = 2 })
	recs := p.demoRecords("demo", "matched")[:3]
	s := p.newSession("demo", "crm-user-lru", recs...)
	used := 0
	for _, step := range []struct {
		scenario  string
		rec       wire.Record
		wantCalls int
		wantUsed  int
	}{
		{scenario: "first record from LinkedIn", rec: recs[0], wantCalls: 1, wantUsed: 1},
		{scenario: "second record from LinkedIn", rec: recs[1], wantCalls: 1, wantUsed: 2},
		{scenario: "first record again, from the cache", rec: recs[0], wantCalls: 0, wantUsed: 2},
		{scenario: "third record from LinkedIn, evicting the second", rec: recs[2], wantCalls: 1, wantUsed: 3},
		{scenario: "first record still cached", rec: recs[0], wantCalls: 0, wantUsed: 3},
		{scenario: "second record asked again (counted once a day)", rec: recs[1], wantCalls: 1, wantUsed: 3},
	} {
		p.li.ResetStats()
		l := p.lookUp(s.Token, false, step.rec)
		a := l.one(t)
		if n := associationCalls(p.li); n != step.wantCalls {
			t.Fatalf("%s: LinkedIn calls = %d, want %d", step.scenario, n, step.wantCalls)
		}
		if a.Status != wire.StatusMatched || a.Cached != (step.wantCalls == 0) {
			t.Fatalf("%s: answered %+v", step.scenario, a)
		}
		if l.used != step.wantUsed || l.used < used {
			t.Fatalf("%s: X-RateLimit-Used = %d, want %d", step.scenario, l.used, step.wantUsed)
		}
		used = l.used
	}
}
