package linkedin

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/loopback"
)

func TestBackoffDelay(t *testing.T) {
	b := New(Config{}).backoff
	tests := []struct {
		scenario string
		n        int
		lo, hi   time.Duration
	}{
		{scenario: "first retry waits 50-100 ms", n: 0, lo: 50 * time.Millisecond, hi: 100 * time.Millisecond},
		{scenario: "second retry waits 100-200 ms", n: 1, lo: 100 * time.Millisecond, hi: 200 * time.Millisecond},
		{scenario: "waits are capped at 2 s", n: 6, lo: time.Second, hi: 2 * time.Second},
		{scenario: "huge attempt numbers do not overflow", n: 200, lo: time.Second, hi: 2 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			for range 200 {
				if d := b.delay(tt.n); d < tt.lo || d >= tt.hi {
					t.Fatalf("delay(%d) = %v, want in [%v, %v)", tt.n, d, tt.lo, tt.hi)
				}
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		scenario string
		header   string
		want     time.Duration
	}{
		{scenario: "absent", header: "", want: 0},
		{scenario: "delay seconds", header: "42", want: 42 * time.Second},
		{scenario: "HTTP date", header: "Sat, 01 Mar 2025 12:01:30 GMT", want: 90 * time.Second},
		{scenario: "date in the past", header: "Sat, 01 Mar 2025 11:00:00 GMT", want: 0},
		{scenario: "negative", header: "-5", want: 0},
		{scenario: "absurdly large is a day", header: "99999999999999", want: 24 * time.Hour},
		{scenario: "garbage", header: "soon", want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			if got := retryAfter(tt.header, now); got != tt.want {
				t.Fatalf("retryAfter(%q) = %v, want %v", tt.header, got, tt.want)
			}
		})
	}
}

func TestTimeouts(t *testing.T) {
	sat := map[string]any{"elements": []any{map[string]any{"token": "sat", "expiryTime": 1900000000}}}
	// hang holds the call until the client gives up on it.
	hang := func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}
	tests := []struct {
		scenario   string
		maxRetries int
		handler    func(n int, w http.ResponseWriter, r *http.Request)
		wantCalls  int
		wantErr    bool
	}{
		{
			scenario: "a timed-out attempt is retried",
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				if n == 1 {
					hang(w, r)
					return
				}
				writeJSON(w, 200, sat)
			},
			wantCalls: 2,
		},
		{
			scenario:  "every attempt timing out gives up after two retries",
			handler:   func(n int, w http.ResponseWriter, r *http.Request) { hang(w, r) },
			wantCalls: 3,
			wantErr:   true,
		},
		{
			scenario:   "negative MaxRetries disables retries",
			maxRetries: -1,
			handler:    func(n int, w http.ResponseWriter, r *http.Request) { hang(w, r) },
			wantCalls:  1,
			wantErr:    true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			_, up := newUpstream(t, tt.handler)
			c := New(Config{APIBase: up.srv.URL + "/v2", Timeout: 150 * time.Millisecond, MaxRetries: tt.maxRetries})
			_, err := c.SalesAccessToken(context.Background(), "member")
			if calls := int(up.calls.Load()); calls != tt.wantCalls {
				t.Errorf("LinkedIn saw %d calls, want %d", calls, tt.wantCalls)
			}
			if !tt.wantErr {
				if err != nil {
					t.Fatalf("SalesAccessToken: %v", err)
				}
				return
			}
			if le := wantErrorStatus(t, err, 0); le.Err == nil {
				t.Fatalf("transport error lost: %+v", le)
			}
		})
	}
}

func TestRetriesEndWithContext(t *testing.T) {
	tests := []struct {
		scenario string
		timeout  time.Duration
		maxCalls int
	}{
		{scenario: "caller's deadline stops the retries early", timeout: 250 * time.Millisecond, maxCalls: 4},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			_, up := newUpstream(t, func(n int, w http.ResponseWriter, r *http.Request) { liError(w, 500, 0, "down") })
			c := New(Config{APIBase: up.srv.URL + "/v2", MaxRetries: 50})
			ctx, cancel := context.WithTimeout(context.Background(), tt.timeout)
			defer cancel()
			start := time.Now()
			_, err := c.SalesAccessToken(ctx, "member")
			if took := time.Since(start); took > tt.timeout+500*time.Millisecond {
				t.Fatalf("took %v, want about %v", took, tt.timeout)
			}
			if calls := int(up.calls.Load()); calls > tt.maxCalls {
				t.Fatalf("LinkedIn saw %d calls, want at most %d", calls, tt.maxCalls)
			}
			wantErrorStatus(t, err, 500)
		})
	}
}

func TestUnreachable(t *testing.T) {
	// A free port: nothing listens there.
	addr, err := loopback.Addr()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		scenario string
		call     func(c *Client) error
	}{
		{
			scenario: "profile association with LinkedIn down",
			call: func(c *Client) error {
				_, err := c.ProfileAssociation(context.Background(), "tok", AssociationKey{Partner: "MS", InstanceID: "i", RecordID: "1"})
				return err
			},
		},
		{
			scenario: "app token with LinkedIn down",
			call: func(c *Client) error {
				_, err := c.AppToken(context.Background(), testApp, ScopeProfiles)
				return err
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			c := New(Config{APIBase: "http://" + addr + "/v2", TokenURL: "http://" + addr + "/token", Timeout: time.Second})
			err := tt.call(c)
			le := wantErrorStatus(t, err, 0)
			if le.Err == nil {
				t.Fatalf("transport error lost: %+v", le)
			}
		})
	}
}
