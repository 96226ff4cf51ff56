package tokens

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/shared/redistest"
	"github.com/snapbridge/snapbridge/internal/store"
)

// TestMemberTokenIsRefreshedOnceAcrossInstances: two instances on one
// database and one Redis refresh a viewer's expiring token once between
// them, whether callers ask for the token or report it rejected, and the
// viewer stays connected (a second refresh would spend the rotated
// refresh token).
func TestMemberTokenIsRefreshedOnceAcrossInstances(t *testing.T) {
	for _, scenario := range []string{"expiring token asked for", "token rejected by LinkedIn"} {
		t.Run(scenario, func(t *testing.T) {
			ctx := context.Background()
			url := redistest.Start(t).URL
			e := newEnv(t)
			e.save(t, "acme", "v1", linkedin.Token{AccessToken: "old", ExpiresAt: t0.Add(time.Minute), RefreshToken: "r"})
			instances := []*MemberTokens{
				NewMemberTokens(e.vault, e.li, e.clock.Now).Share(redisClient(t, url)),
				NewMemberTokens(NewVault(e.db, e.ring, e.clock.Now), e.li, e.clock.Now).Share(redisClient(t, url)),
			}
			started, release := e.li.hold()
			var wg sync.WaitGroup
			for i := range 20 {
				m := instances[i%2]
				wg.Go(func() {
					var err error
					if scenario == "token rejected by LinkedIn" {
						err = m.Rejected(ctx, acme, "v1")
					} else {
						_, err = m.AccessToken(ctx, acme, "v1")
					}
					if err != nil {
						t.Error(err)
					}
				})
			}
			<-started
			time.Sleep(50 * time.Millisecond) // let the other callers queue up on the refresh
			release()
			wg.Wait()
			if n, _, _ := e.li.calls(); n != 1 {
				t.Fatalf("%d refresh calls across two instances, want 1", n)
			}
			assertStored(t, e, "v1", "refreshed-1-from-r", store.StatusConnected)
		})
	}
}
