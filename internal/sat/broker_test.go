package sat

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/keyring"
	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/store/sqlite"
	"github.com/snapbridge/snapbridge/internal/tenant"
	"github.com/snapbridge/snapbridge/internal/tokens"
)

// fakeLinkedIn hands out SATs with a chosen lifetime and counts calls;
// the real client and stand-in are exercised by internal/server's tests.
type fakeLinkedIn struct {
	calls    atomic.Int32
	lifetime time.Duration
	now      func() time.Time
	failWith []error // answered in turn before any token
	delay    time.Duration
}

func (f *fakeLinkedIn) SalesAccessToken(ctx context.Context, member string) (linkedin.SalesAccessToken, error) {
	n := f.calls.Add(1)
	time.Sleep(f.delay)
	if len(f.failWith) > 0 {
		err := f.failWith[0]
		f.failWith = f.failWith[1:]
		return linkedin.SalesAccessToken{}, err
	}
	return linkedin.SalesAccessToken{Token: member + "-sat-" + string(rune('0'+n)), ExpiresAt: f.now().Add(f.lifetime)}, nil
}

// fakeMembers answers one member token; its generation is the token.
type fakeMembers struct {
	token    string
	err      error
	rejected atomic.Int32
}

func (m *fakeMembers) Grant(context.Context, *tenant.Tenant, string) (tokens.Grant, error) {
	return tokens.Grant{AccessToken: m.token, Generation: m.token}, m.err
}

func (m *fakeMembers) Generation(context.Context, *tenant.Tenant, string) (string, error) {
	return m.token, m.err
}

func (m *fakeMembers) Rejected(context.Context, *tenant.Tenant, string) error {
	m.rejected.Add(1)
	m.token = "refreshed"
	return nil
}

var demo = &tenant.Tenant{ID: "demo"}

func TestBroker(t *testing.T) {
	errNotConnected := errors.New("not connected")
	for _, tc := range []struct {
		scenario string
		run      func(t *testing.T, clock *time.Time, li *fakeLinkedIn, m *fakeMembers, b *Broker)
	}{
		{"a live token is reused until shortly before it expires", func(t *testing.T, clock *time.Time, li *fakeLinkedIn, m *fakeMembers, b *Broker) {
			first, _ := b.Token(context.Background(), demo, "v")
			*clock = clock.Add(28 * time.Minute)
			again, _ := b.Token(context.Background(), demo, "v")
			*clock = clock.Add(90 * time.Second) // 30s before expiry: inside the renewal margin
			renewed, _ := b.Token(context.Background(), demo, "v")
			if first.Token != again.Token || renewed.Token == first.Token || li.calls.Load() != 2 {
				t.Errorf("tokens %q %q %q after %d calls", first.Token, again.Token, renewed.Token, li.calls.Load())
			}
		}},
		{"viewers do not share tokens", func(t *testing.T, _ *time.Time, li *fakeLinkedIn, m *fakeMembers, b *Broker) {
			_, _ = b.Token(context.Background(), demo, "a")
			_, _ = b.Token(context.Background(), demo, "b")
			_, _ = b.Token(context.Background(), &tenant.Tenant{ID: "other"}, "a")
			if li.calls.Load() != 3 {
				t.Errorf("%d upstream calls for 3 distinct viewers", li.calls.Load())
			}
		}},
		{"a token expired on arrival is refused and not cached", func(t *testing.T, _ *time.Time, li *fakeLinkedIn, m *fakeMembers, b *Broker) {
			li.lifetime = 10 * time.Second
			if _, err := b.Token(context.Background(), demo, "v"); !errors.Is(err, ErrExpiredOnArrival) {
				t.Fatalf("err = %v, want ErrExpiredOnArrival", err)
			}
			li.lifetime = 30 * time.Minute
			if tok, err := b.Token(context.Background(), demo, "v"); err != nil || li.calls.Load() != 2 {
				t.Errorf("next request: %v, %v after %d calls", tok, err, li.calls.Load())
			}
		}},
		{"a refused member token is refreshed once and the call retried", func(t *testing.T, _ *time.Time, li *fakeLinkedIn, m *fakeMembers, b *Broker) {
			li.failWith = []error{&linkedin.Error{Status: 401, Message: "expired"}}
			tok, err := b.Token(context.Background(), demo, "v")
			if err != nil || m.rejected.Load() != 1 || tok.Token != "refreshed-sat-2" {
				t.Errorf("got %v, %v; rejected %d", tok, err, m.rejected.Load())
			}
		}},
		{"a member token refused again after the refresh is not retried a third time", func(t *testing.T, _ *time.Time, li *fakeLinkedIn, m *fakeMembers, b *Broker) {
			refused := &linkedin.Error{Status: 401, Message: "expired"}
			li.failWith = []error{refused, refused, refused}
			_, err := b.Token(context.Background(), demo, "v")
			if !linkedin.IsUnauthorized(err) || li.calls.Load() != 2 || m.rejected.Load() != 1 {
				t.Errorf("err = %v after %d calls, %d refreshes; want LinkedIn's refusal after 2 calls and 1 refresh", err, li.calls.Load(), m.rejected.Load())
			}
		}},
		{"not connected passes through untouched", func(t *testing.T, _ *time.Time, li *fakeLinkedIn, m *fakeMembers, b *Broker) {
			m.err = errNotConnected
			if _, err := b.Token(context.Background(), demo, "v"); !errors.Is(err, errNotConnected) || li.calls.Load() != 0 {
				t.Errorf("err = %v after %d calls", err, li.calls.Load())
			}
		}},
		{"50 concurrent requests make one upstream call", func(t *testing.T, _ *time.Time, li *fakeLinkedIn, m *fakeMembers, b *Broker) {
			li.delay = 20 * time.Millisecond
			var wg sync.WaitGroup
			for range 50 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := b.Token(context.Background(), demo, "v"); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			if li.calls.Load() != 1 {
				t.Errorf("%d upstream calls, want 1", li.calls.Load())
			}
		}},
		{"forget drops the cached token", func(t *testing.T, _ *time.Time, li *fakeLinkedIn, m *fakeMembers, b *Broker) {
			_, _ = b.Token(context.Background(), demo, "v")
			b.Forget("demo", "v")
			_, _ = b.Token(context.Background(), demo, "v")
			if li.calls.Load() != 2 {
				t.Errorf("%d upstream calls, want 2", li.calls.Load())
			}
		}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			clock := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
			var mu sync.Mutex
			now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
			li := &fakeLinkedIn{lifetime: 30 * time.Minute, now: now}
			m := &fakeMembers{token: "member"}
			tc.run(t, &clock, li, m, NewBroker(li, m, time.Minute, now))
		})
	}
}

