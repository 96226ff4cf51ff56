package sat

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/keyring"
	"github.com/snapbridge/snapbridge/internal/shared"
	"github.com/snapbridge/snapbridge/internal/shared/redistest"
	"github.com/snapbridge/snapbridge/internal/tokens"
)

func testRing(t testing.TB) *keyring.KeyRing {
	t.Helper()
	key, err := keyring.GenerateKey("k1")
	if err != nil {
		t.Fatal(err)
	}
	ring, err := keyring.New(key)
	if err != nil {
		t.Fatal(err)
	}
	return ring
}

func redisClient(t *testing.T, url string) *shared.Redis {
	t.Helper()
	r, err := shared.NewRedis(url, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// TestFiftySATRequestsOverTwoInstancesMakeOneLinkedInCall: brokers on two
// instances sharing a Redis fetch a viewer's token once between them, and
// the token is sealed in Redis.
func TestFiftySATRequestsOverTwoInstancesMakeOneLinkedInCall(t *testing.T) {
	url := redistest.Start(t).URL
	ring := testRing(t)
	now := time.Now
	li := &fakeLinkedIn{lifetime: 30 * time.Minute, now: now, delay: 50 * time.Millisecond}
	m := &fakeMembers{token: "member"}
	brokers := []*Broker{
		NewBroker(li, m, time.Minute, now).Share(redisClient(t, url), ring),
		NewBroker(li, m, time.Minute, now).Share(redisClient(t, url), ring),
	}
	var wg sync.WaitGroup
	got := make(chan string, 50)
	for i := range 50 {
		wg.Go(func() {
			tok, err := brokers[i%2].Token(context.Background(), demo, "v")
			if err != nil {
				t.Error(err)
			}
			got <- tok.Token
		})
	}
	wg.Wait()
	close(got)
	if n := li.calls.Load(); n != 1 {
		t.Fatalf("%d LinkedIn calls, want 1", n)
	}
	for tok := range got {
		if tok != "member-sat-1" {
			t.Fatalf("a request got %q, want the one token", tok)
		}
	}
	raw, ok, err := redisClient(t, url).Get(context.Background(), sharedKey(cacheKey("demo", "v")))
	if err != nil || !ok {
		t.Fatalf("the token is not shared: %v %v", ok, err)
	}
	if bytes.Contains(raw, []byte("member-sat-1")) {
		t.Fatalf("the token is in Redis in plaintext: %s", raw)
	}
}

// TestSharedSATIsNotHandedToADisconnectedViewer: a token another
// instance shared is dropped, not served, once the viewer disconnected.
func TestSharedSATIsNotHandedToADisconnectedViewer(t *testing.T) {
	url := redistest.Start(t).URL
	ring := testRing(t)
	li := &fakeLinkedIn{lifetime: 30 * time.Minute, now: time.Now}
	a := NewBroker(li, &fakeMembers{token: "member"}, time.Minute, nil).Share(redisClient(t, url), ring)
	if _, err := a.Token(context.Background(), demo, "v"); err != nil {
		t.Fatal(err)
	}
	gone := &fakeMembers{err: tokens.ErrNotConnected}
	b := NewBroker(li, gone, time.Minute, nil).Share(redisClient(t, url), ring)
	if _, err := b.Token(context.Background(), demo, "v"); !errors.Is(err, tokens.ErrNotConnected) {
		t.Fatalf("err = %v, want not connected", err)
	}
	if _, ok, _ := redisClient(t, url).Get(context.Background(), sharedKey(cacheKey("demo", "v"))); ok {
		t.Fatal("the disconnected viewer's token is still shared")
	}
}
