package sat

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/keyring"
	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/shared"
	"github.com/snapbridge/snapbridge/internal/shared/redistest"
	"github.com/snapbridge/snapbridge/internal/store/sqlite"
	"github.com/snapbridge/snapbridge/internal/tenant"
	"github.com/snapbridge/snapbridge/internal/tokens"
)

// countingMembers is the real member-token service, counting how often
// the broker reads a viewer's authorization from the store.
type countingMembers struct {
	*tokens.MemberTokens
	reads atomic.Int32
}

func (c *countingMembers) Grant(ctx context.Context, t *tenant.Tenant, viewer string) (tokens.Grant, error) {
	c.reads.Add(1)
	return c.MemberTokens.Grant(ctx, t, viewer)
}

func (c *countingMembers) Generation(ctx context.Context, t *tenant.Tenant, viewer string) (string, error) {
	c.reads.Add(1)
	return c.MemberTokens.Generation(ctx, t, viewer)
}

// TestCachedSATIsAnsweredFromMemory: a cached token is handed out without
// reading the viewer's member token; once per DefaultRecheck one request
// checks the stored authorization, and the token is kept when it stands.
func TestCachedSATIsAnsweredFromMemory(t *testing.T) {
	ctx := context.Background()
	clock := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	now := func() time.Time { return clock }
	vault, members := connectedViewer(t, now)
	m := &countingMembers{MemberTokens: members}
	li := &fakeLinkedIn{lifetime: 30 * time.Minute, now: now}
	b := wiredBroker(li, vault, m, now)
	first, err := b.Token(ctx, demo, "v")
	if err != nil {
		t.Fatal(err)
	}
	for range 100 {
		if tok, err := b.Token(ctx, demo, "v"); err != nil || tok != first {
			t.Fatalf("a cached request got %v, %v", tok, err)
		}
	}
	if n := m.reads.Load(); n != 1 {
		t.Fatalf("101 requests read the member token %d times, want once (the fetch)", n)
	}
	clock = clock.Add(DefaultRecheck)
	for range 10 {
		if tok, err := b.Token(ctx, demo, "v"); err != nil || tok != first {
			t.Fatalf("after the recheck interval: %v, %v; want the cached token", tok, err)
		}
	}
	if n, calls := m.reads.Load(), li.calls.Load(); n != 2 || calls != 1 {
		t.Fatalf("after the recheck interval: %d store reads and %d LinkedIn calls, want 2 and 1", n, calls)
	}
}

// TestBrokerNoticesAReconnectItWasNotToldOf: when the notice of a change
// is lost, the cached token of the old authorization is dropped at the
// next check: after DefaultRecheck, at once after the notice that
// changes may have been missed, and on every request while shared state
// is degraded.
func TestBrokerNoticesAReconnectItWasNotToldOf(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		learn    func(b *Broker, clock *time.Time)
		wantNew  bool
	}{
		{"nothing heard, within the recheck interval: the old token (the bound)", func(b *Broker, clock *time.Time) {
			*clock = clock.Add(DefaultRecheck - time.Second)
		}, false},
		{"the recheck interval passed", func(b *Broker, clock *time.Time) { *clock = clock.Add(DefaultRecheck) }, true},
		{"told that changes may have been missed", func(b *Broker, _ *time.Time) {
			b.memberChanged(tokens.MemberChange{Missed: true})
		}, true},
		{"shared state degraded", func(b *Broker, _ *time.Time) { b.degraded = func() bool { return true } }, true},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			ctx := context.Background()
			clock := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
			now := func() time.Time { return clock }
			vault, members := connectedViewer(t, now)
			li := &fakeLinkedIn{lifetime: 30 * time.Minute, now: now}
			b := NewBroker(li, members, time.Minute, now) // not told of the vault's changes
			if _, err := b.Token(ctx, demo, "v"); err != nil {
				t.Fatal(err)
			}
			connectAs(t, vault, "member2", now)
			tc.learn(b, &clock)
			tok, err := b.Token(ctx, demo, "v")
			if err != nil {
				t.Fatal(err)
			}
			if got := tok.Token == "member2-sat-2"; got != tc.wantNew {
				t.Fatalf("after the unheard reconnect: %q; want member2's new token: %v", tok.Token, tc.wantNew)
			}
		})
	}
}

// TestReconnectDuringAFetchKeepsItsTokenOutOfTheCache: a token fetched on
// the old authorization while the viewer connected another LinkedIn
// member answers the request it was fetched for, but is not cached: the
// next request gets the new member's.
func TestReconnectDuringAFetchKeepsItsTokenOutOfTheCache(t *testing.T) {
	ctx := context.Background()
	now := func() time.Time { return time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC) }
	vault, members := connectedViewer(t, now)
	li := &gatedLinkedIn{started: make(chan struct{}, 2), release: make(chan struct{}), now: now}
	b := wiredBroker(li, vault, members, now)
	done := make(chan error, 1)
	go func() {
		_, err := b.Token(ctx, demo, "v")
		done <- err
	}()
	<-li.started
	connectAs(t, vault, "member2", now)
	close(li.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	tok, err := b.Token(ctx, demo, "v")
	if err != nil || tok.Token != "member2-sat-2" {
		t.Fatalf("after the reconnect: %q, %v; want member2's new token", tok.Token, err)
	}
}

