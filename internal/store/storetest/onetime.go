package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/store"
)

func testTakeOneTime(t *testing.T, open Opener) {
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	v := store.OneTime{Tenant: "acme", Viewer: "v1", SessionID: "s1", Payload: []byte("sealed"), ExpiresAt: now.Add(10 * time.Minute)}
	tests := []struct {
		scenario string
		put      func(t *testing.T, db store.Store)
		kind, id string
		at       time.Time
		wantErr  error
	}{
		{scenario: "value comes back once", kind: "state", id: "abc", at: now},
		{scenario: "second take finds nothing", kind: "state", id: "abc", at: now,
			put: func(t *testing.T, db store.Store) {
				if _, err := db.TakeOneTime(ctx, "state", "abc", now); err != nil {
					t.Fatalf("first take: %v", err)
				}
			}, wantErr: store.ErrNotFound},
		{scenario: "expired value is refused", kind: "state", id: "abc", at: now.Add(10 * time.Minute), wantErr: store.ErrNotFound},
		{scenario: "one millisecond before expiry still works", kind: "state", id: "abc", at: now.Add(10*time.Minute - time.Millisecond)},
		{scenario: "same id under another kind is another value", kind: "handle", id: "abc", at: now, wantErr: store.ErrNotFound},
		{scenario: "unknown id", kind: "state", id: "abd", at: now, wantErr: store.ErrNotFound},
		{scenario: "empty id", kind: "state", id: "", at: now, wantErr: store.ErrNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			db := open(t)
			if err := db.PutOneTime(ctx, "state", "abc", v); err != nil {
				t.Fatalf("PutOneTime: %v", err)
			}
			if tc.put != nil {
				tc.put(t, db)
			}
			got, err := db.TakeOneTime(ctx, tc.kind, tc.id, tc.at)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("TakeOneTime error = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("TakeOneTime: %v", err)
			}
			if got.Tenant != v.Tenant || got.Viewer != v.Viewer || got.SessionID != v.SessionID ||
				!bytes.Equal(got.Payload, v.Payload) || !got.ExpiresAt.Equal(v.ExpiresAt) {
				t.Fatalf("TakeOneTime = %+v, want %+v", got, v)
			}
		})
	}
}

func testTakeOneTimeConcurrent(t *testing.T, open Opener) {
	ctx := context.Background()
	db := open(t)
	now := time.Now()
	if err := db.PutOneTime(ctx, "handle", "h1", store.OneTime{Tenant: "acme", Viewer: "v1", ExpiresAt: now.Add(time.Minute)}); err != nil {
		t.Fatalf("PutOneTime: %v", err)
	}
	const takers = 20
	var wg sync.WaitGroup
	var mu sync.Mutex
	won, notFound := 0, 0
	start := make(chan struct{})
	for range takers {
		wg.Go(func() {
			<-start
			_, err := db.TakeOneTime(ctx, "handle", "h1", now)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won++
			case errors.Is(err, store.ErrNotFound):
				notFound++
			default:
				t.Errorf("TakeOneTime: %v", err)
			}
		})
	}
	close(start)
	wg.Wait()
	if won != 1 || notFound != takers-1 {
		t.Fatalf("%d takers succeeded and %d found nothing, want 1 and %d", won, notFound, takers-1)
	}
}

func testOneTimeStorage(t *testing.T, open Opener) {
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		scenario string
		run      func(t *testing.T, db store.Store)
	}{
		{scenario: "the same id cannot be put twice", run: func(t *testing.T, db store.Store) {
			v := store.OneTime{ExpiresAt: now.Add(time.Minute)}
			if err := db.PutOneTime(ctx, "state", "dup", v); err != nil {
				t.Fatalf("PutOneTime: %v", err)
			}
			if err := db.PutOneTime(ctx, "state", "dup", v); err == nil {
				t.Fatalf("second PutOneTime with the same id succeeded")
			}
		}},
		{scenario: "a value without expiry is refused", run: func(t *testing.T, db store.Store) {
			if err := db.PutOneTime(ctx, "state", "x", store.OneTime{Tenant: "acme"}); err == nil {
				t.Fatalf("PutOneTime accepted a value that never expires")
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			tc.run(t, open(t))
		})
	}
}

