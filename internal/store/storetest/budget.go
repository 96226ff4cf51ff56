package storetest

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
)

// reservation is one ReserveLookups call and what it must answer.
type reservation struct {
	tenant, day string
	ids         []string
	limit       int
	wantAllowed []string
	wantUsed    int
}

func testReserveLookups(t *testing.T, open Opener) {
	const day = "2026-03-14"
	tests := []struct {
		scenario string
		steps    []reservation
	}{
		{
			scenario: "new records are counted while under the limit",
			steps: []reservation{
				{"acme", day, []string{"a", "b"}, 3, []string{"a", "b"}, 2},
			},
		},
		{
			scenario: "records beyond the limit are refused, earlier ones still counted",
			steps: []reservation{
				{"acme", day, []string{"a", "b", "c", "d", "e"}, 3, []string{"a", "b", "c"}, 3},
			},
		},
		{
			scenario: "records already counted today cost nothing more",
			steps: []reservation{
				{"acme", day, []string{"a", "b", "c"}, 3, []string{"a", "b", "c"}, 3},
				{"acme", day, []string{"c", "a", "z"}, 3, []string{"c", "a"}, 3},
			},
		},
		{
			scenario: "duplicate ids in one call are counted once",
			steps: []reservation{
				{"acme", day, []string{"a", "a", "b", "a"}, 5, []string{"a", "b"}, 2},
			},
		},
		{
			scenario: "a zero limit allows only what is already counted",
			steps: []reservation{
				{"acme", day, []string{"a"}, 1, []string{"a"}, 1},
				{"acme", day, []string{"a", "b"}, 0, []string{"a"}, 1},
			},
		},
		{
			scenario: "tenants have separate budgets",
			steps: []reservation{
				{"acme", day, []string{"a", "b"}, 2, []string{"a", "b"}, 2},
				{"globex", day, []string{"a", "b"}, 2, []string{"a", "b"}, 2},
			},
		},
		{
			scenario: "a new day starts a fresh budget",
			steps: []reservation{
				{"acme", day, []string{"a", "b"}, 2, []string{"a", "b"}, 2},
				{"acme", "2026-03-15", []string{"a", "b"}, 2, []string{"a", "b"}, 2},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			db := open(t)
			ctx := context.Background()
			for i, step := range tt.steps {
				allowed, used, err := db.ReserveLookups(ctx, step.tenant, step.day, step.ids, step.limit)
				if err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
				if !slices.Equal(allowed, step.wantAllowed) || used != step.wantUsed {
					t.Fatalf("step %d: allowed %v used %d, want %v used %d", i, allowed, used, step.wantAllowed, step.wantUsed)
				}
				got, err := db.LookupsUsed(ctx, step.tenant, step.day)
				if err != nil || got != step.wantUsed {
					t.Fatalf("step %d: LookupsUsed = %d, %v; want %d", i, got, err, step.wantUsed)
				}
			}
		})
	}
}

// A forced refresh is a new LinkedIn call, so it costs one look-up even for
// a record counted earlier that day, and never more than the budget.
func testForcedLookupsCountEveryCall(t *testing.T, open Opener) {
	const day = "2026-03-14"
	type step struct {
		forced      bool
		ids         []string
		limit       int
		wantAllowed []string
		wantUsed    int
	}
	tests := []struct {
		scenario string
		steps    []step
	}{
		{scenario: "a forced refresh of a record counted today counts again", steps: []step{
			{false, []string{"a"}, 5, []string{"a"}, 1},
			{true, []string{"a"}, 5, []string{"a"}, 2},
			{true, []string{"a"}, 5, []string{"a"}, 3},
		}},
		{scenario: "a forced first look-up counts once and makes later unforced ones free", steps: []step{
			{true, []string{"a", "b"}, 5, []string{"a", "b"}, 2},
			{false, []string{"a", "b"}, 5, []string{"a", "b"}, 2},
		}},
		{scenario: "a forced refresh over a spent budget is refused", steps: []step{
			{false, []string{"a", "b"}, 2, []string{"a", "b"}, 2},
			{true, []string{"a"}, 2, nil, 2},
			{false, []string{"a"}, 2, []string{"a"}, 2},
		}},
		{scenario: "forced refreshes stop at the limit within one call", steps: []step{
			{false, []string{"a", "b", "c"}, 4, []string{"a", "b", "c"}, 3},
			{true, []string{"c", "a", "b"}, 4, []string{"c"}, 4},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			db := open(t)
			ctx := context.Background()
			for i, st := range tt.steps {
				reserve := db.ReserveLookups
				if st.forced {
					reserve = db.ReserveForcedLookups
				}
				allowed, used, err := reserve(ctx, "acme", day, st.ids, st.limit)
				if err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
				if !slices.Equal(allowed, st.wantAllowed) || used != st.wantUsed {
					t.Fatalf("step %d: allowed %v used %d, want %v used %d", i, allowed, used, st.wantAllowed, st.wantUsed)
				}
				if got, err := db.LookupsUsed(ctx, "acme", day); err != nil || got != st.wantUsed {
					t.Fatalf("step %d: LookupsUsed = %d, %v; want %d", i, got, err, st.wantUsed)
				}
			}
		})
	}
}

