// Package config loads snapbridge's one typed configuration: defaults, then
// an optional YAML file, then SNAPBRIDGE_* environment variables, then
// command-line flags. It is loaded once in cmd/server and passed down.
package config

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/snapbridge/snapbridge/internal/sandbox"
	"github.com/snapbridge/snapbridge/internal/shared"
	"github.com/snapbridge/snapbridge/internal/tenant"
)

// Config is the whole server configuration.
type Config struct {
	// Addr is where the server listens. Default: 127.0.0.1:8080
	// (SNAPBRIDGE_ADDR, --addr).
	Addr string `yaml:"addr"`
	// PublicURL is the server's origin as browsers see it; OAuth redirect
	// URIs and postMessage origins derive from it. Default: http://<Addr>
	// (SNAPBRIDGE_PUBLIC_URL).
	PublicURL string `yaml:"publicUrl"`
	// DataDir holds, by default, the database, and in sandbox mode the
	// generated secrets. Default: ./var (SNAPBRIDGE_DATA_DIR).
	DataDir string `yaml:"dataDir"`
	// DB is the SQLite database file. Default: <DataDir>/snapbridge.db
	// (SNAPBRIDGE_DB, --db).
	DB string `yaml:"db"`
	// Database says which store to use. Default: SQLite in DB.
	Database Database `yaml:"database"`
	// LinkedIn says where LinkedIn is. Ignored in sandbox mode, where every
	// URL points at the built-in stand-in.
	LinkedIn LinkedIn `yaml:"linkedin"`
	// Sandbox runs the built-in LinkedIn stand-in and seeds demo tenants.
	Sandbox Sandbox `yaml:"sandbox"`
	// Demo is the demo CRM served next to the stand-in.
	Demo Demo `yaml:"demo"`
	// Secrets are the server's own keys. Outside sandbox mode the
	// encryption keys and the session key are required; in sandbox mode
	// unset ones are generated once and kept in <DataDir>/secrets.json
	// (mode 0600).
	Secrets Secrets `yaml:"secrets"`
	// Associations tunes the association resolver.
	Associations Associations `yaml:"associations"`
	// Platform tunes export polling and compliance archiving.
	Platform Platform `yaml:"platform"`
	// Purge tunes the removal of expired connect links and context ids.
	Purge Purge `yaml:"purge"`
	// Redis is where instances share caches, locks and notifications.
	Redis Redis `yaml:"redis"`
	// Metrics serves Prometheus metrics on a listener of its own.
	Metrics Metrics `yaml:"metrics"`
	// WasmDir holds the built widget (app.wasm and its .br/.gz).
	// Default: <DataDir>/build/web (SNAPBRIDGE_WASM_DIR).
	WasmDir string `yaml:"wasmDir"`
	// WidgetPrerenderBudget bounds how long the server waits, while it
	// prerenders a widget page, for what the page can show at once: cached
	// associations and the Sales Navigator panel (a Sales Access Token, or
	// the Connect link). Past it the widget asks for the rest itself. At
	// most 4s. Default: 150ms.
	WidgetPrerenderBudget time.Duration `yaml:"widgetPrerenderBudget"`
	// Version is the build's version, set by the binary (not configurable).
	Version string `yaml:"-"`
	// OperatorKey lets its holder create and manage every tenant through
	// the admin API (Authorization: Bearer <key>); at least 32 characters.
	// Default: none, no operator (SNAPBRIDGE_OPERATOR_KEY).
	OperatorKey string `yaml:"operatorKey"`
	// Tenants seed the database at start: a tenant whose id is not stored
	// yet is added; stored tenants (and admins' edits) are kept.
	Tenants []tenant.Tenant `yaml:"tenants"`
	// LogLevel is debug, info, warn or error; log.level, when set, wins.
	// Default: info (SNAPBRIDGE_LOG_LEVEL).
	LogLevel string `yaml:"logLevel"`
	// Log sets the log level and format.
	Log Log `yaml:"log"`
	// Tracing tunes OpenTelemetry tracing.
	Tracing Tracing `yaml:"tracing"`
	// ShutdownGrace bounds how long in-flight requests may finish on
	// SIGINT/SIGTERM. Default: 15s.
	ShutdownGrace time.Duration `yaml:"shutdownGrace"`
	// WriteTimeout bounds how long writing one answer may take. Streamed
	// downloads (the compliance archive) are bounded per chunk instead, so
	// a large archive is not cut off. Default: 60s.
	WriteTimeout time.Duration `yaml:"writeTimeout"`
}

