// Package sandbox is snapbridge's built-in stand-in for LinkedIn's servers.
// It serves, on loopback, LinkedIn's OAuth 2.0 pages and token endpoint,
// Sales Access Tokens, Profile Associations with Rest.li 2.0 keys, a
// stand-in Display Services page, profile pages and generated photos,
// Sales Contracts, Sales Analytics and CRM Data Validation export jobs
// with their download links, and the versioned Compliance API, all
// under LinkedIn's real paths, so snapbridge's LinkedIn client talks to it
// exactly as it would to LinkedIn. Faults (latency, 429, 5xx, outages,
// expired tokens, revoked refresh tokens) can be injected at run time.
//
// It deliberately does not import internal/linkedin: it is the other side
// of the wire, and sharing types would hide mismatches the tests should see.
package sandbox

import (
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults used by New for Config fields left zero.
const (
	DefaultSATLifetime         = 30 * time.Minute
	DefaultMemberTokenLifetime = 60 * 24 * time.Hour
	DefaultAppTokenLifetime    = 30 * time.Minute
	// RefreshTokenLifetime is how long a refresh token lives; like
	// LinkedIn's, refreshing does not extend it.
	RefreshTokenLifetime = 365 * 24 * time.Hour
	// CodeLifetime is how long an authorization code can be exchanged.
	CodeLifetime = 10 * time.Minute
)

// Config describes the stand-in's registered applications and behaviour.
type Config struct {
	// Apps are the registered LinkedIn applications. Default: none (every
	// client is unknown); use DemoApps for the demo seed.
	Apps []App
	// Members are the members who can sign in on the consent page.
	// Default: DemoMembers().
	Members []Member
	// Faults injects failures; it can be changed later with SetFaults or
	// PUT /_sandbox/faults. Default: none.
	Faults Faults
	// SATLifetime is how long a Sales Access Token lives. Default: 30m.
	SATLifetime time.Duration
	// MemberTokenLifetime is how long a 3-legged access token lives.
	// Default: 60 days.
	MemberTokenLifetime time.Duration
	// AppTokenLifetime is how long a client-credentials token lives.
	// Default: 30m.
	AppTokenLifetime time.Duration
	// BaseURL is the stand-in's own URL as clients see it, used in
	// profile and photo links. Default: http(s)://<Host of each request>.
	BaseURL string
	// Contracts are the Sales Navigator contracts and their seats.
	// Default: DemoContracts(); an empty non-nil slice means none.
	Contracts []Contract
	// JobTiming is how long export jobs stay ENQUEUED and PROCESSING.
	// Default: 2s and 6s.
	JobTiming JobTiming
	// ComplianceCadence is how often an opted-in member sends Sales
	// Navigator messages that the compliance events capture. Default: 1m;
	// at least MinComplianceCadence (1s).
	ComplianceCadence time.Duration
	// Now tells the time; tests shift it to expire tokens. Default: time.Now.
	Now func() time.Time
	// StateFile keeps the tokens the stand-in issued and the apps
	// registered at run time (JSON, mode 0600), so a restarted stand-in
	// still honours them. Only Open reads and writes it; New keeps
	// everything in memory. Default: none.
	StateFile string
	// Logger reports state files that cannot be written; it never sees a
	// token. Default: slog.Default().
	Logger *slog.Logger
	// Entra are the app registrations of the Entra ID and Dataverse
	// stand-ins (Dynamics 365 sign-in), served under Entra's and the Web
	// API's real paths; their tokens live in memory only. Default: none.
	Entra []EntraApp
}

// Sandbox is the LinkedIn stand-in. It is an http.Handler and safe for
// concurrent use.
type Sandbox struct {
	cfg     Config
	catalog atomic.Pointer[catalog]

	mu     sync.Mutex
	faults Faults
	stats  map[string]int
	grants grantStore
	photos map[string][]byte
	// platform holds export jobs, compliance opt-ins and download links.
	platform platformState
	// entra holds the Entra ID and Dataverse stand-ins' tokens.
	entra *entra
	// registered are the apps RegisterApp changed, as merged, for the
	// state file.
	registered map[string]App
	// stateFile is set by Open; saveMu makes its writers take turns.
	stateFile string
	saveMu    sync.Mutex
}

// New returns a Sandbox for cfg, filling in the defaults documented on
// Config. Apps are copied, so later changes to cfg do not affect it.
func New(cfg Config) *Sandbox {
	if cfg.SATLifetime <= 0 {
		cfg.SATLifetime = DefaultSATLifetime
	}
	if cfg.MemberTokenLifetime <= 0 {
		cfg.MemberTokenLifetime = DefaultMemberTokenLifetime
	}
	if cfg.AppTokenLifetime <= 0 {
		cfg.AppTokenLifetime = DefaultAppTokenLifetime
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Members == nil {
		cfg.Members = DemoMembers()
	}
	if cfg.Contracts == nil {
		cfg.Contracts = DemoContracts()
	}
	cfg.Contracts = cloneContracts(cfg.Contracts)
	cfg.JobTiming = cfg.JobTiming.withDefaults()
	if cfg.ComplianceCadence <= 0 {
		cfg.ComplianceCadence = DefaultComplianceCadence
	}
	cfg.ComplianceCadence = max(cfg.ComplianceCadence, MinComplianceCadence)
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	s := &Sandbox{
		cfg:    cfg,
		faults: cfg.Faults,
		stats:  map[string]int{},
		grants: newGrantStore(),
		photos: map[string][]byte{},

		registered: map[string]App{},

		platform: newPlatformState(),
		entra:    newEntra(cfg.Entra, cfg.Now),
	}
	apps := map[string]*App{}
	for _, a := range cfg.Apps {
		a := a.clone()
		apps[a.ClientID] = &a
	}
	s.catalog.Store(newCatalog(cfg.Members, apps))
	return s
}

// ServeHTTP routes a request to the endpoint LinkedIn serves at its path.
func (s *Sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	path := r.URL.Path
	switch {
	case path == "/oauth/v2/authorization":
		s.serveAuthorization(w, r)
	case path == "/oauth/v2/accessToken":
		s.serveAccessToken(w, r)
	case path == "/v2/salesAccessTokens":
		s.serveSalesAccessTokens(w, r)
	case path == "/v2/userinfo":
		s.serveUserInfo(w, r)
	case path == "/v2/salesNavigatorProfileAssociations":
		s.serveAssociationBatch(w, r)
	case strings.HasPrefix(path, "/v2/salesNavigatorProfileAssociations/"):
		s.serveAssociation(w, r)
	case path == "/sales/widget/profile-matching":
		s.serveDisplay(w, r)
	case strings.HasPrefix(path, "/sales/people/"):
		s.serveProfile(w, r)
	case strings.HasPrefix(path, "/media/") && strings.HasSuffix(path, ".png"):
		s.servePhoto(w, r)
	case path == "/v2/salesContracts":
		s.serveSalesContracts(w, r)
	case path == "/v2/salesAnalyticsExportJobs":
		s.serveAnalyticsCreate(w, r)
	case strings.HasPrefix(path, "/v2/salesAnalyticsExportJobs/"):
		s.serveAnalyticsGet(w, r)
	case path == "/v2/crmDataValidationExportJobs":
		s.serveValidationCreate(w, r)
	case strings.HasPrefix(path, "/v2/crmDataValidationExportJobs/"):
		s.serveValidationGet(w, r)
	case path == "/rest/memberComplianceAuthorizations":
		s.serveComplianceAuthorizations(w, r)
	case strings.HasPrefix(path, "/rest/memberComplianceAuthorizations/"):
		s.serveComplianceRevoke(w, r)
	case path == "/rest/complianceEvents":
		s.serveComplianceEvents(w, r)
	case strings.HasPrefix(path, downloadsPath):
		s.serveDownload(w, r)
	case path == "/_sandbox/records":
		s.serveRecords(w, r)
	case path == "/_sandbox/stats":
		s.serveStats(w, r)
	case path == "/_sandbox/stats/reset":
		s.serveStatsReset(w, r)
	case path == "/_sandbox/apps":
		s.serveRegisterApp(w, r)
	case path == "/_sandbox/faults":
		s.serveFaults(w, r)
	case s.serveEntra(w, r), s.serveDataverse(w, r):
	default:
		s.count("notFound")
		writeAPIError(w, apiError{Status: http.StatusNotFound, Message: "No resource found at " + path})
	}
}

// baseURL is the stand-in's own origin (plus mount path when configured)
// for absolute links in answers.
func (s *Sandbox) baseURL(r *http.Request) string {
	if s.cfg.BaseURL != "" {
		return s.cfg.BaseURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (s *Sandbox) now() time.Time { return s.cfg.Now() }

// allow answers 405 unless the request uses one of the methods.
func allow(w http.ResponseWriter, r *http.Request, methods ...string) bool {
	for _, m := range methods {
		if r.Method == m {
			return true
		}
	}
	w.Header().Set("Allow", strings.Join(methods, ", "))
	writeAPIError(w, apiError{Status: http.StatusMethodNotAllowed,
		Message: "Method " + r.Method + " is not allowed here"})
	return false
}
