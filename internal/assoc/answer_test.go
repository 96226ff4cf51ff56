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
