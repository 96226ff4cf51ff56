package sat

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/tenant"
)

// fakeLinkedIn hands out SATs with a chosen lifetime and counts calls;
// the real client and stand-in are exercised by internal/server's tests.
type fakeLinkedIn struct {
	calls    atomic.Int32
	lifetime time.Duration
	now      func() time.Time
	failWith error
	delay    time.Duration
}

func (f *fakeLinkedIn) SalesAccessToken(ctx context.Context, member string) (linkedin.SalesAccessToken, error) {
	n := f.calls.Add(1)
	time.Sleep(f.delay)
	if f.failWith != nil {
		err := f.failWith
		f.failWith = nil
		return linkedin.SalesAccessToken{}, err
	}
	return linkedin.SalesAccessToken{Token: member + "-sat-" + string(rune('0'+n)), ExpiresAt: f.now().Add(f.lifetime)}, nil
}

type fakeMembers struct {
	token    string
	err      error
	rejected atomic.Int32
}

func (m *fakeMembers) AccessToken(context.Context, *tenant.Tenant, string) (string, error) {
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
			li.failWith = &linkedin.Error{Status: 401, Message: "expired"}
			tok, err := b.Token(context.Background(), demo, "v")
			if err != nil || m.rejected.Load() != 1 || tok.Token != "refreshed-sat-2" {
				t.Errorf("got %v, %v; rejected %d", tok, err, m.rejected.Load())
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
