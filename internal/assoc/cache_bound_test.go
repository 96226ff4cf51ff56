package assoc_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/assoc"
	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/tenant"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// tenantNamed is acme under another id (and CRM instance).
func tenantNamed(id string) *tenant.Tenant {
	t := acme(10000)
	t.ID = id
	t.CRM.InstanceID = id + ".crm.dynamics.com"
	return t
}

// callsFor counts the LinkedIn look-ups a resolve of ids costs.
func callsFor(t *testing.T, rg *rig, tn *tenant.Tenant, ids ...string) int {
	t.Helper()
	before := rg.li.total()
	if _, err := rg.resolver.Resolve(context.Background(), tn, ids, false); err != nil {
		t.Fatalf("resolve %v for %s: %v", ids, tn.ID, err)
	}
	return rg.li.total() - before
}

func TestAnswerReadRecentlySurvivesEviction(t *testing.T) {
	tests := []struct {
		scenario  string
		read      string // read again before r3 is stored
		again     string // then asked for once more
		wantCalls int
	}{
		{scenario: "the answer read since is kept", read: "r1", again: "r1", wantCalls: 0},
		{scenario: "the answer not read since is evicted", read: "r1", again: "r2", wantCalls: 1},
		{scenario: "without reads the oldest goes", read: "", again: "r1", wantCalls: 1},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			rg := newRig(t, assoc.Config{MaxEntries: 2}, nil)
			tn := acme(100)
			callsFor(t, rg, tn, "r1")
			callsFor(t, rg, tn, "r2")
			if tt.read != "" {
				if n := callsFor(t, rg, tn, tt.read); n != 0 {
					t.Fatalf("reading %s cost %d LinkedIn calls, want it cached", tt.read, n)
				}
			}
			callsFor(t, rg, tn, "r3")
			if entries, _, _ := rg.resolver.Stats("acme"); entries != 2 {
				t.Fatalf("entries = %d, want 2", entries)
			}
			if n := callsFor(t, rg, tn, tt.again); n != tt.wantCalls {
				t.Fatalf("asking for %s again cost %d LinkedIn calls, want %d", tt.again, n, tt.wantCalls)
			}
		})
	}
}

func TestBusyTenantCannotEvictQuietTenantsAnswers(t *testing.T) {
	ids := func(prefix string, n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("%s-%d", prefix, i)
		}
		return out
	}
	tests := []struct {
		scenario    string
		maxEntries  int
		quiet       int // records the quiet tenant caches first
		quietKeeps  int
		others      []string
		busyRecords int
	}{
		{scenario: "two tenants: a quiet one under half keeps all", maxEntries: 10, quiet: 4, quietKeeps: 4, busyRecords: 60},
		{scenario: "two tenants: a quiet one at half keeps all", maxEntries: 10, quiet: 5, quietKeeps: 5, busyRecords: 60},
		{scenario: "two tenants: a quiet one over half keeps its half", maxEntries: 10, quiet: 8, quietKeeps: 5, busyRecords: 60},
		{scenario: "three tenants: a quiet one at a third keeps all", maxEntries: 12, quiet: 4, quietKeeps: 4, others: []string{"calm"}, busyRecords: 60},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			rg := newRig(t, assoc.Config{MaxEntries: tt.maxEntries}, nil)
			quiet, busy := tenantNamed("quiet"), tenantNamed("busy")
			quietIDs := ids("q", tt.quiet)
			for _, id := range quietIDs {
				callsFor(t, rg, quiet, id)
				rg.clock.Advance(time.Second)
			}
			for _, other := range tt.others {
				for _, id := range ids(other, tt.quietKeeps) {
					callsFor(t, rg, tenantNamed(other), id)
				}
			}
			for _, id := range ids("b", tt.busyRecords) {
				callsFor(t, rg, busy, id)
			}
			total := 0
			for _, id := range append([]string{"quiet", "busy"}, tt.others...) {
				n, _, _ := rg.resolver.Stats(id)
				total += n
			}
			if total > tt.maxEntries {
				t.Fatalf("%d answers cached, bound is %d", total, tt.maxEntries)
			}
			if n, _, _ := rg.resolver.Stats("quiet"); n != tt.quietKeeps {
				t.Fatalf("quiet tenant keeps %d answers, want %d", n, tt.quietKeeps)
			}
			// The quiet tenant's most recently stored answers are the kept ones.
			kept := quietIDs[len(quietIDs)-tt.quietKeeps:]
			if n := callsFor(t, rg, quiet, kept...); n != 0 {
				t.Fatalf("quiet tenant's %v cost %d LinkedIn calls, want them cached", kept, n)
			}
		})
	}
}

func TestCacheBoundInBytesHolds(t *testing.T) {
	long := func(key linkedin.AssociationKey) (linkedin.ProfileAssociation, error) {
		pa := match(key.RecordID)
		pa.ProfilePhoto += "?" + fmt.Sprintf("%01000d", 0) // about 1 KiB per answer
		return pa, nil
	}
	rg := newRig(t, assoc.Config{MaxEntries: 1000, MaxBytes: 20 << 10}, &countingLinkedIn{record: long})
	tn := acme(10000)
	for i := range 100 {
		callsFor(t, rg, tn, fmt.Sprintf("r%d", i))
	}
	entries, bytes := rg.resolver.CacheUsage()
	if bytes > 20<<10 {
		t.Fatalf("cache holds %d bytes, bound is %d", bytes, 20<<10)
	}
	// Each answer is over 2 KiB (1 KiB of photo URL, again in its JSON):
	// the bytes, not the 1000 entries, bound the cache.
	if entries < 5 || entries > 10 {
		t.Fatalf("cache holds %d answers (%d bytes); want the byte bound to keep 5 to 10", entries, bytes)
	}
	if n := callsFor(t, rg, tn, "r99"); n != 0 {
		t.Fatalf("the newest answer cost %d LinkedIn calls, want it cached", n)
	}
}

func TestCachedAnswerIsWrittenAsEncodingJSONWould(t *testing.T) {
	rg := newRig(t, assoc.Config{}, nil)
	tn := acme(100)
	ctx := context.Background()
	callsFor(t, rg, tn, "r1", "r2")
	tests := []struct {
		scenario string
		ids      []string
		force    bool
		advance  time.Duration
		refused  bool // the first answer is a refused forced refresh
	}{
		{scenario: "cached answers", ids: []string{"r2", "r1"}},
		{scenario: "cached and new answers", ids: []string{"r1", "r3", "r2"}},
		{scenario: "a forced refresh", ids: []string{"r1"}, force: true},
		{scenario: "a refused forced refresh", ids: []string{"r1"}, force: true, refused: true},
		{scenario: "fresh again after the lifetime", ids: []string{"r1", "r2", "r3"}, advance: 7 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			rg.clock.Advance(tt.advance)
			res, err := rg.resolver.Resolve(ctx, tn, tt.ids, tt.force)
			if err != nil {
				t.Fatal(err)
			}
			if res.Associations[0].ForceRefused != tt.refused {
				t.Fatalf("forceRefused = %v, want %v", res.Associations[0].ForceRefused, tt.refused)
			}
			want, err := json.Marshal(wire.Associations{Associations: res.Associations})
			if err != nil {
				t.Fatal(err)
			}
			if got := res.AppendJSON(nil); string(got) != string(want) {
				t.Fatalf("AppendJSON wrote\n%s\nencoding/json writes\n%s", got, want)
			}
		})
	}
}
