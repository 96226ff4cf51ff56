package linkedin

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// sent is what LinkedIn received in one call, as on the wire.
type sent struct {
	Method        string
	RequestURI    string // the raw request target: path and query as sent
	Authorization string
	Restli        string
	Version       string // LinkedIn-Version
	ContentType   string
	Body          string
}

// platform is an upstream that also records every request.
type platform struct {
	*upstream
	mu   sync.Mutex
	reqs []sent
}

// newPlatform starts a recording upstream and a Client whose v2 and
// versioned bases both point at it.
func newPlatform(t *testing.T, h func(n int, w http.ResponseWriter, r *http.Request)) (*Client, *platform) {
	t.Helper()
	p := &platform{}
	_, up := newUpstream(t, func(n int, w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		p.mu.Lock()
		p.reqs = append(p.reqs, sent{
			Method:        r.Method,
			RequestURI:    r.RequestURI,
			Authorization: r.Header.Get("Authorization"),
			Restli:        r.Header.Get("X-Restli-Protocol-Version"),
			Version:       r.Header.Get("LinkedIn-Version"),
			ContentType:   r.Header.Get("Content-Type"),
			Body:          string(body),
		})
		p.mu.Unlock()
		h(n, w, r)
	})
	p.upstream = up
	c := New(Config{APIBase: up.srv.URL + "/v2", RestBase: up.srv.URL + "/rest", Timeout: 2 * time.Second})
	return c, p
}

// check asserts LinkedIn saw exactly calls requests, each equal to want.
func (p *platform) check(t *testing.T, want sent, calls int) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.reqs) != calls {
		t.Errorf("LinkedIn saw %d calls, want %d", len(p.reqs), calls)
	}
	for i, got := range p.reqs {
		if got != want {
			t.Errorf("call %d:\n got %+v\nwant %+v", i+1, got, want)
		}
	}
}

// wantBadRequest asserts err was refused before calling LinkedIn and says
// why.
func wantBadRequest(t *testing.T, err error, says string) {
	t.Helper()
	if !errors.Is(err, ErrBadRequest) {
		t.Fatalf("error %v is not ErrBadRequest", err)
	}
	if !strings.Contains(err.Error(), says) {
		t.Fatalf("error %q does not say %q", err, says)
	}
}

// wantMalformed asserts err is a malformed answer saying why.
func wantMalformed(t *testing.T, err error, says string) {
	t.Helper()
	if !errors.Is(err, ErrMalformed) {
		t.Fatalf("error %v is not ErrMalformed", err)
	}
	if !strings.Contains(err.Error(), says) {
		t.Fatalf("error %q does not say %q", err, says)
	}
}

func TestPlatformCallsKeepTokensOutOfErrors(t *testing.T) {
	const token = "AQV-platform-secret-token"
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	auth := ComplianceAuthorization{DeveloperApplication: "urn:li:developerApplication:1", Member: "urn:li:person:a"}
	dyn := CRMInstanceURN("DYNAMICS", "contoso.crm.dynamics.com")
	tests := []struct {
		scenario string
		call     func(c *Client) error
	}{
		{scenario: "sales contracts", call: func(c *Client) error { _, err := c.SalesContracts(context.Background(), token); return err }},
		{scenario: "create analytics export", call: func(c *Client) error {
			_, err := c.CreateAnalyticsExport(context.Background(), token, ExportSeatData, "urn:li:salesContract:1", start, start.Add(time.Hour))
			return err
		}},
		{scenario: "analytics export", call: func(c *Client) error {
			_, err := c.AnalyticsExport(context.Background(), token, 1, "urn:li:salesContract:1")
			return err
		}},
		{scenario: "create validation export", call: func(c *Client) error {
			_, err := c.CreateValidationExport(context.Background(), token, dyn, start)
			return err
		}},
		{scenario: "validation export", call: func(c *Client) error { _, err := c.ValidationExport(context.Background(), token, dyn, 1); return err }},
		{scenario: "compliance opt-in", call: func(c *Client) error { return c.OptInCompliance(context.Background(), token) }},
		{scenario: "compliance authorizations", call: func(c *Client) error {
			_, err := c.ComplianceAuthorizations(context.Background(), token)
			return err
		}},
		{scenario: "compliance opt-out", call: func(c *Client) error { return c.OptOutCompliance(context.Background(), token, auth) }},
		{scenario: "compliance events", call: func(c *Client) error {
			_, err := c.ComplianceEvents(context.Background(), token, start, 10)
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			c, _ := newPlatform(t, func(n int, w http.ResponseWriter, r *http.Request) {
				liError(w, 401, 65600, "Invalid access token "+strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
			})
			err := tt.call(c)
			if !IsUnauthorized(err) {
				t.Fatalf("IsUnauthorized(%v) = false", err)
			}
			if strings.Contains(err.Error(), token) {
				t.Fatalf("error %q contains the token", err)
			}
		})
	}
}

func TestPlatformPostsAreNeverRetried(t *testing.T) {
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		scenario string
		handler  func(n int, w http.ResponseWriter, r *http.Request)
		call     func(c *Client) error
		status   int
	}{
		{
			scenario: "analytics export creation failing with 500",
			handler:  func(n int, w http.ResponseWriter, r *http.Request) { liError(w, 500, 0, "Internal Server Error") },
			call: func(c *Client) error {
				_, err := c.CreateAnalyticsExport(context.Background(), "tok", ExportActivityData, "urn:li:salesContract:1", start, start.Add(time.Hour))
				return err
			},
			status: 500,
		},
		{
			scenario: "validation export creation failing with 503",
			handler:  func(n int, w http.ResponseWriter, r *http.Request) { liError(w, 503, 0, "Service Unavailable") },
			call: func(c *Client) error {
				_, err := c.CreateValidationExport(context.Background(), "tok", CRMInstanceURN("DYNAMICS", "x"), start)
				return err
			},
			status: 503,
		},
		{
			scenario: "compliance opt-in failing with 502",
			handler:  func(n int, w http.ResponseWriter, r *http.Request) { liError(w, 502, 0, "Bad Gateway") },
			call:     func(c *Client) error { return c.OptInCompliance(context.Background(), "tok") },
			status:   502,
		},
		{
			scenario: "compliance opt-in whose connection drops",
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				conn, _, err := http.NewResponseController(w).Hijack()
				if err == nil {
					conn.Close()
				}
			},
			call:   func(c *Client) error { return c.OptInCompliance(context.Background(), "tok") },
			status: 0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			c, p := newPlatform(t, tt.handler)
			err := tt.call(c)
			wantErrorStatus(t, err, tt.status)
			if calls := p.calls.Load(); calls != 1 {
				t.Fatalf("LinkedIn saw %d calls, want 1", calls)
			}
		})
	}
}

func TestExpiryMillis(t *testing.T) {
	tests := []struct {
		scenario string
		v        int64
		want     time.Time
	}{
		{scenario: "absent is the zero time", v: 0, want: time.Time{}},
		{scenario: "milliseconds as documented", v: 1735693200000, want: time.UnixMilli(1735693200000)},
		{scenario: "seconds as in LinkedIn's example", v: 1640200000, want: time.Unix(1640200000, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			if got := expiryMillis(tt.v); !got.Equal(tt.want) {
				t.Fatalf("expiryMillis(%d) = %v, want %v", tt.v, got, tt.want)
			}
		})
	}
}
