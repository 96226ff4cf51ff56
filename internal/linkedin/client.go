// Package linkedin is the only code in snapbridge that talks to LinkedIn
// over HTTP: OAuth 2.0 (member and application tokens), Sales Access Tokens
// and Profile Associations, plus the Display Services iframe URL.
package linkedin

import (
	"net/http"
	"strings"
	"time"
)

// Default endpoints and limits; Config fields left zero take these.
const (
	DefaultAPIBase    = "https://api.linkedin.com/v2"
	DefaultRestBase   = "https://api.linkedin.com/rest"
	DefaultAuthURL    = "https://www.linkedin.com/oauth/v2/authorization"
	DefaultTokenURL   = "https://www.linkedin.com/oauth/v2/accessToken"
	DefaultDisplayURL = "https://www.linkedin.com/sales/widget/profile-matching"
	DefaultTimeout    = 10 * time.Second
	DefaultMaxRetries = 2
)

// maxBody bounds how much of any LinkedIn answer is read, so a broken or
// hostile upstream cannot exhaust memory.
const maxBody = 1 << 20

// Config says where LinkedIn is and how patiently to talk to it.
type Config struct {
	// APIBase is the v2 API. Default: https://api.linkedin.com/v2.
	APIBase string
	// RestBase is the versioned API (compliance). Default:
	// https://api.linkedin.com/rest.
	RestBase string
	// AuthURL is the OAuth consent page. Default:
	// https://www.linkedin.com/oauth/v2/authorization.
	AuthURL string
	// TokenURL is the OAuth token endpoint. Default:
	// https://www.linkedin.com/oauth/v2/accessToken.
	TokenURL string
	// Timeout bounds one attempt (connect, send, read the answer).
	// Default: 10s.
	Timeout time.Duration
	// MaxRetries is how many times an idempotent call is repeated after a
	// 5xx, a timeout or a connection error. Default: 2; negative disables
	// retries.
	MaxRetries int
	// HTTPClient sends every request. Default: a client whose Timeout is
	// Timeout.
	HTTPClient *http.Client
}

// Client talks to LinkedIn. It is safe for concurrent use.
type Client struct {
	cfg     Config
	http    *http.Client
	backoff backoff
}

// New returns a Client for cfg, filling in the defaults documented on
// Config.
func New(cfg Config) *Client {
	cfg.APIBase = strings.TrimRight(orDefault(cfg.APIBase, DefaultAPIBase), "/")
	cfg.RestBase = strings.TrimRight(orDefault(cfg.RestBase, DefaultRestBase), "/")
	cfg.AuthURL = orDefault(cfg.AuthURL, DefaultAuthURL)
	cfg.TokenURL = orDefault(cfg.TokenURL, DefaultTokenURL)
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	switch {
	case cfg.MaxRetries == 0:
		cfg.MaxRetries = DefaultMaxRetries
	case cfg.MaxRetries < 0:
		cfg.MaxRetries = 0
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: cfg.Timeout}
	}
	return &Client{cfg: cfg, http: hc, backoff: backoff{base: backoffBase, max: backoffMax}}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