// refreshingLinkedIn refreshes member tokens: refresh n gives
// "refreshed-n", valid an hour.
type refreshingLinkedIn struct {
	tokens.LinkedIn
	n   atomic.Int32
	now func() time.Time
}

func (r *refreshingLinkedIn) Refresh(context.Context, linkedin.App, string) (linkedin.Token, error) {
	n := r.n.Add(1)
	return linkedin.Token{AccessToken: fmt.Sprint("refreshed-", n), ExpiresAt: r.now().Add(time.Hour), RefreshToken: fmt.Sprint("r", n)}, nil
}

// TestMemberTokenRefreshKeepsSATsWorking: a member token refreshed while
// the broker fetches a SAT with it does not keep that SAT out of the
// cache; one refreshed later (by another service) replaces the
// authorization, and the next SAT is fetched with the refreshed token.
func TestMemberTokenRefreshKeepsSATsWorking(t *testing.T) {
	ctx := context.Background()
	now := func() time.Time { return time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC) }
	db, ring := memberStore(t)
	vault := tokens.NewVault(db, ring, now)
	refresher := &refreshingLinkedIn{now: now}
	// Inside the refresh margin: the first SAT fetch refreshes it.
	if err := vault.Save(ctx, "demo", "v", linkedin.Token{AccessToken: "member", ExpiresAt: now().Add(time.Minute), RefreshToken: "r0"}); err != nil {
		t.Fatal(err)
	}
	members := tokens.NewMemberTokens(vault, refresher, now)
	li := &fakeLinkedIn{lifetime: 30 * time.Minute, now: now}
	b := wiredBroker(li, vault, members, now)
	for range 3 {
		if tok, err := b.Token(ctx, demo, "v"); err != nil || tok.Token != "refreshed-1-sat-1" {
			t.Fatalf("got %q, %v; want the token fetched with the refreshed member token", tok.Token, err)
		}
	}
	if n := li.calls.Load(); n != 1 {
		t.Fatalf("%d LinkedIn calls, want 1: the refresh during the fetch kept its SAT out of the cache", n)
	}
	if err := tokens.NewMemberTokens(vault, refresher, now).Rejected(ctx, demo, "v"); err != nil {
		t.Fatal(err)
	}
	if tok, err := b.Token(ctx, demo, "v"); err != nil || tok.Token != "refreshed-2-sat-2" {
		t.Fatalf("after another refresh: %q, %v; want a token fetched with it", tok.Token, err)
	}
}

// instance is one snapbridge instance's vault and broker over a store and
// a Redis shared with others; heard says when its broker heard a change.
type instance struct {
	vault  *tokens.Vault
	broker *Broker
	heard  chan string
}

// heardNotifier tells, after the broker handled it, each message its
// subscription carried.
type heardNotifier struct {
	shared.State
	heard chan string
}

func (h heardNotifier) Subscribe(channel string, fn func(string)) func() {
	return h.State.Subscribe(channel, func(msg string) { fn(msg); h.heard <- msg })
}

func (h heardNotifier) Degraded() bool {
	d, ok := h.State.(interface{ Degraded() bool })
	return ok && d.Degraded()
}

// startInstance wires one instance as the server does.
func startInstance(t *testing.T, db *sqlite.DB, ring *keyring.KeyRing, st shared.State, li LinkedIn) *instance {
	t.Helper()
	in := &instance{heard: make(chan string, 64)}
	in.vault = tokens.NewVault(db, ring, nil).Share(st)
	in.broker = NewBroker(li, tokens.NewMemberTokens(in.vault, nil, nil), time.Minute, nil).Share(st, ring)
	in.vault.OnChange(in.broker.MemberChanged)
	t.Cleanup(in.broker.Follow(heardNotifier{State: st, heard: in.heard}))
	return in
}

// waitHeard waits until in heard a message satisfying ok.
func (in *instance) waitHeard(t *testing.T, ok func(string) bool) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case msg := <-in.heard:
			if ok(msg) {
				return
			}
		case <-timeout:
			t.Fatal("the change was not heard within 10s")
		}
	}
}

