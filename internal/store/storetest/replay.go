package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/store"
)

func testRememberJTI(t *testing.T, open Opener) {
	ctx := context.Background()
	// Expiries are offsets from the moment of the call: a time taken when
	// the table is built may have passed by the time a late row runs.
	const later = 10 * time.Minute
	type call struct {
		tenant, jti string
		in          time.Duration // 0: no expiry
	}
	expiry := func(c call) time.Time {
		if c.in == 0 {
			return time.Time{}
		}
		return time.Now().Add(c.in)
	}
	tests := []struct {
		scenario  string
		before    []call
		call      call
		wantFresh bool
		wantErr   bool
	}{
		{scenario: "first use of an id is fresh", call: call{"acme", "j1", later}, wantFresh: true},
		{scenario: "second use of an id is refused",
			before: []call{{"acme", "j1", later}}, call: call{"acme", "j1", later}},
		{scenario: "the same id of another tenant is fresh",
			before: []call{{"globex", "j1", later}}, call: call{"acme", "j1", later}, wantFresh: true},
		{scenario: "an id whose expiry passed may be used again",
			before: []call{{"acme", "j1", -time.Second}}, call: call{"acme", "j1", later}, wantFresh: true},
		{scenario: "an id remembered until a fraction of a second from now is still refused",
			before: []call{{"acme", "j1", 300 * time.Millisecond}}, call: call{"acme", "j1", later}},
		{scenario: "empty jti is an error", call: call{"acme", "", later}, wantErr: true},
		{scenario: "empty tenant is an error", call: call{"", "j1", later}, wantErr: true},
		{scenario: "zero expiry is an error", call: call{"acme", "j1", 0}, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			db := open(t)
			for _, c := range tc.before {
				if _, err := db.RememberJTI(ctx, c.tenant, c.jti, expiry(c)); err != nil {
					t.Fatalf("setup RememberJTI: %v", err)
				}
			}
			fresh, err := db.RememberJTI(ctx, tc.call.tenant, tc.call.jti, expiry(tc.call))
			if (err != nil) != tc.wantErr {
				t.Fatalf("RememberJTI error = %v, want error: %v", err, tc.wantErr)
			}
			if fresh != tc.wantFresh {
				t.Fatalf("RememberJTI fresh = %v, want %v", fresh, tc.wantFresh)
			}
		})
	}
}

func testRememberJTIConcurrentOnlyOneWins(t *testing.T, open Opener) {
	ctx := context.Background()
	db := open(t)
	exp := time.Now().Add(time.Minute)
	const callers = 20
	var wg sync.WaitGroup
	var mu sync.Mutex
	fresh := 0
	start := make(chan struct{})
	for range callers {
		wg.Go(func() {
			<-start
			ok, err := db.RememberJTI(ctx, "acme", "same", exp)
			if err != nil {
				t.Errorf("RememberJTI: %v", err)
			}
			mu.Lock()
			defer mu.Unlock()
			if ok {
				fresh++
			}
		})
	}
	close(start)
	wg.Wait()
	if fresh != 1 {
		t.Fatalf("%d of %d concurrent callers saw the id as fresh, want exactly 1", fresh, callers)
	}
}