// Database names the store.
type Database struct {
	// URL is a file path or sqlite:PATH (SQLite in that file), or a
	// postgres:// or postgresql:// URL (PostgreSQL). Set, it wins over DB; after
	// Finish a SQLite URL's path is in DB. Default: "", SQLite in DB
	// (SNAPBRIDGE_DATABASE_URL, --database-url).
	URL string `yaml:"url"`
}

// IsPostgres reports whether URL names a PostgreSQL database.
func (d Database) IsPostgres() bool {
	return strings.HasPrefix(d.URL, "postgres://") || strings.HasPrefix(d.URL, "postgresql://")
}

// sqlitePath returns the file a SQLite URL names; a URL of any other
// scheme is an error.
func (d Database) sqlitePath() (string, error) {
	rest, prefixed := strings.CutPrefix(d.URL, "sqlite:")
	if prefixed {
		rest = strings.TrimPrefix(rest, "//") // sqlite:///abs/path and sqlite://rel/path
	} else if scheme, _, ok := strings.Cut(d.URL, "://"); ok {
		return "", fmt.Errorf("database.url: %q is not supported (use a file path, sqlite:PATH or postgres://…)", scheme+"://")
	}
	if rest == "" {
		return "", fmt.Errorf("database.url: %q names no file", d.URL)
	}
	return rest, nil
}

// LinkedIn holds LinkedIn's endpoints; the defaults are the real ones.
type LinkedIn struct {
	APIBase    string `yaml:"apiBase"`    // default https://api.linkedin.com/v2
	RestBase   string `yaml:"restBase"`   // default https://api.linkedin.com/rest
	AuthURL    string `yaml:"authUrl"`    // default https://www.linkedin.com/oauth/v2/authorization
	TokenURL   string `yaml:"tokenUrl"`   // default https://www.linkedin.com/oauth/v2/accessToken
	DisplayURL string `yaml:"displayUrl"` // default https://www.linkedin.com/sales/widget/profile-matching
	// MediaOrigins may serve profile photos (CSP img-src). Default: https://media.licdn.com.
	MediaOrigins []string `yaml:"mediaOrigins"`
	// Timeout bounds one upstream attempt. Default: 10s.
	Timeout time.Duration `yaml:"timeout"`
}

// Sandbox configures the built-in LinkedIn stand-in.
type Sandbox struct {
	// Enabled starts the stand-in (--sandbox). Default: false.
	Enabled bool `yaml:"enabled"`
	// Addr is where it listens. Default: 127.0.0.1:8091 (SNAPBRIDGE_SANDBOX_ADDR).
	Addr string `yaml:"addr"`
	// Faults injects latency, 429s, 5xx and token expiry. Default: none.
	Faults sandbox.Faults `yaml:"faults"`
	// ComplianceCadence is how often each opted-in demo member sends a
	// message the compliance events capture. Default: 1m, at least 1s
	// (SNAPBRIDGE_SANDBOX_COMPLIANCE_CADENCE).
	ComplianceCadence time.Duration `yaml:"complianceCadence"`
}

// Demo configures the demo CRM (sandbox mode only).
type Demo struct {
	// Addr is where the demo CRM listens. Default: 127.0.0.1:8090
	// (SNAPBRIDGE_DEMO_ADDR). Empty with --demo-addr="" turns it off.
	Addr string `yaml:"addr"`
}

