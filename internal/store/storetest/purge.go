package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/store"
)

func testPurgeExpired(t *testing.T, open Opener) {
	ctx := context.Background()
	db := open(t)
	now := time.Now().Truncate(time.Second)
	for i, exp := range []time.Time{now, now.Add(-time.Minute), now.Add(time.Second)} {
		if err := db.PutOneTime(ctx, "state", fmt.Sprintf("v%d", i), store.OneTime{Tenant: "acme", ExpiresAt: exp}); err != nil {
			t.Fatal(err)
		}
	}
	for i, exp := range []time.Time{now.Add(-time.Minute), now.Add(time.Hour)} {
		if _, err := db.RememberJTI(ctx, "acme", fmt.Sprintf("j%d", i), exp); err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.PurgeExpired(ctx, now)
	if want := (store.Purged{OneTime: 2, ContextIDs: 1}); err != nil || got != want {
		t.Fatalf("PurgeExpired = %+v, %v; want %+v", got, err, want)
	}
	if _, err := db.TakeOneTime(ctx, "state", "v2", now); err != nil {
		t.Fatalf("the live value was purged: %v", err)
	}
	if fresh, err := db.RememberJTI(ctx, "acme", "j1", now.Add(time.Hour)); err != nil || fresh {
		t.Fatalf("the live context id was purged (fresh %v, %v)", fresh, err)
	}
}

func testRunPurgerPurgesAtStartAndStopsWithItsContext(t *testing.T, open Opener) {
	db := open(t)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	if err := db.PutOneTime(context.Background(), "handle", "old", store.OneTime{ExpiresAt: now}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	passes := make(chan store.Purged, 1)
	done := make(chan error, 1)
	go func() {
		done <- store.RunPurger(ctx, db, store.Purger{Interval: time.Hour, Now: func() time.Time { return now },
			AfterPass: func(p store.Purged) { passes <- p }})
	}()
	if p := <-passes; p.OneTime != 1 {
		t.Fatalf("the first pass removed %+v, want the one expired value", p)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("RunPurger returned %v after its context ended, want nil", err)
	}
	if _, err := db.PurgeExpired(context.Background(), now); errors.Is(err, context.Canceled) {
		t.Fatalf("the database is unusable after the purger stopped: %v", err)
	}
}
