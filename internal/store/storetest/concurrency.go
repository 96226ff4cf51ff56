package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/store"
)

// testConcurrentSwapsFromOneReadHaveOneWinner: N refreshes that read the
// same row and each write their own rotated token must leave exactly one
// winner, whose token is the one stored; the others learn that the row
// changed and must re-read. A lost update would drop a rotated refresh
// token LinkedIn already invalidated the old one for.
func testConcurrentSwapsFromOneReadHaveOneWinner(t *testing.T, open Opener) {
	ctx := context.Background()
	db := open(t)
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	mustPut(t, db, store.MemberTokenRow{Tenant: "acme", Viewer: "v1", KeyID: "k1", Sealed: []byte("read"),
		ExpiresAt: at, Status: store.StatusConnected, UpdatedAt: at})
	prev, err := db.MemberToken(ctx, "acme", "v1")
	if err != nil {
		t.Fatal(err)
	}
	const writers = 20
	var wg sync.WaitGroup
	var mu sync.Mutex
	var winners []string
	start := make(chan struct{})
	for i := range writers {
		wg.Go(func() {
			next := prev
			next.Sealed = []byte(fmt.Sprintf("rotated-%d", i))
			next.UpdatedAt = at.Add(time.Duration(i+1) * time.Second)
			<-start
			ok, err := db.SwapMemberToken(ctx, prev, next)
			if err != nil {
				t.Errorf("SwapMemberToken: %v", err)
				return
			}
			if ok {
				mu.Lock()
				winners = append(winners, string(next.Sealed))
				mu.Unlock()
			}
		})
	}
	close(start)
	wg.Wait()
	if len(winners) != 1 {
		t.Fatalf("%d of %d swaps from the same read won (%v), want exactly 1", len(winners), writers, winners)
	}
	got, err := db.MemberToken(ctx, "acme", "v1")
	if err != nil || string(got.Sealed) != winners[0] {
		t.Fatalf("stored token = %q, %v; want the winner's %q", got.Sealed, err, winners[0])
	}
}