// Secrets are the server's own key material.
type Secrets struct {
	// EncryptionKeys is the ordered key ring for secrets at rest, each
	// "id:base64(32 bytes)"; the first encrypts, all decrypt
	// (SNAPBRIDGE_ENCRYPTION_KEYS, comma-separated).
	EncryptionKeys []string `yaml:"encryptionKeys"`
	// EncryptionKeysFile is a file holding EncryptionKeys instead, one
	// entry per line, such as a mounted Kubernetes secret; set one of the
	// two. Default: none (SNAPBRIDGE_ENCRYPTION_KEYS_FILE).
	EncryptionKeysFile string `yaml:"encryptionKeysFile"`
	// SessionKey is the base64 32-byte seed widget session tokens are
	// signed with: their HS256 key is derived from it (HKDF-SHA256), and
	// its Ed25519 public half still verifies the EdDSA tokens of earlier
	// releases until they expire (SNAPBRIDGE_SESSION_KEY).
	SessionKey string `yaml:"sessionKey"`
	// SessionKeyFile is a file holding SessionKey instead; set one of the
	// two. Default: none (SNAPBRIDGE_SESSION_KEY_FILE).
	SessionKeyFile string `yaml:"sessionKeyFile"`
	// DemoContextSecret signs the demo tenants' contexts (sandbox only).
	DemoContextSecret string `yaml:"demoContextSecret"`
	// DemoClientSecret is the demo LinkedIn apps' secret (sandbox only).
	DemoClientSecret string `yaml:"demoClientSecret"`
}

// Redis configures the state instances share (internal/shared).
type Redis struct {
	// URL is redis://[user:password@]host:port/db, or rediss:// for TLS.
	// An unreachable Redis does not stop the server: it runs degraded,
	// with caches and locks per instance, until Redis answers. Default:
	// none, everything stays in the process (SNAPBRIDGE_REDIS_URL).
	URL string `yaml:"url"`
	// Timeout bounds every Redis call; past it the instance answers from
	// its own memory (degraded) rather than keep a seller waiting. Raise
	// it for a Redis reached over a slow network. Default: 200ms; at most
	// 5s.
	Timeout time.Duration `yaml:"timeout"`
}

// Metrics configures the Prometheus metrics listener (internal/metrics).
type Metrics struct {
	// Addr is where GET /metrics is served, on a listener of its own and
	// never on the public port, e.g. 0.0.0.0:9090 for a scraper in the
	// cluster. Default: "", no metrics listener (SNAPBRIDGE_METRICS_ADDR).
	Addr string `yaml:"addr"`
}

// Associations tunes the resolver.
type Associations struct {
	// MaxBatch splits batch look-ups. Default: 20.
	MaxBatch int `yaml:"maxBatch"`
	// CoalesceWindow is how long a look-up waits for others to share its
	// batch call. Default: 5ms.
	CoalesceWindow time.Duration `yaml:"coalesceWindow"`
	// LookupTimeout bounds a look-up the widget waits for, LinkedIn's
	// retries included; past it the record answers unavailable. At most
	// 1m. Default: 4s.
	LookupTimeout time.Duration `yaml:"lookupTimeout"`
	// CacheEntries bounds how many look-up answers the instance keeps in
	// memory across all tenants; over it (or CacheBytes), the tenant
	// holding the most gives way, least recently used first. 0 means the
	// default, 100000 (SNAPBRIDGE_ASSOCIATIONS_CACHE_ENTRIES).
	CacheEntries int `yaml:"cacheEntries"`
	// CacheBytes bounds those answers' estimated size, e.g. 256MiB; at
	// least 1MiB. 0 means the default, 128MiB
	// (SNAPBRIDGE_ASSOCIATIONS_CACHE_BYTES).
	CacheBytes ByteSize `yaml:"cacheBytes"`
	// Now is the resolver's clock (cache lifetimes, budget days, forced
	// refresh intervals); tests move it. Default: time.Now.
	Now func() time.Time `yaml:"-"`
}