// Forced look-ups of an older day are purged with it, so a new day starts
// from zero.
func testForcedLookupsStartAfreshEachDay(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	for _, forced := range []bool{false, true, true} {
		reserve := db.ReserveLookups
		if forced {
			reserve = db.ReserveForcedLookups
		}
		if _, _, err := reserve(ctx, "acme", "2026-03-14", []string{"a"}, 10); err != nil {
			t.Fatal(err)
		}
	}
	allowed, used, err := db.ReserveForcedLookups(ctx, "acme", "2026-03-15", []string{"a"}, 10)
	if err != nil || used != 1 || !slices.Equal(allowed, []string{"a"}) {
		t.Fatalf("next day: allowed %v used %d (%v), want [a] used 1", allowed, used, err)
	}
	if got, err := db.LookupsUsed(ctx, "acme", "2026-03-14"); err != nil || got != 0 {
		t.Fatalf("old day = %d, %v; want 0 after purge", got, err)
	}
}

func testReserveLookupsPurgesOldDays(t *testing.T, open Opener) {
	tests := []struct {
		scenario string
		tenant   string
	}{
		{"acme's first reservation of a day purges only acme's older days", "acme"},
		{"globex's first reservation of a day purges only globex's older days", "globex"},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			db := open(t)
			ctx := context.Background()
			if _, _, err := db.ReserveLookups(ctx, "globex", "2026-03-14", []string{"a", "b"}, 10); err != nil {
				t.Fatal(err)
			}
			if _, _, err := db.ReserveLookups(ctx, "acme", "2026-03-14", []string{"a", "b"}, 10); err != nil {
				t.Fatal(err)
			}
			if _, _, err := db.ReserveLookups(ctx, tt.tenant, "2026-03-15", []string{"x"}, 10); err != nil {
				t.Fatal(err)
			}
			other := "acme"
			if tt.tenant == "acme" {
				other = "globex"
			}
			got, err := db.LookupsUsed(ctx, tt.tenant, "2026-03-14")
			if err != nil || got != 0 {
				t.Fatalf("%s old day = %d, %v; want 0 after purge", tt.tenant, got, err)
			}
			got, err = db.LookupsUsed(ctx, other, "2026-03-14")
			if err != nil || got != 2 {
				t.Fatalf("%s old day = %d, %v; want 2 (not its purge)", other, got, err)
			}
		})
	}
}

func testReserveLookupsRefusesBadInput(t *testing.T, open Opener) {
	tests := []struct {
		scenario string
		tenant   string
		day      string
		ids      []string
		limit    int
		wantErr  string
	}{
		{"empty tenant", "", "2026-03-14", []string{"a"}, 1, "empty tenant"},
		{"day not a date", "acme", "yesterday", []string{"a"}, 1, `day "yesterday"`},
		{"day not zero-padded", "acme", "2026-3-14", []string{"a"}, 1, `day "2026-3-14"`},
		{"negative limit", "acme", "2026-03-14", []string{"a"}, -1, "limit -1"},
		{"empty record id", "acme", "2026-03-14", []string{"a", ""}, 1, "empty record id"},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			db := open(t)
			_, _, err := db.ReserveLookups(context.Background(), tt.tenant, tt.day, tt.ids, tt.limit)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.wantErr)
			}
			if used, _ := db.LookupsUsed(context.Background(), "acme", "2026-03-14"); used != 0 {
				t.Fatalf("refused call counted %d look-ups", used)
			}
		})
	}
}

func testReserveLookupsConcurrentNeverExceedsLimit(t *testing.T, open Opener) {
	tests := []struct {
		scenario string
		callers  int
		limit    int
	}{
		{"more callers than budget", 30, 10},
		{"budget larger than callers", 8, 20},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			db := open(t)
			ctx := context.Background()
			var wg sync.WaitGroup
			var mu sync.Mutex
			granted := 0
			for i := range tt.callers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					id := "r" + strings.Repeat("x", i)
					allowed, _, err := db.ReserveLookups(ctx, "acme", "2026-03-14", []string{id}, tt.limit)
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					granted += len(allowed)
					mu.Unlock()
				}()
			}
			wg.Wait()
			want := min(tt.callers, tt.limit)
			used, err := db.LookupsUsed(ctx, "acme", "2026-03-14")
			if err != nil || granted != want || used != want {
				t.Fatalf("granted %d, used %d (%v); want %d", granted, used, err, want)
			}
		})
	}
}
