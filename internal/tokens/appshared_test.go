package tokens

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/shared"
	"github.com/snapbridge/snapbridge/internal/shared/redistest"
	"github.com/snapbridge/snapbridge/internal/tenant"
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
	sharedKey := appSharedKey(appTokenKey{tenant: "acme", scope: linkedin.ScopeProfiles, creds: credentialsID(appOf(acme))})
	if strings.Contains(sharedKey, acme.LinkedIn.ClientSecret) {
		t.Fatalf("the shared key %q holds the client secret", sharedKey)
	}
	raw, ok, err := redisClient(t, url).Get(ctx, sharedKey)
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
	if _, ok, _ := redisClient(t, url).Get(ctx, sharedKey); ok {
		t.Fatal("an invalidated app token is still shared")
	}
}

// TestAppTokenFetchedWithOldCredentialsIsNeverServedForNewOnes: a fetch
// with a tenant's old LinkedIn client credentials that is still in flight
// when an admin changes them stores its token after the change was
// applied; neither that instance nor another one sharing its Redis may
// serve that token for the new credentials.
func TestAppTokenFetchedWithOldCredentialsIsNeverServedForNewOnes(t *testing.T) {
	ctx := context.Background()
	const scope = linkedin.ScopeProfiles
	changed := func() *tenant.Tenant {
		c := acme.Clone()
		c.LinkedIn.ClientSecret = "secret-acme-rotated"
		return &c
	}()
	for _, tc := range []struct {
		scenario string
		// reader is the instance (0 or 1) that asks with the new credentials.
		reader int
	}{
		{scenario: "on another instance", reader: 1},
		{scenario: "on the instance that fetched it", reader: 0},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			url := redistest.Start(t).URL
			e := newEnv(t)
			e.li.appAnswer = appAnswer(e.clock)
			instances := []*AppTokens{
				NewAppTokens(e.li, e.clock.Now).Share(redisClient(t, url), e.ring),
				NewAppTokens(e.li, e.clock.Now).Share(redisClient(t, url), e.ring),
			}
			started, release := e.li.hold()
			old := make(chan string, 1)
			go func() {
				tok, err := instances[0].Get(ctx, acme, scope)
				if err != nil {
					t.Errorf("Get with the old credentials: %v", err)
				}
				old <- tok
			}()
			<-started
			// The admin's change is applied while the old fetch is in flight.
			for _, a := range instances {
				a.Invalidate("acme", "")
			}
			release()
			oldToken := <-old
			got, err := instances[tc.reader].Get(ctx, changed, scope)
			if err != nil {
				t.Fatal(err)
			}
			if got == oldToken {
				t.Fatalf("the token fetched with the old credentials (%q) is served for the new ones", got)
			}
			if _, _, n := e.li.calls(); n != 2 {
				t.Fatalf("%d upstream calls, want 2 (one per set of credentials)", n)
			}
		})
	}
}