// testContextRecords: the records kept with a context id come back to
// every reader of the store while the id lives, to its own tenant only,
// and a refused (replayed) context never replaces them.
func testContextRecords(t *testing.T, open Opener) {
	ctx := context.Background()
	const later = 10 * time.Minute
	type remember struct {
		tenant, jti string
		in          time.Duration
		records     string
		wantFresh   bool
	}
	tests := []struct {
		scenario string
		before   []remember
		tenant   string
		jti      string
		want     string // "": ErrNotFound
	}{
		{scenario: "the records kept with a live id come back",
			before: []remember{{"acme", "j1", later, `{"records":[1]}`, true}},
			tenant: "acme", jti: "j1", want: `{"records":[1]}`},
		{scenario: "another tenant's id of the same name yields nothing",
			before: []remember{{"globex", "j1", later, `{"records":[1]}`, true}},
			tenant: "acme", jti: "j1"},
		{scenario: "a replayed context keeps the first records",
			before: []remember{{"acme", "j1", later, `first`, true}, {"acme", "j1", later, `second`, false}},
			tenant: "acme", jti: "j1", want: `first`},
		{scenario: "an id reused after its expiry holds the new records",
			before: []remember{{"acme", "j1", -time.Second, `old`, true}, {"acme", "j1", later, `new`, true}},
			tenant: "acme", jti: "j1", want: `new`},
		{scenario: "an expired id yields nothing, even before it is purged",
			before: []remember{{"acme", "j1", -time.Second, `old`, true}},
			tenant: "acme", jti: "j1"},
		{scenario: "an id remembered without records yields nothing",
			before: []remember{{"acme", "j1", later, "", true}},
			tenant: "acme", jti: "j1"},
		{scenario: "an unknown id yields nothing", tenant: "acme", jti: "nobody"},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			db := open(t)
			for _, r := range tc.before {
				var records []byte
				if r.records != "" {
					records = []byte(r.records)
				}
				fresh, err := db.RememberContext(ctx, r.tenant, r.jti, time.Now().Add(r.in), records)
				if err != nil || fresh != r.wantFresh {
					t.Fatalf("setup RememberContext(%s, %s) = %v, %v; want %v", r.tenant, r.records, fresh, err, r.wantFresh)
				}
			}
			got, err := db.ContextRecords(ctx, tc.tenant, tc.jti, time.Now())
			if tc.want == "" {
				if !errors.Is(err, store.ErrNotFound) {
					t.Fatalf("ContextRecords = %q, %v; want store.ErrNotFound", got, err)
				}
				return
			}
			if err != nil || string(got) != tc.want {
				t.Fatalf("ContextRecords = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	t.Run("records longer than the bound are refused and nothing is remembered", func(t *testing.T) {
		db := open(t)
		big := make([]byte, store.MaxContextRecordsBytes+1)
		if _, err := db.RememberContext(ctx, "acme", "big", time.Now().Add(later), big); err == nil {
			t.Fatal("RememberContext kept records over the bound")
		}
		if fresh, err := db.RememberJTI(ctx, "acme", "big", time.Now().Add(later)); err != nil || !fresh {
			t.Fatalf("the refused context id was remembered (fresh %v, %v)", fresh, err)
		}
	})
}

// testContextRecordsPurgedWithTheirID: the background purge removes the
// records with their expired id and leaves live ones readable.
func testContextRecordsPurgedWithTheirID(t *testing.T, open Opener) {
	ctx := context.Background()
	db := open(t)
	now := time.Now().Truncate(time.Second)
	if _, err := db.RememberContext(ctx, "acme", "gone", now.Add(-time.Minute), []byte("old")); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RememberContext(ctx, "acme", "kept", now.Add(time.Hour), []byte("live")); err != nil {
		t.Fatal(err)
	}
	if p, err := db.PurgeExpired(ctx, now); err != nil || p.ContextIDs != 1 {
		t.Fatalf("PurgeExpired = %+v, %v; want one context id", p, err)
	}
	if got, err := db.ContextRecords(ctx, "acme", "kept", now); err != nil || string(got) != "live" {
		t.Fatalf("live records after the purge = %q, %v", got, err)
	}
	if fresh, err := db.RememberContext(ctx, "acme", "gone", now.Add(time.Hour), []byte("new")); err != nil || !fresh {
		t.Fatalf("the purged id is not fresh again (%v, %v)", fresh, err)
	}
}

// testRememberContextConcurrentEachIDOnce: many callers at once, some
// with ids of their own and some sharing an id with others, as a busy
// instance sees them (an engine may write them in one transaction): every
// id is fresh for exactly one of its callers, the others are refused, and
// the records kept are the fresh caller's.
func testRememberContextConcurrentEachIDOnce(t *testing.T, open Opener) {
	ctx := context.Background()
	db := open(t)
	exp := time.Now().Add(10 * time.Minute)
	const (
		distinct = 24 // ids remembered by one caller each
		shared   = 8  // ids remembered by several callers each
		copies   = 5  // callers per shared id
	)
	type call struct{ jti, records string }
	var calls []call
	for i := range distinct {
		calls = append(calls, call{fmt.Sprintf("own-%d", i), fmt.Sprintf("own-%d", i)})
	}
	for c := range copies {
		for i := range shared {
			calls = append(calls, call{fmt.Sprintf("shared-%d", i), fmt.Sprintf("shared-%d-caller-%d", i, c)})
		}
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	winners := map[string][]string{} // jti → records of its fresh callers
	refused := map[string]int{}
	start := make(chan struct{})
	for _, c := range calls {
		wg.Go(func() {
			<-start
			fresh, err := db.RememberContext(ctx, "acme", c.jti, exp, []byte(c.records))
			if err != nil {
				t.Errorf("RememberContext(%s): %v", c.jti, err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if fresh {
				winners[c.jti] = append(winners[c.jti], c.records)
			} else {
				refused[c.jti]++
			}
		})
	}
	close(start)
	wg.Wait()
	if t.Failed() {
		return
	}
	for _, c := range calls {
		if n := len(winners[c.jti]); n != 1 {
			t.Errorf("id %s was fresh for %d callers (%v), want exactly 1", c.jti, n, winners[c.jti])
		}
	}
	for i := range shared {
		jti := fmt.Sprintf("shared-%d", i)
		if refused[jti] != copies-1 {
			t.Errorf("id %s was refused %d times, want %d", jti, refused[jti], copies-1)
		}
	}
	for i := range distinct {
		if jti := fmt.Sprintf("own-%d", i); refused[jti] != 0 {
			t.Errorf("id %s used once was refused", jti)
		}
	}
	for jti, w := range winners {
		if len(w) != 1 {
			continue
		}
		got, err := db.ContextRecords(ctx, "acme", jti, time.Now())
		if err != nil || string(got) != w[0] {
			t.Errorf("ContextRecords(%s) = %q, %v; want the fresh caller's %q", jti, got, err, w[0])
		}
	}
}