// A token is handed out again until the renewal margin before its expiry;
// inside the margin a new one is fetched. Zero means the 60s default.
func TestBrokerRenewsTheMarginAheadOfExpiry(t *testing.T) {
	for _, tc := range []struct {
		scenario    string
		margin      time.Duration
		age         time.Duration // of a 30-minute token at the second request
		wantRenewed bool
	}{
		{"default margin: reused 61s before expiry", 0, 28*time.Minute + 59*time.Second, false},
		{"default margin: renewed 59s before expiry", 0, 29*time.Minute + time.Second, true},
		{"five-minute margin: reused 301s before expiry", 5 * time.Minute, 24*time.Minute + 59*time.Second, false},
		{"five-minute margin: renewed 299s before expiry", 5 * time.Minute, 25*time.Minute + time.Second, true},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			clock := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
			now := func() time.Time { return clock }
			li := &fakeLinkedIn{lifetime: 30 * time.Minute, now: now}
			b := NewBroker(li, &fakeMembers{token: "member"}, tc.margin, now)
			first, err := b.Token(context.Background(), demo, "v")
			if err != nil {
				t.Fatal(err)
			}
			clock = clock.Add(tc.age)
			second, err := b.Token(context.Background(), demo, "v")
			if err != nil {
				t.Fatal(err)
			}
			if renewed := second.Token != first.Token; renewed != tc.wantRenewed {
				t.Fatalf("renewed = %v (%q then %q), want %v", renewed, first.Token, second.Token, tc.wantRenewed)
			}
		})
	}
}

// memberStore is a real SQLite store and key ring, as instances share them.
func memberStore(t testing.TB) (*sqlite.DB, *keyring.KeyRing) {
	t.Helper()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "snapbridge.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, testRing(t)
}

// connectedViewer stores a live member token ("member") for viewer v of
// demo in a real vault and returns the vault and the member-token service
// over it.
func connectedViewer(t *testing.T, now func() time.Time) (*tokens.Vault, *tokens.MemberTokens) {
	t.Helper()
	db, ring := memberStore(t)
	vault := tokens.NewVault(db, ring, now)
	// No refresh token: a member token LinkedIn refuses cannot be renewed,
	// so the refresh client is never called.
	connectAs(t, vault, "member", now)
	return vault, tokens.NewMemberTokens(vault, nil, now)
}

