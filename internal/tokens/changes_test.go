package tokens

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/shared"
	"github.com/snapbridge/snapbridge/internal/shared/redistest"
)

// TestEveryChangeToAnAuthorizationIsTold: whoever caches what a member
// token gave (the SAT broker) hears of every connect, reconnect, refresh,
// revocation, disconnect and lost key, with the generation stored now
// ("" once the viewer is no longer connected).
func TestEveryChangeToAnAuthorizationIsTold(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		scenario      string
		change        func(t *testing.T, e *testEnv, hook func(MemberChange))
		stillConnects bool
	}{
		{scenario: "connected again as another LinkedIn member", stillConnects: true, change: func(t *testing.T, e *testEnv, hook func(MemberChange)) {
			e.save(t, "acme", "v1", linkedin.Token{AccessToken: "other-member", ExpiresAt: farFuture})
		}},
		{scenario: "refreshed", stillConnects: true, change: func(t *testing.T, e *testEnv, hook func(MemberChange)) {
			e.clock.advance(time.Hour - time.Minute) // inside the refresh margin
			if _, err := NewMemberTokens(e.vault, e.li, e.clock.Now).AccessToken(ctx, acme, "v1"); err != nil {
				t.Fatal(err)
			}
		}},
		{scenario: "revoked by LinkedIn", change: func(t *testing.T, e *testEnv, hook func(MemberChange)) {
			e.li.refreshErr = &linkedin.Error{Status: 400, Code: "invalid_grant", Message: "revoked"}
			if err := NewMemberTokens(e.vault, e.li, e.clock.Now).Rejected(ctx, acme, "v1"); !errors.Is(err, ErrNotConnected) {
				t.Fatalf("Rejected = %v, want not connected", err)
			}
		}},
		{scenario: "disconnected", change: func(t *testing.T, e *testEnv, hook func(MemberChange)) {
			if err := e.vault.Disconnect(ctx, "acme", "v1"); err != nil {
				t.Fatal(err)
			}
		}},
		{scenario: "its encryption key left the ring", change: func(t *testing.T, e *testEnv, hook func(MemberChange)) {
			// Another instance, or this one restarted, without the key.
			v := NewVault(e.db, newRing(t, mustKey(t, "k2")), e.clock.Now)
			v.OnChange(hook)
			if _, err := NewMemberTokens(v, e.li, e.clock.Now).Generation(ctx, acme, "v1"); !errors.Is(err, ErrNotConnected) {
				t.Fatalf("Generation = %v, want not connected", err)
			}
		}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			e := newEnv(t)
			var heard []MemberChange
			hook := func(c MemberChange) { heard = append(heard, c) }
			e.vault.OnChange(hook)
			e.save(t, "acme", "v1", linkedin.Token{AccessToken: "member", ExpiresAt: t0.Add(time.Hour), RefreshToken: "r"})
			members := NewMemberTokens(e.vault, e.li, e.clock.Now)
			before, err := members.Generation(ctx, acme, "v1")
			if err != nil || len(heard) != 1 || heard[0] != (MemberChange{Tenant: "acme", Viewer: "v1", Generation: before}) {
				t.Fatalf("the connect was told as %+v (generation %q, %v)", heard, before, err)
			}
			heard = nil
			tc.change(t, e, hook)
			want := MemberChange{Tenant: "acme", Viewer: "v1"}
			if tc.stillConnects {
				g, err := members.Grant(ctx, acme, "v1")
				if err != nil || g.Generation == before {
					t.Fatalf("after the change: generation %q (was %q), %v; want a new one", g.Generation, before, err)
				}
				want.Generation = g.Generation
			} else if _, err := members.Generation(ctx, acme, "v1"); !errors.Is(err, ErrNotConnected) {
				t.Fatalf("after the change: Generation = %v, want not connected", err)
			}
			if len(heard) != 1 || heard[0] != want {
				t.Fatalf("the change was told as %+v, want once %+v", heard, want)
			}
		})
	}
}

// TestMemberChangesReachTheOtherInstances: a change made on one instance
// is heard on another through Redis (channel chan:members), and a notice
// that changes may have been missed is passed on as such.
func TestMemberChangesReachTheOtherInstances(t *testing.T) {
	ctx := context.Background()
	url := redistest.Start(t).URL
	e := newEnv(t)
	e.vault.Share(redisClient(t, url))
	heard := make(chan MemberChange, 4)
	stop := FollowChanges(redisClient(t, url), func(c MemberChange) { heard <- c })
	defer stop()
	e.save(t, "acme", "v1", linkedin.Token{AccessToken: "member", ExpiresAt: farFuture})
	gen, err := NewMemberTokens(e.vault, e.li, e.clock.Now).Generation(ctx, acme, "v1")
	if err != nil {
		t.Fatal(err)
	}
	if c := <-heard; c != (MemberChange{Tenant: "acme", Viewer: "v1", Generation: gen}) {
		t.Fatalf("the other instance heard %+v, want the connect with generation %q", c, gen)
	}
	if err := e.vault.Disconnect(ctx, "acme", "v1"); err != nil {
		t.Fatal(err)
	}
	if c := <-heard; c != (MemberChange{Tenant: "acme", Viewer: "v1"}) {
		t.Fatalf("the other instance heard %+v, want the disconnect", c)
	}
	if err := redisClient(t, url).Publish(ctx, membersChannel, shared.MissedMessages); err != nil {
		t.Fatal(err)
	}
	if c := <-heard; c != (MemberChange{Missed: true}) {
		t.Fatalf("the other instance heard %+v, want that changes may have been missed", c)
	}
}
