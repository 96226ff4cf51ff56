package tokens

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/shared"
	"github.com/snapbridge/snapbridge/internal/shared/redistest"
)

func redisClient(t *testing.T, url string) *shared.Redis {
	t.Helper()
	r, err := shared.NewRedis(url, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// TestAppTokenIsFetchedOnceAcrossInstances: two instances sharing a
// Redis fetch a tenant's app token once, and it is sealed in Redis.
func TestAppTokenIsFetchedOnceAcrossInstances(t *testing.T) {
	ctx := context.Background()
	url := redistest.Start(t).URL
	e := newEnv(t)
	e.li.appAnswer = appAnswer(e.clock)
	instances := []*AppTokens{
		NewAppTokens(e.li, e.clock.Now).Share(redisClient(t, url), e.ring),
		NewAppTokens(e.li, e.clock.Now).Share(redisClient(t, url), e.ring),
	}
	want := "app-1-client-acme/" + linkedin.ScopeProfiles
	var wg sync.WaitGroup
	for i := range 30 {
		wg.Go(func() {
			if got, err := instances[i%2].Get(ctx, acme, linkedin.ScopeProfiles); err != nil || got != want {
				t.Errorf("Get = %q, %v; want %q", got, err, want)
			}
		})
	}
	wg.Wait()
	if _, _, n := e.li.calls(); n != 1 {
		t.Fatalf("%d upstream calls for two instances, want 1", n)
	}
	raw, ok, err := redisClient(t, url).Get(ctx, appSharedKey(appTokenKey{tenant: "acme", scope: linkedin.ScopeProfiles}))
	if err != nil || !ok {
		t.Fatalf("the app token is not shared: %v, %v", ok, err)
	}
	if bytes.Contains(raw, []byte(want)) {
		t.Fatalf("the app token is in Redis in plaintext: %s", raw)
	}
	instances[1].Invalidate("acme", "")
	if got, _ := instances[0].Get(ctx, globex, linkedin.ScopeProfiles); got == "" {
		t.Fatal("another tenant's token could not be fetched")
	}
	if _, ok, _ := redisClient(t, url).Get(ctx, appSharedKey(appTokenKey{tenant: "acme", scope: linkedin.ScopeProfiles})); ok {
		t.Fatal("an invalidated app token is still shared")
	}
}
