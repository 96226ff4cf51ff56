package assoc_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/assoc"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// TestAnswerBodyIsWhatResolveAnswers: the API's body, from the cached
// encodings when every record is fresh and through Resolve otherwise, is
// byte for byte what encoding/json writes for Resolve's answer, with the
// same rate limit, and the same error when there is one. Two resolvers
// with the same history answer the same request, one each way.
func TestAnswerBodyIsWhatResolveAnswers(t *testing.T) {
	tests := []struct {
		scenario string
		budget   int
		ids      []string
		force    bool
		advance  time.Duration
		wantErr  error
	}{
		{scenario: "every record cached", budget: 100, ids: []string{"r2", "r1"}},
		{scenario: "one record not cached", budget: 100, ids: []string{"r1", "r3", "r2"}},
		{scenario: "a record named twice", budget: 100, ids: []string{"r1", "r2", "r1"}},
		{scenario: "a forced refresh", budget: 100, ids: []string{"r1"}, force: true},
		{scenario: "answers past their lifetime", budget: 100, ids: []string{"r1", "r2"}, advance: 7 * time.Hour},
		{scenario: "the budget spent on records not cached", budget: 2, ids: []string{"r3"}, wantErr: assoc.ErrBudgetExhausted},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			ctx := context.Background()
			tn := acme(tt.budget)
			api, spec := newRig(t, assoc.Config{}, nil), newRig(t, assoc.Config{}, nil)
			for _, rg := range []*rig{api, spec} {
				callsFor(t, rg, tn, "r1", "r2")
				rg.clock.Advance(tt.advance)
			}
			body, rl, err := api.resolver.AppendAnswer(ctx, tn, tt.ids, tt.force, []byte("kept:"))
			res, wantErr := spec.resolver.Resolve(ctx, tn, tt.ids, tt.force)
			if !errors.Is(err, tt.wantErr) || !errors.Is(wantErr, tt.wantErr) {
				t.Fatalf("errors %v and %v, want %v", err, wantErr, tt.wantErr)
			}
			want := "kept:"
			if wantErr == nil {
				enc, err := json.Marshal(wire.Associations{Associations: res.Associations})
				if err != nil {
					t.Fatal(err)
				}
				want += string(enc)
			}
			if string(body) != want {
				t.Fatalf("AppendAnswer wrote\n%s\nencoding/json writes for Resolve\n%s", body, want)
			}
			if rl != res.RateLimit {
				t.Fatalf("rate limit %+v, Resolve's %+v", rl, res.RateLimit)
			}
		})
	}
}

// TestCachedListViewAllocatesNothing: the widget's list view, 50 records
// all cached, is answered into the caller's buffer without one
// allocation, however many records it names.
func TestCachedListViewAllocatesNothing(t *testing.T) {
	rg := newRig(t, assoc.Config{}, nil)
	tn := acme(100)
	ids := make([]string, 50)
	for i := range ids {
		ids[i] = fmt.Sprintf("r%d", i)
	}
	callsFor(t, rg, tn, ids...)
	ctx := context.Background()
	buf := make([]byte, 0, 64<<10)
	allocs := testing.AllocsPerRun(20, func() {
		body, _, err := rg.resolver.AppendAnswer(ctx, tn, ids, false, buf[:0])
		if err != nil || len(body) == 0 {
			t.Fatalf("answer %q, %v", body, err)
		}
	})
	if allocs != 0 {
		t.Fatalf("a cached look-up of 50 records allocates %v times, want 0", allocs)
	}
	if n := rg.li.total(); n > 3 {
		t.Fatalf("LinkedIn calls = %d, want the 50 records asked once (in batches)", n)
	}
}

// TestAnswerFromTheCacheMarksItsRecordsUsed: records the API answers from
// the cache become the most recently used, in the order asked, as Resolve
// makes them; a list asked again in the order it was last used keeps that
// order. The next answer stored then evicts the least recently used.
func TestAnswerFromTheCacheMarksItsRecordsUsed(t *testing.T) {
	tests := []struct {
		scenario string
		read     []string // answered from the cache before r4 is stored
		evicted  string
	}{
		{scenario: "nothing read: the oldest goes", read: nil, evicted: "r1"},
		{scenario: "the oldest read: the next oldest goes", read: []string{"r1"}, evicted: "r2"},
		{scenario: "a list read out of order", read: []string{"r3", "r1", "r2"}, evicted: "r3"},
		{scenario: "the newest read in their order", read: []string{"r2", "r3"}, evicted: "r1"},
		{scenario: "a list read twice", read: []string{"r2", "r1", "r2", "r1"}, evicted: "r3"},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			rg := newRig(t, assoc.Config{MaxEntries: 3}, nil)
			tn := acme(100)
			for _, id := range []string{"r1", "r2", "r3"} {
				callsFor(t, rg, tn, id)
			}
			// Read in lists of two, as the API would be asked.
			for i := 0; i < len(tt.read); i += 2 {
				list := tt.read[i:min(i+2, len(tt.read))]
				if _, _, err := rg.resolver.AppendAnswer(context.Background(), tn, list, false, nil); err != nil {
					t.Fatal(err)
				}
			}
			callsFor(t, rg, tn, "r4")
			for _, id := range []string{"r1", "r2", "r3"} {
				want := 0
				if id == tt.evicted {
					want = 1
				}
				// Ask for the kept ones first: asking for the evicted one
				// stores it again and evicts another.
				if want == 0 {
					if n := callsFor(t, rg, tn, id); n != 0 {
						t.Fatalf("%s cost %d LinkedIn calls, want it kept", id, n)
					}
				}
			}
			if n := callsFor(t, rg, tn, tt.evicted); n != 1 {
				t.Fatalf("%s cost %d LinkedIn calls, want it evicted", tt.evicted, n)
			}
		})
	}
}