// connectAs stores member as viewer v's live member token, as confirming
// a connect does.
func connectAs(t *testing.T, vault *tokens.Vault, member string, now func() time.Time) {
	t.Helper()
	if err := vault.Save(context.Background(), "demo", "v", linkedin.Token{AccessToken: member, ExpiresAt: now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
}

// wiredBroker is a broker told of the vault's changes, as the server wires it.
func wiredBroker(li LinkedIn, vault *tokens.Vault, members MemberTokens, now func() time.Time) *Broker {
	b := NewBroker(li, members, time.Minute, now)
	vault.OnChange(b.MemberChanged)
	return b
}

// A Sales Access Token must not outlive the viewer's LinkedIn
// authorization: once the viewer disconnects or is revoked, the cached
// token is no longer handed out, and a viewer connected again (as another
// LinkedIn member, say) gets a new one.
func TestBrokerDropsTokensOfViewersNoLongerConnected(t *testing.T) {
	for _, tc := range []struct {
		scenario      string
		end           func(ctx context.Context, v *tokens.Vault) error
		stillConnects bool
	}{
		{scenario: "revoked (another service met a 401 it cannot refresh)", end: func(ctx context.Context, v *tokens.Vault) error {
			if err := tokens.NewMemberTokens(v, nil, nil).Rejected(ctx, demo, "v"); !errors.Is(err, tokens.ErrNotConnected) {
				return fmt.Errorf("Rejected = %v, want ErrNotConnected", err)
			}
			return nil
		}},
		{scenario: "disconnected", end: func(ctx context.Context, v *tokens.Vault) error { return v.Disconnect(ctx, "demo", "v") }},
		{scenario: "connected again as another LinkedIn member", stillConnects: true, end: func(ctx context.Context, v *tokens.Vault) error {
			return v.Save(ctx, "demo", "v", linkedin.Token{AccessToken: "member2", ExpiresAt: time.Date(2026, 11, 22, 13, 0, 0, 0, time.UTC)})
		}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			ctx := context.Background()
			now := func() time.Time { return time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC) }
			vault, members := connectedViewer(t, now)
			li := &fakeLinkedIn{lifetime: 30 * time.Minute, now: now}
			b := wiredBroker(li, vault, members, now)
			if _, err := b.Token(ctx, demo, "v"); err != nil {
				t.Fatal(err)
			}
			if err := tc.end(ctx, vault); err != nil {
				t.Fatal(err)
			}
			tok, err := b.Token(ctx, demo, "v")
			if tc.stillConnects {
				if err != nil || tok.Token != "member2-sat-2" {
					t.Fatalf("after the reconnect: %q, %v; want member2's new token", tok.Token, err)
				}
				return
			}
			if !errors.Is(err, tokens.ErrNotConnected) {
				t.Fatalf("after the authorization ended: %q, %v; want ErrNotConnected", tok.Token, err)
			}
			connectAs(t, vault, "member2", now)
			again, err := b.Token(ctx, demo, "v")
			if err != nil || again.Token != "member2-sat-2" {
				t.Fatalf("after reconnecting: %q, %v after %d calls; want member2's new token", again.Token, err, li.calls.Load())
			}
		})
	}
}

// gatedLinkedIn answers only when released, so a test can act while a
// fetch is under way.
type gatedLinkedIn struct {
	calls   atomic.Int32
	started chan struct{}
	release chan struct{}
	now     func() time.Time
}

func (g *gatedLinkedIn) SalesAccessToken(ctx context.Context, member string) (linkedin.SalesAccessToken, error) {
	n := g.calls.Add(1)
	g.started <- struct{}{}
	<-g.release
	return linkedin.SalesAccessToken{Token: fmt.Sprintf("%s-sat-%d", member, n), ExpiresAt: g.now().Add(30 * time.Minute)}, nil
}

// A fetch that began before Forget (a disconnect) still answers its
// caller, but its token must not come back into the cache: the next
// request asks LinkedIn again.
func TestBrokerForgetWinsOverAFetchUnderWay(t *testing.T) {
	for _, tc := range []struct {
		scenario  string
		forget    bool
		wantCalls int32
	}{
		{"forgotten while fetching", true, 2},
		{"not forgotten", false, 1},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			now := func() time.Time { return time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC) }
			li := &gatedLinkedIn{started: make(chan struct{}, 2), release: make(chan struct{}), now: now}
			b := NewBroker(li, &fakeMembers{token: "member"}, time.Minute, now)
			done := make(chan error, 1)
			go func() {
				_, err := b.Token(context.Background(), demo, "v")
				done <- err
			}()
			<-li.started
			if tc.forget {
				b.Forget("demo", "v")
			}
			close(li.release)
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			if _, err := b.Token(context.Background(), demo, "v"); err != nil {
				t.Fatal(err)
			}
			if n := li.calls.Load(); n != tc.wantCalls {
				t.Fatalf("%d upstream calls, want %d", n, tc.wantCalls)
			}
		})
	}
}

// Viewers who never come back must not keep their expired tokens in
// memory for ever.
func TestBrokerEvictsExpiredTokens(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		viewers  int
		later    time.Duration
		wantLen  int
	}{
		{"a thousand viewers gone for an hour leave only the newcomers", 1000, time.Hour, 1001},
		{"a thousand viewers still within their tokens' life are kept", 1000, time.Minute, 2001},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			clock := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
			var mu sync.Mutex
			now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
			li := &fakeLinkedIn{lifetime: 30 * time.Minute, now: now}
			b := NewBroker(li, &fakeMembers{token: "member"}, time.Minute, now)
			for i := range tc.viewers {
				if _, err := b.Token(context.Background(), demo, fmt.Sprint("viewer-", i)); err != nil {
					t.Fatal(err)
				}
			}
			mu.Lock()
			clock = clock.Add(tc.later)
			mu.Unlock()
			// Enough newcomers that the cache doubles and is swept.
			for i := range tc.viewers + 1 {
				if _, err := b.Token(context.Background(), demo, fmt.Sprint("newcomer-", i)); err != nil {
					t.Fatal(err)
				}
			}
			b.mu.Lock()
			n := len(b.cache)
			b.mu.Unlock()
			if n != tc.wantLen {
				t.Fatalf("the cache holds %d tokens, want %d", n, tc.wantLen)
			}
		})
	}
}
