package shared_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/shared"
	"github.com/snapbridge/snapbridge/internal/shared/redistest"
)

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func TestWidgetKeepsWorkingWhileRedisIsAwayAndSharesAgainAfter(t *testing.T) {
	srv := redistest.Start(t)
	clk := &clock{t: time.Unix(1_800_000_000, 0)}
	var logs syncBuffer
	f := shared.NewFailover(shared.FailoverConfig{Redis: newRedis(t, srv.URL), Now: clk.now,
		Logger: slog.New(slog.NewTextHandler(&logs, nil)), RetryEvery: time.Second})
	other := newRedis(t, srv.URL)
	ctx := context.Background()

	if err := f.Set(ctx, "k", []byte("shared"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if v, ok, _ := other.Get(ctx, "k"); !ok || string(v) != "shared" {
		t.Fatalf("another instance reads %q, %v; want the shared value", v, ok)
	}
	if m := f.Mode(ctx); m != shared.ModeRedis {
		t.Fatalf("Mode = %q, want %q", m, shared.ModeRedis)
	}

	srv.Stop()
	for i := range 5 {
		if err := f.Set(ctx, "k", []byte("local"), time.Hour); err != nil {
			t.Fatalf("Set %d while Redis is away: %v", i, err)
		}
		if v, ok, err := f.Get(ctx, "k"); err != nil || !ok || string(v) != "local" {
			t.Fatalf("Get %d while Redis is away = %q, %v, %v; want the in-process value", i, v, ok, err)
		}
		release, taken, err := f.Take(ctx, "lock", time.Minute)
		if err != nil || !taken {
			t.Fatalf("Take %d while Redis is away = %v, %v", i, taken, err)
		}
		release()
	}
	if m := f.Mode(ctx); m != shared.ModeDegraded {
		t.Fatalf("Mode while Redis is away = %q, want %q", m, shared.ModeDegraded)
	}
	if n := strings.Count(logs.String(), "Redis does not answer"); n != 1 {
		t.Fatalf("the outage was logged %d times, want once:\n%s", n, logs.String())
	}

	srv.Restart()
	if v, _, _ := f.Get(ctx, "k"); string(v) != "local" {
		t.Fatalf("before the retry is due, Get = %q, want the in-process value", v)
	}
	clk.advance(time.Second)
	if m := f.Mode(ctx); m != shared.ModeRedis {
		t.Fatalf("Mode once Redis answers again = %q, want %q", m, shared.ModeRedis)
	}
	if err := f.Set(ctx, "k", []byte("shared again"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if v, ok, _ := other.Get(ctx, "k"); !ok || string(v) != "shared again" {
		t.Fatalf("after recovery another instance reads %q, %v", v, ok)
	}
	if n := strings.Count(logs.String(), "Redis answers again"); n != 1 {
		t.Fatalf("the recovery was logged %d times, want once:\n%s", n, logs.String())
	}
}

func TestSlowRedisDoesNotStallCallers(t *testing.T) {
	// A listener that accepts and never answers: a Redis that hangs.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	}()
	r, err := shared.NewRedis("redis://"+ln.Addr().String()+"/0", 50*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	f := shared.NewFailover(shared.FailoverConfig{Redis: r, Logger: slog.New(slog.DiscardHandler)})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := f.Set(ctx, "k", []byte("v"), time.Minute); err != nil {
		t.Fatalf("Set on a hanging Redis: %v", err)
	}
	if v, ok, err := f.Get(ctx, "k"); err != nil || !ok || string(v) != "v" {
		t.Fatalf("Get on a hanging Redis = %q, %v, %v; want the in-process value", v, ok, err)
	}
	if m := f.Mode(ctx); m != shared.ModeDegraded {
		t.Fatalf("Mode = %q, want %q", m, shared.ModeDegraded)
	}
}

func TestRedisURLIsChecked(t *testing.T) {
	for _, tc := range []struct {
		scenario, url string
		ok            bool
	}{
		{"redis", "redis://127.0.0.1:6379/0", true},
		{"tls with password", "rediss://:secret@redis.example.com:6380/2", true},
		{"wrong scheme", "http://127.0.0.1:6379", false},
		{"no host", "redis://", false},
		{"bad database", "redis://127.0.0.1:6379/notanumber", false},
		{"not a url", "::", false},
		{"bad database with password", "redis://:secret@127.0.0.1:6379/x", false},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			_, err := shared.ParseRedisURL(tc.url)
			if (err == nil) != tc.ok {
				t.Fatalf("ParseRedisURL(%q) = %v, want ok=%v", tc.url, err, tc.ok)
			}
			if err != nil && strings.Contains(err.Error(), "secret") {
				t.Fatalf("the error quotes the password: %v", err)
			}
		})
	}
}

// TestNotificationsResumeWhenRedisComesBack: a subscription made while
// Redis was away, or cut when it went away, hears messages once it is back.
func TestNotificationsResumeWhenRedisComesBack(t *testing.T) {
	srv := redistest.Start(t)
	sub := newRedis(t, srv.URL)
	pub := newRedis(t, srv.URL)
	got := make(chan string, 16)
	defer sub.Subscribe("tenants", func(m string) { got <- m })()
	srv.Stop()
	late := newRedis(t, srv.URL)
	defer late.Subscribe("tenants", func(m string) { got <- "late:" + m })()
	srv.Restart()
	heard := map[string]bool{}
	deadline := time.After(10 * time.Second)
	for !heard["acme"] || !heard["late:acme"] {
		// Published again until heard: a subscription comes back a moment
		// after the server does.
		if err := pub.Publish(context.Background(), "tenants", "acme"); err != nil {
			t.Fatal(err)
		}
		select {
		case m := <-got:
			heard[m] = true
		case <-time.After(100 * time.Millisecond):
		case <-deadline:
			t.Fatalf("after Redis came back the subscriptions heard only %v", heard)
		}
	}
}

// TestSubscribersHearTheyMayHaveMissedMessagesWhenRedisReturns: what other
// instances published while Redis was away never reached this one, so its
// subscribers are told once Redis answers again.
func TestSubscribersHearTheyMayHaveMissedMessagesWhenRedisReturns(t *testing.T) {
	srv := redistest.Start(t)
	clk := &clock{t: time.Unix(1_800_000_000, 0)}
	f := shared.NewFailover(shared.FailoverConfig{Redis: newRedis(t, srv.URL), Now: clk.now,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), RetryEvery: time.Second})
	got := make(chan string, 16)
	defer f.Subscribe("tenants", func(m string) { got <- m })()
	ctx := context.Background()

	srv.Stop()
	_ = f.Set(ctx, "k", []byte("v"), time.Hour) // notices Redis is away
	srv.Restart()
	clk.advance(time.Second)
	if m := f.Mode(ctx); m != shared.ModeRedis {
		t.Fatalf("Mode = %q, want %q", m, shared.ModeRedis)
	}
	select {
	case m := <-got:
		if m != shared.MissedMessages {
			t.Fatalf("the subscriber heard %q, want shared.MissedMessages", m)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the subscriber was not told it may have missed messages")
	}
}
