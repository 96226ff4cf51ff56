package store

import (
	"bytes"
	"context"
	"errors"
	"os"
	"sync"
	"testing"
	"time"
)

func TestTakeOneTime(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	v := OneTime{Tenant: "acme", Viewer: "v1", SessionID: "s1", Payload: []byte("sealed"), ExpiresAt: now.Add(10 * time.Minute)}
	tests := []struct {
		scenario string
		put      func(t *testing.T, db *DB)
		kind, id string
		at       time.Time
		wantErr  error
	}{
		{scenario: "value comes back once", kind: "state", id: "abc", at: now},
		{scenario: "second take finds nothing", kind: "state", id: "abc", at: now,
			put: func(t *testing.T, db *DB) {
				if _, err := db.TakeOneTime(ctx, "state", "abc", now); err != nil {
					t.Fatalf("first take: %v", err)
				}
			}, wantErr: ErrNotFound},
		{scenario: "expired value is refused", kind: "state", id: "abc", at: now.Add(10 * time.Minute), wantErr: ErrNotFound},
		{scenario: "one millisecond before expiry still works", kind: "state", id: "abc", at: now.Add(10*time.Minute - time.Millisecond)},
		{scenario: "same id under another kind is another value", kind: "handle", id: "abc", at: now, wantErr: ErrNotFound},
		{scenario: "unknown id", kind: "state", id: "abd", at: now, wantErr: ErrNotFound},
		{scenario: "empty id", kind: "state", id: "", at: now, wantErr: ErrNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			db, _ := openTestDB(t)
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

func TestTakeOneTimeConcurrent(t *testing.T) {
	ctx := context.Background()
	db, _ := openTestDB(t)
	now := time.Now()
	if err := db.PutOneTime(ctx, "handle", "h1", OneTime{Tenant: "acme", Viewer: "v1", ExpiresAt: now.Add(time.Minute)}); err != nil {
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
			case errors.Is(err, ErrNotFound):
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

func TestOneTimeStorage(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		scenario string
		run      func(t *testing.T, db *DB, path string)
	}{
		{scenario: "the id itself never reaches the database file", run: func(t *testing.T, db *DB, path string) {
			id := "id-that-must-stay-secret-0123456789"
			if err := db.PutOneTime(ctx, "state", id, OneTime{Tenant: "acme", ExpiresAt: now.Add(time.Minute)}); err != nil {
				t.Fatalf("PutOneTime: %v", err)
			}
			db.Close()
			for _, f := range []string{path, path + "-wal"} {
				raw, err := os.ReadFile(f)
				if err != nil && !os.IsNotExist(err) {
					t.Fatalf("read %s: %v", f, err)
				}
				if bytes.Contains(raw, []byte(id)) {
					t.Fatalf("%s contains the one-time id in clear", f)
				}
			}
		}},
		{scenario: "taking purges expired values of every kind", run: func(t *testing.T, db *DB, _ string) {
			for _, id := range []string{"a", "b"} {
				if err := db.PutOneTime(ctx, "handle", id, OneTime{ExpiresAt: now.Add(time.Minute)}); err != nil {
					t.Fatalf("PutOneTime: %v", err)
				}
			}
			_, _ = db.TakeOneTime(ctx, "state", "other", now.Add(2*time.Minute))
			var n int
			if err := db.sql.QueryRow(`SELECT COUNT(*) FROM oauth_states`).Scan(&n); err != nil {
				t.Fatalf("count: %v", err)
			}
			if n != 0 {
				t.Fatalf("%d expired values left after a take", n)
			}
		}},
		{scenario: "the same id cannot be put twice", run: func(t *testing.T, db *DB, _ string) {
			v := OneTime{ExpiresAt: now.Add(time.Minute)}
			if err := db.PutOneTime(ctx, "state", "dup", v); err != nil {
				t.Fatalf("PutOneTime: %v", err)
			}
			if err := db.PutOneTime(ctx, "state", "dup", v); err == nil {
				t.Fatalf("second PutOneTime with the same id succeeded")
			}
		}},
		{scenario: "a value without expiry is refused", run: func(t *testing.T, db *DB, _ string) {
			if err := db.PutOneTime(ctx, "state", "x", OneTime{Tenant: "acme"}); err == nil {
				t.Fatalf("PutOneTime accepted a value that never expires")
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			db, path := openTestDB(t)
			tc.run(t, db, path)
		})
	}
}