// TestSATFollowsAChangeOnAnotherInstance: two instances on one database
// and one Redis. A seller's token cached in the memory of one is no longer
// handed out once the seller disconnected, or connected another LinkedIn
// member, on the other: as soon as the notice arrives.
func TestSATFollowsAChangeOnAnotherInstance(t *testing.T) {
	for _, tc := range []struct {
		scenario  string
		change    func(t *testing.T, a *instance)
		reconnect bool
	}{
		{scenario: "disconnected", change: func(t *testing.T, a *instance) {
			if err := a.vault.Disconnect(context.Background(), "demo", "v"); err != nil {
				t.Fatal(err)
			}
		}},
		{scenario: "connected again as another LinkedIn member", reconnect: true, change: func(t *testing.T, a *instance) {
			connectAs(t, a.vault, "member2", time.Now)
		}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			ctx := context.Background()
			url := redistest.Start(t).URL
			db, ring := memberStore(t)
			li := &fakeLinkedIn{lifetime: 30 * time.Minute, now: time.Now}
			a := startInstance(t, db, ring, redisClient(t, url), li)
			b := startInstance(t, db, ring, redisClient(t, url), li)
			connectAs(t, a.vault, "member", time.Now)
			b.waitHeard(t, func(string) bool { return true }) // the connect itself
			for _, in := range []*instance{a, b, b} {
				if tok, err := in.broker.Token(ctx, demo, "v"); err != nil || tok.Token != "member-sat-1" {
					t.Fatalf("before the change: %q, %v", tok.Token, err)
				}
			}
			start := time.Now()
			tc.change(t, a)
			b.waitHeard(t, func(msg string) bool { return msg != shared.MissedMessages })
			t.Logf("the other instance heard the change after %v", time.Since(start))
			tok, err := b.broker.Token(ctx, demo, "v")
			if !tc.reconnect {
				if !errors.Is(err, tokens.ErrNotConnected) {
					t.Fatalf("the other instance answered %q, %v; want not connected", tok.Token, err)
				}
				return
			}
			if err != nil || tok.Token != "member2-sat-2" {
				t.Fatalf("the other instance answered %q, %v; want member2's new token", tok.Token, err)
			}
		})
	}
}

// TestSATChecksTheStoreWhileChangesCannotBeHeard: a seller connects
// another LinkedIn member on one instance while Redis is away, so the
// other instance never hears of it. That instance checks every cached
// token against the store while it is degraded, and, once Redis is back
// and it is told it may have missed changes, at its next request.
func TestSATChecksTheStoreWhileChangesCannotBeHeard(t *testing.T) {
	for _, tc := range []struct {
		scenario    string
		redisReturn bool
	}{
		{scenario: "while Redis is away"},
		{scenario: "after Redis returns", redisReturn: true},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			ctx := context.Background()
			srv := redistest.Start(t)
			db, ring := memberStore(t)
			li := &fakeLinkedIn{lifetime: 30 * time.Minute, now: time.Now}
			failover := func() *shared.Failover {
				return shared.NewFailover(shared.FailoverConfig{Redis: redisClient(t, srv.URL), RetryEvery: time.Millisecond})
			}
			fb := failover()
			a := startInstance(t, db, ring, failover(), li)
			b := startInstance(t, db, ring, fb, li)
			connectAs(t, a.vault, "member", time.Now)
			for _, in := range []*instance{a, b, b} {
				if _, err := in.broker.Token(ctx, demo, "v"); err != nil {
					t.Fatal(err)
				}
			}
			srv.Stop()
			if m := fb.Mode(ctx); m != shared.ModeDegraded { // as /readyz asks it
				t.Fatalf("mode %q with Redis stopped", m)
			}
			connectAs(t, a.vault, "member2", time.Now)
			if tc.redisReturn {
				srv.Restart()
				deadline := time.Now().Add(10 * time.Second)
				for fb.Mode(ctx) != shared.ModeRedis {
					if time.Now().After(deadline) {
						t.Fatal("the instance did not use Redis again within 10s of its return")
					}
					time.Sleep(5 * time.Millisecond)
				}
				b.waitHeard(t, func(msg string) bool { return msg == shared.MissedMessages })
			}
			if tok, err := b.broker.Token(ctx, demo, "v"); err != nil || tok.Token != "member2-sat-2" {
				t.Fatalf("the other instance answered %q, %v; want member2's new token", tok.Token, err)
			}
		})
	}
}

// BenchmarkCachedSATToken is a cache hit in the broker (wired as the
// server wires it); compare BenchmarkMemberTokenRead, what every hit cost
// before: reading and opening the viewer's member token.
func BenchmarkCachedSATToken(b *testing.B) {
	now := time.Now
	db, ring := memberStore(b)
	vault := tokens.NewVault(db, ring, now)
	if err := vault.Save(context.Background(), "demo", "v", linkedin.Token{AccessToken: "member", ExpiresAt: now().Add(time.Hour)}); err != nil {
		b.Fatal(err)
	}
	br := wiredBroker(&fakeLinkedIn{lifetime: 30 * time.Minute, now: now}, vault, tokens.NewMemberTokens(vault, nil, now), now)
	ctx := context.Background()
	if _, err := br.Token(ctx, demo, "v"); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := br.Token(ctx, demo, "v"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMemberTokenRead is reading and opening a live member token.
func BenchmarkMemberTokenRead(b *testing.B) {
	now := time.Now
	db, ring := memberStore(b)
	vault := tokens.NewVault(db, ring, now)
	if err := vault.Save(context.Background(), "demo", "v", linkedin.Token{AccessToken: "member", ExpiresAt: now().Add(time.Hour)}); err != nil {
		b.Fatal(err)
	}
	members := tokens.NewMemberTokens(vault, nil, now)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := members.AccessToken(ctx, demo, "v"); err != nil {
			b.Fatal(err)
		}
	}
}
