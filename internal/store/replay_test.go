package store

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func openReplayDB(t *testing.T, path string) *DB {
	t.Helper()
	db, err := Open(path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestRememberJTI(t *testing.T) {
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
			db := openReplayDB(t, filepath.Join(t.TempDir(), "replay.db"))
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

func TestRememberJTISurvivesRestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "replay.db")
	db, err := Open(path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if fresh, err := db.RememberJTI(ctx, "acme", "j1", time.Now().Add(time.Minute)); err != nil || !fresh {
		t.Fatalf("first RememberJTI = %v, %v; want fresh", fresh, err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	reopened := openReplayDB(t, path)
	if fresh, err := reopened.RememberJTI(ctx, "acme", "j1", time.Now().Add(time.Minute)); err != nil || fresh {
		t.Fatalf("RememberJTI after restart = %v, %v; want refused", fresh, err)
	}
}

func TestRememberJTIConcurrentOnlyOneWins(t *testing.T) {
	ctx := context.Background()
	db := openReplayDB(t, filepath.Join(t.TempDir(), "replay.db"))
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