// MinOperatorKeyLen is the shortest accepted operator key.
const MinOperatorKeyLen = 32

// Defaults returns the configuration used when nothing is set.
func Defaults() Config {
	return Config{
		Addr:    "127.0.0.1:8080",
		DataDir: "var",
		LinkedIn: LinkedIn{
			APIBase:      "https://api.linkedin.com/v2",
			RestBase:     "https://api.linkedin.com/rest",
			AuthURL:      "https://www.linkedin.com/oauth/v2/authorization",
			TokenURL:     "https://www.linkedin.com/oauth/v2/accessToken",
			DisplayURL:   "https://www.linkedin.com/sales/widget/profile-matching",
			MediaOrigins: []string{"https://media.licdn.com"},
			Timeout:      10 * time.Second,
		},
		Sandbox:       Sandbox{Addr: "127.0.0.1:8091"},
		Demo:          Demo{Addr: "127.0.0.1:8090"},
		Associations:  Associations{MaxBatch: 20},
		LogLevel:      "info",
		ShutdownGrace: 15 * time.Second,
		WriteTimeout:  60 * time.Second,
	}
}

// Load reads the YAML file (if path is not empty) over the defaults and
// then applies environment overrides. Flags are applied by the caller,
// followed by Finish.
func Load(path string, getenv func(string) string) (Config, error) {
	cfg := Defaults()
	if path != "" {
		raw, err := os.ReadFile(path)
		if err != nil {
			return cfg, fmt.Errorf("read config: %w", err)
		}
		dec := yaml.NewDecoder(strings.NewReader(string(raw)))
		dec.KnownFields(true)
		if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
			return cfg, fmt.Errorf("config %s: %w", path, err)
		}
	}
	if err := cfg.applyEnv(getenv); err != nil {
		return cfg, err
	}
	return cfg, nil
}

func (c *Config) applyEnv(getenv func(string) string) error {
	str := map[string]*string{
		"SNAPBRIDGE_ADDR":         &c.Addr,
		"SNAPBRIDGE_PUBLIC_URL":   &c.PublicURL,
		"SNAPBRIDGE_DATA_DIR":     &c.DataDir,
		"SNAPBRIDGE_DB":           &c.DB,
		"SNAPBRIDGE_DATABASE_URL": &c.Database.URL,
		"SNAPBRIDGE_SANDBOX_ADDR": &c.Sandbox.Addr,
		"SNAPBRIDGE_DEMO_ADDR":    &c.Demo.Addr,
		"SNAPBRIDGE_SESSION_KEY":  &c.Secrets.SessionKey,
		"SNAPBRIDGE_LOG_LEVEL":    &c.LogLevel,
		"SNAPBRIDGE_WASM_DIR":     &c.WasmDir,
		"SNAPBRIDGE_OPERATOR_KEY": &c.OperatorKey,
		"SNAPBRIDGE_REDIS_URL":    &c.Redis.URL,
		"SNAPBRIDGE_METRICS_ADDR": &c.Metrics.Addr,
	}
	for name, dst := range str {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	if v := getenv("SNAPBRIDGE_ENCRYPTION_KEYS"); v != "" {
		c.Secrets.EncryptionKeys = nil
		for _, e := range strings.Split(v, ",") {
			// "k2:…, k1:…" is how people write lists; the space is not the key's.
			if e = strings.TrimSpace(e); e != "" {
				c.Secrets.EncryptionKeys = append(c.Secrets.EncryptionKeys, e)
			}
		}
	}
	if v := getenv("SNAPBRIDGE_ENCRYPTION_KEYS_FILE"); v != "" {
		c.Secrets.EncryptionKeysFile = v
	}
	if v := getenv("SNAPBRIDGE_SESSION_KEY_FILE"); v != "" {
		c.Secrets.SessionKeyFile = v
	}
	if v := getenv("SNAPBRIDGE_SANDBOX_COMPLIANCE_CADENCE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < sandbox.MinComplianceCadence {
			return fmt.Errorf("SNAPBRIDGE_SANDBOX_COMPLIANCE_CADENCE: %q is not a duration of at least %s", v, sandbox.MinComplianceCadence)
		}
		c.Sandbox.ComplianceCadence = d
	}
	c.applyObservabilityEnv(getenv)
	if err := c.Associations.applyEnv(getenv); err != nil {
		return err
	}
	if v := getenv("SNAPBRIDGE_SANDBOX"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("SNAPBRIDGE_SANDBOX: %q is not true or false", v)
		}
		c.Sandbox.Enabled = b
	}
	return nil
}