func testTakeOneTimeOfLeavesOthersEmptyHanded(t *testing.T, open Opener) {
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	owner := store.OneTime{Tenant: "acme", Viewer: "v1", SessionID: "s1"}
	tests := []struct {
		scenario string
		taker    store.OneTime
	}{
		{scenario: "another viewer of the same tenant", taker: store.OneTime{Tenant: "acme", Viewer: "v2", SessionID: "s1"}},
		{scenario: "the same viewer in another session", taker: store.OneTime{Tenant: "acme", Viewer: "v1", SessionID: "s2"}},
		{scenario: "the same viewer id in another tenant", taker: store.OneTime{Tenant: "globex", Viewer: "v1", SessionID: "s1"}},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			db := open(t)
			v := owner
			v.Payload, v.ExpiresAt = []byte("sealed"), now.Add(time.Minute)
			if err := db.PutOneTime(ctx, "pending", "code", v); err != nil {
				t.Fatalf("PutOneTime: %v", err)
			}
			if _, err := db.TakeOneTimeOf(ctx, "pending", "code", tc.taker, now); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("TakeOneTimeOf by %+v: %v, want store.ErrNotFound", tc.taker, err)
			}
			got, err := db.TakeOneTimeOf(ctx, "pending", "code", owner, now)
			if err != nil || !bytes.Equal(got.Payload, v.Payload) {
				t.Fatalf("the owner's TakeOneTimeOf after a stranger's = %+v, %v; want the value", got, err)
			}
			if _, err := db.TakeOneTimeOf(ctx, "pending", "code", owner, now); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("second TakeOneTimeOf by the owner: %v, want store.ErrNotFound", err)
			}
		})
	}
}

func testPutOneTimeOnce(t *testing.T, open Opener) {
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	mine := store.OneTime{Tenant: "acme", Viewer: "v1", SessionID: "s1", Payload: []byte("first"), ExpiresAt: now.Add(10 * time.Minute)}
	next := mine
	next.Payload, next.ExpiresAt = []byte("second"), now.Add(11*time.Minute)
	tests := []struct {
		scenario   string
		second     store.OneTime
		liveAfter  time.Time
		reuse      func(store.OneTime) bool
		wantReused bool
		wantRows   int
	}{
		{scenario: "a live value of the same session comes back", second: next, liveAfter: now, wantReused: true, wantRows: 1},
		{scenario: "a value too close to its expiry is not reused", second: next, liveAfter: now.Add(10 * time.Minute), wantRows: 2},
		{scenario: "a value the caller does not accept is not reused", second: next, liveAfter: now,
			reuse: func(v store.OneTime) bool { return string(v.Payload) != "first" }, wantRows: 2},
		{scenario: "another session gets its own value", liveAfter: now, wantRows: 2,
			second: store.OneTime{Tenant: "acme", Viewer: "v1", SessionID: "s2", ExpiresAt: now.Add(time.Minute)}},
		{scenario: "another viewer gets its own value", liveAfter: now, wantRows: 2,
			second: store.OneTime{Tenant: "acme", Viewer: "v2", SessionID: "s1", ExpiresAt: now.Add(time.Minute)}},
		{scenario: "another tenant gets its own value", liveAfter: now, wantRows: 2,
			second: store.OneTime{Tenant: "globex", Viewer: "v1", SessionID: "s1", ExpiresAt: now.Add(time.Minute)}},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			db := open(t)
			if _, reused, err := db.PutOneTimeOnce(ctx, "handle", "id-1", mine, now, tc.reuse); err != nil || reused {
				t.Fatalf("first PutOneTimeOnce: reused %v, %v", reused, err)
			}
			got, reused, err := db.PutOneTimeOnce(ctx, "handle", "id-2", tc.second, tc.liveAfter, tc.reuse)
			if err != nil || reused != tc.wantReused {
				t.Fatalf("second PutOneTimeOnce: reused %v, %v; want reused %v", reused, err, tc.wantReused)
			}
			want := tc.second
			if tc.wantReused {
				want = mine
			}
			if !bytes.Equal(got.Payload, want.Payload) || !got.ExpiresAt.Equal(want.ExpiresAt) {
				t.Fatalf("PutOneTimeOnce = %+v, want %+v", got, want)
			}
			if stored := takeable(t, db, "handle", "id-2", now); stored != (tc.wantRows == 2) {
				t.Fatalf("the second value was stored: %v, want %v", stored, tc.wantRows == 2)
			}
			if _, err := db.TakeOneTime(ctx, "handle", "id-1", now); err != nil {
				t.Fatalf("the first value cannot be taken any more: %v", err)
			}
		})
	}
}

func testPutOneTimeOnceConcurrentStoresOne(t *testing.T, open Opener) {
	ctx := context.Background()
	db := open(t)
	now := time.Now()
	v := store.OneTime{Tenant: "acme", Viewer: "v1", SessionID: "s1", ExpiresAt: now.Add(time.Minute)}
	const callers = 20
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range callers {
		wg.Go(func() {
			<-start
			if _, _, err := db.PutOneTimeOnce(ctx, "handle", fmt.Sprintf("id-%d", i), v, now, nil); err != nil {
				t.Errorf("PutOneTimeOnce: %v", err)
			}
		})
	}
	close(start)
	wg.Wait()
	stored := 0
	for i := range callers {
		if takeable(t, db, "handle", fmt.Sprintf("id-%d", i), now) {
			stored++
		}
	}
	if stored != 1 {
		t.Fatalf("%d concurrent callers of one session stored %d values, want 1", callers, stored)
	}
}

// takeable takes the value of kind and id and reports whether there was
// one.
func takeable(t *testing.T, db store.Store, kind, id string, now time.Time) bool {
	t.Helper()
	_, err := db.TakeOneTime(context.Background(), kind, id, now)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("TakeOneTime %s: %v", kind, err)
	}
	return err == nil
}