// FinishDatabase derives and checks the database settings alone (Finish
// does it too): a SQLite database.url puts its path in DB, and DB
// defaults to <DataDir>/snapbridge.db.
func (c *Config) FinishDatabase() error {
	if c.Database.URL != "" && !c.Database.IsPostgres() {
		path, err := c.Database.sqlitePath()
		if err != nil {
			return err
		}
		c.DB = path
	}
	if c.DB == "" {
		c.DB = strings.TrimSuffix(c.DataDir, "/") + "/snapbridge.db"
	}
	return nil
}

// Finish derives the settings that depend on others and validates the
// result; call it after flags were applied.
func (c *Config) Finish() error {
	if err := c.FinishDatabase(); err != nil {
		return err
	}
	if c.WasmDir == "" {
		c.WasmDir = strings.TrimSuffix(c.DataDir, "/") + "/build/web"
	}
	if err := checkAddr("addr", c.Addr); err != nil {
		return err
	}
	if c.PublicURL == "" {
		c.PublicURL = "http://" + c.Addr
	}
	if c.WidgetPrerenderBudget < 0 || c.WidgetPrerenderBudget > 4*time.Second {
		return fmt.Errorf("widgetPrerenderBudget: %s must be between 0 (the default, 150ms) and 4s", c.WidgetPrerenderBudget)
	}
	u, err := url.Parse(c.PublicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return fmt.Errorf("publicUrl: %q must be an origin like https://snapbridge.example.com", c.PublicURL)
	}
	c.PublicURL = strings.TrimSuffix(c.PublicURL, "/")
	if c.Sandbox.Enabled {
		if err := checkAddr("sandbox.addr", c.Sandbox.Addr); err != nil {
			return err
		}
		if c.Demo.Addr != "" {
			if err := checkAddr("demo.addr", c.Demo.Addr); err != nil {
				return err
			}
		}
		base := "http://" + c.Sandbox.Addr
		c.LinkedIn.APIBase = base + "/v2"
		c.LinkedIn.RestBase = base + "/rest"
		c.LinkedIn.AuthURL = base + "/oauth/v2/authorization"
		c.LinkedIn.TokenURL = base + "/oauth/v2/accessToken"
		c.LinkedIn.DisplayURL = base + "/sales/widget/profile-matching"
		c.LinkedIn.MediaOrigins = []string{base}
	} else if len(c.Tenants) == 0 && c.OperatorKey == "" {
		// With an operator key, tenants can be created (and stored ones
		// loaded) through the admin API, so an empty list is fine.
		return fmt.Errorf("tenants: none configured (use --sandbox for the demo tenants, or set operatorKey to create them through the admin API)")
	}
	if !c.Sandbox.Enabled {
		for i, o := range c.LinkedIn.MediaOrigins {
			canonical, err := tenant.ParseOrigin(o)
			if err != nil {
				return fmt.Errorf("linkedin.mediaOrigins[%d]: %w", i, err)
			}
			c.LinkedIn.MediaOrigins[i] = canonical
		}
	}
	for field, v := range map[string]string{
		"linkedin.apiBase": c.LinkedIn.APIBase, "linkedin.authUrl": c.LinkedIn.AuthURL,
		"linkedin.tokenUrl": c.LinkedIn.TokenURL, "linkedin.displayUrl": c.LinkedIn.DisplayURL,
	} {
		if u, err := url.Parse(v); err != nil || u.Host == "" {
			return fmt.Errorf("%s: %q is not an absolute URL", field, v)
		}
	}
	if c.Associations.CoalesceWindow < 0 || c.Associations.CoalesceWindow > time.Second {
		return fmt.Errorf("associations.coalesceWindow: %s must be between 0 and 1s", c.Associations.CoalesceWindow)
	}
	if c.Associations.LookupTimeout < 0 || c.Associations.LookupTimeout > time.Minute {
		return fmt.Errorf("associations.lookupTimeout: %s must be between 0 (the default, 4s) and 1m", c.Associations.LookupTimeout)
	}
	if c.Associations.MaxBatch < 1 || c.Associations.MaxBatch > 100 {
		return fmt.Errorf("associations.maxBatch: %d must be between 1 and 100", c.Associations.MaxBatch)
	}
	if err := c.Associations.checkCache(); err != nil {
		return err
	}
	if c.OperatorKey != "" && len(c.OperatorKey) < MinOperatorKeyLen {
		return fmt.Errorf("operatorKey: must be at least %d characters (e.g. openssl rand -base64 32)", MinOperatorKeyLen)
	}
	if c.Redis.URL != "" {
		if _, err := shared.ParseRedisURL(c.Redis.URL); err != nil {
			return fmt.Errorf("redis.url: %w", err)
		}
	}
	if c.Redis.Timeout < 0 || c.Redis.Timeout > 5*time.Second {
		return fmt.Errorf("redis.timeout: %v must be between 0 (the default, %v) and 5s", c.Redis.Timeout, shared.DefaultRedisTimeout)
	}
	if c.Metrics.Addr != "" {
		if err := checkAddr("metrics.addr", c.Metrics.Addr); err != nil {
			return err
		}
		if samePort(c.Metrics.Addr, c.Addr) {
			return fmt.Errorf("metrics.addr: %q must not be the public port (addr %q): metrics are never served to the public", c.Metrics.Addr, c.Addr)
		}
	}
	if c.Purge.Interval < 0 {
		return fmt.Errorf("purge.interval: must not be negative")
	}
	if _, _, err := c.LogSettings(); err != nil {
		return err
	}
	if c.ShutdownGrace <= 0 {
		return fmt.Errorf("shutdownGrace: must be positive")
	}
	if c.WriteTimeout <= 0 {
		return fmt.Errorf("writeTimeout: must be positive")
	}
	return nil
}

// SandboxURL is the stand-in's base URL.
func (c *Config) SandboxURL() string { return "http://" + c.Sandbox.Addr }

// DemoURL is the demo CRM's origin.
func (c *Config) DemoURL() string { return "http://" + c.Demo.Addr }

func checkAddr(field, addr string) error {
	if _, port, err := net.SplitHostPort(addr); err != nil || port == "" {
		return fmt.Errorf("%s: %q is not host:port", field, addr)
	}
	return nil
}

// samePort reports whether two host:port addresses name the same port on
// hosts that can overlap (equal, or either a wildcard).
func samePort(a, b string) bool {
	ha, pa, errA := net.SplitHostPort(a)
	hb, pb, errB := net.SplitHostPort(b)
	if errA != nil || errB != nil || pa != pb || pa == "0" {
		return false
	}
	wild := func(h string) bool { return h == "" || h == "0.0.0.0" || h == "::" }
	return ha == hb || wild(ha) || wild(hb)
}
