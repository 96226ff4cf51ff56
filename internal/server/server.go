// Package server assembles snapbridge from a Config: it opens the
// listeners and the database, builds every service, starts the LinkedIn
// stand-in and demo CRM in sandbox mode, and shuts down gracefully.
// cmd/server and the end-to-end tests both start the product through it.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/snapbridge/snapbridge/internal/admin"
	"github.com/snapbridge/snapbridge/internal/assoc"
	"github.com/snapbridge/snapbridge/internal/compliance"
	"github.com/snapbridge/snapbridge/internal/config"
	"github.com/snapbridge/snapbridge/internal/console"
	"github.com/snapbridge/snapbridge/internal/democrm"
	"github.com/snapbridge/snapbridge/internal/exports"
	"github.com/snapbridge/snapbridge/internal/hostctx"
	"github.com/snapbridge/snapbridge/internal/httpapi"
	"github.com/snapbridge/snapbridge/internal/keyring"
	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/metrics"
	"github.com/snapbridge/snapbridge/internal/sandbox"
	"github.com/snapbridge/snapbridge/internal/sat"
	"github.com/snapbridge/snapbridge/internal/session"
	"github.com/snapbridge/snapbridge/internal/shared"
	"github.com/snapbridge/snapbridge/internal/store"
	"github.com/snapbridge/snapbridge/internal/telemetry"
	"github.com/snapbridge/snapbridge/internal/tenant"
	"github.com/snapbridge/snapbridge/internal/tokens"
	"github.com/snapbridge/snapbridge/internal/ui"
	"github.com/snapbridge/snapbridge/internal/webapp"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// Server is a running snapbridge: the API server and, in sandbox mode, the
// LinkedIn stand-in and the demo CRM.
type Server struct {
	// URL, SandboxURL and DemoURL are the bound origins ("" when off).
	URL, SandboxURL, DemoURL string
	// Config is the final configuration, addresses resolved.
	Config config.Config
	// Tenants are the tenants served.
	Tenants *tenant.Registry
	// Sandbox is the stand-in, nil unless sandbox mode.
	Sandbox *sandbox.Sandbox
	// DB is the store the configuration names (database.url).
	DB store.Store
	// Shared is the state instances share: in Redis when redis.url is
	// set, otherwise in the process.
	Shared shared.State
	// Metrics holds every Prometheus metric; served on metrics.addr when
	// set (MetricsURL), read by the console's health view in any case.
	Metrics *metrics.Registry
	// MetricsURL is the metrics listener's origin ("" when off).
	MetricsURL string

	logger  *slog.Logger
	servers []*http.Server
	// exports and compliance run background pollers while serving.
	exports    *exports.Service
	compliance *compliance.Service
	lns        []net.Listener
	// closeShared closes the Redis connections, if any.
	closeShared func() error
	// tracing makes the spans; stopTracing flushes and stops its exporter.
	tracing     *telemetry.Tracing
	stopTracing func(context.Context) error
}

// New listens on the configured addresses (port 0 picks a free one),
// finishes the configuration and builds every service. Options are
// applied just before the HTTP handlers are built.
func New(cfg config.Config, logger *slog.Logger) (*Server, error) {
	s := &Server{logger: slog.New(telemetry.LogHandler(logger.Handler())), stopTracing: func(context.Context) error { return nil }}
	ok := false
	defer func() {
		if !ok {
			s.closeListeners()
		}
	}()
	var err error
	if cfg.Addr, err = s.listen(cfg.Addr); err != nil {
		return nil, err
	}
	if cfg.Sandbox.Enabled {
		if cfg.Sandbox.Addr, err = s.listen(cfg.Sandbox.Addr); err != nil {
			return nil, err
		}
		if cfg.Demo.Addr != "" {
			if cfg.Demo.Addr, err = s.listen(cfg.Demo.Addr); err != nil {
				return nil, err
			}
		}
	}
	// Last, so the listeners stay in the order of s.servers.
	if cfg.Metrics.Addr != "" {
		if cfg.Metrics.Addr, err = s.listen(cfg.Metrics.Addr); err != nil {
			return nil, err
		}
	}
	if err := cfg.Finish(); err != nil {
		return nil, err
	}
	if err := cfg.EnsureSecrets(time.Now()); err != nil {
		return nil, err
	}
	s.Config = cfg
	s.URL = cfg.PublicURL
	if err := s.build(); err != nil {
		if s.DB != nil {
			s.DB.Close()
		}
		if s.closeShared != nil {
			s.closeShared()
		}
		s.stopTracing(context.Background())
		return nil, err
	}
	ok = true
	return s, nil
}

func (s *Server) listen(addr string) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("listen on %s: %w", addr, err)
	}
	s.lns = append(s.lns, ln)
	return ln.Addr().String(), nil
}

func (s *Server) closeListeners() {
	for _, ln := range s.lns {
		ln.Close()
	}
}

// build wires the services; the order follows the dependency arrows:
// storage and LinkedIn client, then services, then HTTP.
func (s *Server) build() error {
	cfg := &s.Config
	ring, err := KeyRing(cfg.Secrets.EncryptionKeys)
	if err != nil {
		return err
	}
	sessionKey, err := cfg.SessionPrivateKey()
	if err != nil {
		return err
	}
	if err := s.startTracing(); err != nil {
		return err
	}
	s.Metrics = metrics.New(metrics.Options{})
	if s.DB, err = OpenStore(*cfg); err != nil {
		return err
	}
	// Metrics time the store's calls inside their trace spans.
	s.DB = s.tracing.Store(s.Metrics.Store(s.DB), storeEngine(cfg))
	if s.Shared, s.closeShared, err = sharedState(cfg, s.logger, s.tracing, s.Metrics); err != nil {
		return err
	}

	var handlers []http.Handler
	if cfg.Sandbox.Enabled {
		s.SandboxURL = cfg.SandboxURL()
		s.Sandbox, err = sandbox.Open(sandbox.Config{Apps: sandbox.DemoApps(demoOptions(cfg)), Entra: sandbox.DemoEntraApps(demoOptions(cfg)), Faults: cfg.Sandbox.Faults,
			ComplianceCadence: cfg.Sandbox.ComplianceCadence, StateFile: SandboxStateFile(cfg.DataDir), Logger: s.logger})
		if err != nil {
			return err
		}
	}
	// The configured (and sandbox) tenants are validated together, then
	// only seed the database; the registry is filled from the database.
	seeds, err := Tenants(*cfg)
	if err != nil {
		return err
	}
	if s.Tenants, err = tenant.NewRegistry(nil); err != nil {
		return err
	}

	li := linkedin.New(linkedin.Config{
		APIBase: cfg.LinkedIn.APIBase, RestBase: cfg.LinkedIn.RestBase,
		AuthURL: cfg.LinkedIn.AuthURL, TokenURL: cfg.LinkedIn.TokenURL,
		Timeout:    cfg.LinkedIn.Timeout,
		HTTPClient: &http.Client{Timeout: cfg.LinkedIn.Timeout, Transport: s.tracing.Transport(s.Metrics.LinkedInTransport(nil))},
	})
	now := time.Now
	widget, err := widgetHandler(cfg)
	if err != nil {
		return err
	}
	vault := tokens.NewVault(s.DB, ring, now).Share(s.acrossInstances())
	members := tokens.NewMemberTokens(vault, li, now).Share(s.acrossInstances()).Instrument(s.Metrics)
	salesAccess := sat.NewBroker(li, members, time.Minute, now).Share(s.acrossInstances(), ring).Instrument(s.Metrics)
	vault.OnChange(salesAccess.MemberChanged)
	s.followMemberChanges(salesAccess)
	apps := tokens.NewAppTokens(li, now).Share(s.acrossInstances(), ring).Instrument(s.Metrics)
	linkedinErrors := admin.NewErrorStats(now).Share(s.acrossInstances())
	resolver := assoc.NewResolver(assoc.Config{MaxBatch: cfg.Associations.MaxBatch, CoalesceWindow: cfg.Associations.CoalesceWindow,
		LookupTimeout: cfg.Associations.LookupTimeout, Logger: s.logger, Shared: s.acrossInstances(),
		MaxEntries: cfg.Associations.CacheEntries, MaxBytes: int64(cfg.Associations.CacheBytes), Tracing: s.tracing, Metrics: s.Metrics},
		admin.WatchAssociations(li, s.Tenants, linkedinErrors), admin.WatchAppTokens(apps, linkedinErrors), s.DB, cfg.Associations.Now)
	adm := admin.New(admin.Deps{Store: s.DB, Ring: ring, Tenants: s.Tenants, AppTokens: apps, LinkedIn: li,
		Associations: resolver, Errors: linkedinErrors, Operator: admin.NewOperatorKey(cfg.OperatorKey), Logger: s.logger, Now: now,
		PublicURL: cfg.PublicURL, OnTenantSaved: s.registerWithSandbox, Changes: s.acrossInstances()})
	loadCtx, cancelLoad := context.WithTimeout(context.Background(), 30*time.Second)
	seeded, err := adm.Load(loadCtx, tenantValues(seeds))
	cancelLoad()
	if err != nil {
		return err
	}
	if len(seeded) > 0 {
		s.logger.Info("stored tenants from the configuration", "tenants", seeded)
	}
	s.followTenantChanges(adm)
	for _, t := range s.Tenants.All() {
		s.registerWithSandbox(context.Background(), t)
	}
	if err := checkMemberTokenKeys(vault, s.logger); err != nil {
		return err
	}
	connector := tokens.NewConnector(vault, li, cfg.PublicURL+"/oauth/linkedin/callback", now)
	// One lease owner per instance: the background work below runs once
	// per cluster, by whichever instance holds each job's or viewer's lease.
	leaseOwner := store.NewLeaseOwner()
	s.exports = exports.New(exports.Config{
		FirstPoll: cfg.Platform.ExportFirstPoll, MaxPoll: cfg.Platform.ExportMaxPoll,
		ValidationTimeout: cfg.Platform.ValidationTimeout, Now: cfg.Platform.Now, Logger: s.logger,
		Owner: leaseOwner, Tracing: s.tracing,
	}, s.DB, li, members, apps, s.Tenants)
	s.compliance = compliance.New(compliance.Config{
		SyncInterval: cfg.Platform.ComplianceSync, StatusInterval: cfg.Platform.ComplianceStatusCheck,
		Now: cfg.Platform.Now, Logger: s.logger, Owner: leaseOwner, Tracing: s.tracing,
	}, s.DB, li, members, s.Tenants)
	contexts := admin.NewLiveContexts(s.Tenants, s.DB, now)
	sessions := session.NewIssuer(sessionKey, 15*time.Minute, s.DB, now)
	s.Metrics.WatchState(metrics.NewStateReader(s.DB, s.Tenants, now), 0)
	keeper := session.NewContextKeeper(s.DB, s.DB, now)
	hosts := hostctx.NewAdapters(hostctx.Deps{Keeper: keeper, Now: now, Values: s.DB, Grants: s.DB, Ring: ring, PublicURL: cfg.PublicURL})
	api := httpapi.New(httpapi.Services{
		Tenants:      s.Tenants,
		Contexts:     countedContexts{contexts, s.Metrics},
		Sessions:     countedSessions{sessions, s.Metrics},
		Hosts:        hosts,
		Launches:     hostctx.NewHandoffs(s.DB, keeper, now),
		Connector:    countedConnector{connector, s.Metrics},
		Connections:  vault,
		SalesAccess:  salesAccess,
		Associations: resolver,
		DB:           s.DB,
		Shared:       s.Shared,
		Platform:     httpapi.Platform{Exports: s.exports, Compliance: s.compliance, Connect: connector},
		Admin:        adm,
		Logger:       s.logger,
		Tracing:      s.tracing,
		PublicURL:    cfg.PublicURL,
		DisplayURL:   cfg.LinkedIn.DisplayURL,
		WidgetCSP:    httpapi.WidgetCSP(cfg.LinkedIn.DisplayURL, cfg.LinkedIn.MediaOrigins),
		Widget:       widget,
		WidgetBudget: cfg.WidgetPrerenderBudget,
		Console: console.New(console.Config{Tenants: s.Tenants, Contexts: contexts, Sessions: sessions,
			Links: s.exports, Audit: adm, Viewers: adm, Logger: s.logger}),
		Operator: console.NewOperator(s.operatorConfig()),
		Home:     console.NewHome(homeConfig(cfg, s.logger)),
		Now:      now,
		Metrics:  s.Metrics,
	})
	handlers = append(handlers, api)
	if s.Sandbox != nil {
		handlers = append(handlers, s.Sandbox)
		if cfg.Demo.Addr != "" {
			s.DemoURL = cfg.DemoURL()
			handlers = append(handlers, democrm.New(s.Tenants, s.Sandbox.Apps, cfg.PublicURL, s.logger))
		}
	}
	if cfg.Metrics.Addr != "" {
		s.MetricsURL = "http://" + cfg.Metrics.Addr
		handlers = append(handlers, metricsHandler(s.Metrics))
	}
	for _, h := range handlers {
		s.servers = append(s.servers, &http.Server{
			Handler:           h,
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       30 * time.Second,
			WriteTimeout:      cfg.WriteTimeout,
			IdleTimeout:       2 * time.Minute,
			ErrorLog:          slog.NewLogLogger(s.logger.Handler(), slog.LevelWarn),
		})
	}
	return nil
}

// Tenants returns the configured tenants, preceded in sandbox mode by the
// demo tenants wired to the stand-in. cfg must be finished and its secrets
// ensured.
func Tenants(cfg config.Config) (*tenant.Registry, error) {
	tenants := cfg.Tenants
	if cfg.Sandbox.Enabled {
		tenants = append(sandbox.DemoTenants(demoOptions(&cfg), cfg.SandboxURL()), tenants...)
	}
	return tenant.NewRegistry(tenants)
}

// tenantValues copies the registry's tenants for seeding.
func tenantValues(r *tenant.Registry) []tenant.Tenant {
	all := r.All()
	out := make([]tenant.Tenant, 0, len(all))
	for _, t := range all {
		out = append(out, t.Clone())
	}
	return out
}

// SandboxStateFile is where the embedded stand-in keeps the tokens it
// issued and the apps registered with it: <dataDir>/sandbox/grants.json,
// a directory of its own, apart from snapbridge's database.
func SandboxStateFile(dataDir string) string {
	return filepath.Join(dataDir, "sandbox", "grants.json")
}

// registerWithSandbox registers a tenant's LinkedIn application, with a
// CRM instance of generated records, in the embedded stand-in, so a tenant
// an operator creates can be tried offline. Outside sandbox mode it does
// nothing.
func (s *Server) registerWithSandbox(ctx context.Context, t *tenant.Tenant) {
	if s.Sandbox == nil {
		return
	}
	if err := s.Sandbox.RegisterApp(sandbox.AppForTenant(t, s.Config.PublicURL+"/oauth/linkedin/callback")); err != nil {
		s.logger.WarnContext(ctx, "the LinkedIn stand-in refused the tenant's application; its sellers cannot connect in this sandbox",
			"tenant", t.ID, "error", err)
	}
}

// operatorConfig is the operator page's: in sandbox mode it prints a
// `context sign` command that runs as is (binary and database by absolute
// path) and a record the stand-in matches for a new tenant.
func (s *Server) operatorConfig() console.OperatorConfig {
	cfg := &s.Config
	o := console.OperatorConfig{Enabled: cfg.OperatorKey != "", Logger: s.logger}
	if !cfg.Sandbox.Enabled {
		return o
	}
	o.StandInURL = cfg.SandboxURL()
	o.SampleRecord = s.sampleRecord
	exe, err := os.Executable()
	if err != nil {
		return o
	}
	if cfg.Database.IsPostgres() {
		o.SignCommand = shellWord(exe) + ` context sign --database-url "$SNAPBRIDGE_DATABASE_URL"`
	} else if db, err := filepath.Abs(cfg.DB); err == nil {
		o.SignCommand = shellWord(exe) + " context sign --db " + shellWord(db)
	}
	return o
}

// shellWord quotes s for a POSIX shell when it needs quoting.
func shellWord(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+:@") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// sampleRecord is the first record of the tenant's CRM instance in the
// stand-in that LinkedIn matches (with a photo).
func (s *Server) sampleRecord(tenantID string) (wire.Record, bool) {
	t, ok := s.Tenants.Get(tenantID)
	if !ok || s.Sandbox == nil {
		return wire.Record{}, false
	}
	for _, app := range s.Sandbox.Apps() {
		if app.ClientID != t.LinkedIn.ClientID {
			continue
		}
		for _, in := range app.Instances {
			if in.Partner != t.CRM.Partner || in.InstanceID != t.CRM.InstanceID || !in.SyncEnabled {
				continue
			}
			for _, r := range in.Records {
				if r.Outcome == sandbox.OutcomeMatched || r.Outcome == "" {
					return wire.Record{ID: r.ID, Type: r.Type, FirstName: r.FirstName, LastName: r.LastName,
						Email: r.Email, Company: r.Company, Title: r.Title}, true
				}
			}
		}
	}
	return wire.Record{}, false
}

// homeConfig is what the root page links: the demo CRM and the stand-in
// when they run, the operator page.
func homeConfig(cfg *config.Config, logger *slog.Logger) console.HomeConfig {
	h := console.HomeConfig{Version: cfg.Version, Operator: cfg.OperatorKey != "", Logger: logger}
	if cfg.Sandbox.Enabled {
		h.StandInURL = cfg.SandboxURL()
		if cfg.Demo.Addr != "" {
			h.DemoURL = cfg.DemoURL()
		}
	}
	return h
}

func demoOptions(cfg *config.Config) sandbox.DemoOptions {
	o := sandbox.DemoOptions{
		ClientSecret:  cfg.Secrets.DemoClientSecret,
		ContextSecret: cfg.Secrets.DemoContextSecret,
		RedirectURI:   cfg.PublicURL + "/oauth/linkedin/callback",
	}
	if cfg.Demo.Addr != "" { // --demo-addr="": no demo CRM, the default origin stands in
		o.CRMOrigin = cfg.DemoURL()
	}
	return o
}

// Handler is the API server's HTTP handler (for benchmarks and tests
// that skip the network).
func (s *Server) Handler() http.Handler { return s.servers[0].Handler }

// Serve serves every listener until ctx is cancelled, then lets in-flight
// requests finish within the configured grace period.
func (s *Server) Serve(ctx context.Context) error {
	g, gctx := errgroup.WithContext(ctx)
	for i, srv := range s.servers {
		srv, ln := srv, s.lns[i]
		g.Go(func() error {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		})
	}
	// The pollers resume from the database, and the purger deletes in
	// small chunks, so stopping them mid-job loses nothing.
	g.Go(func() error { return s.exports.Run(gctx) })
	g.Go(func() error { return s.compliance.Run(gctx) })
	g.Go(func() error {
		p := s.Config.Purge
		return store.RunPurger(gctx, s.DB, store.Purger{Interval: p.Interval, Now: p.Now, AfterPass: p.AfterPass, Logger: s.logger})
	})
	g.Go(func() error {
		<-gctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.Background(), s.Config.ShutdownGrace)
		defer cancel()
		var first error
		for _, srv := range s.servers {
			if err := srv.Shutdown(shutdownCtx); err != nil && first == nil {
				first = err
			}
		}
		return first
	})
	err := g.Wait()
	// Shared state first: its subscriptions may still start a tenant
	// reload, which needs the database.
	if cerr := s.closeShared(); err == nil {
		err = cerr
	}
	if cerr := s.DB.Close(); err == nil {
		err = cerr
	}
	flushCtx, cancel := context.WithTimeout(context.Background(), s.Config.ShutdownGrace)
	defer cancel()
	if terr := s.stopTracing(flushCtx); terr != nil {
		s.logger.Warn("flush traces", "err", terr.Error())
	}
	return err
}

// registerRoutes registers the widget's go-app routes once per process:
// go-app keeps them in a global table shared with the wasm main.
var registerRoutes sync.Once

// widgetHandler serves the widget. Its asset URLs carry the binary's
// version and a hash of the widget's files (see webapp.Config.Version).
func widgetHandler(cfg *config.Config) (http.Handler, error) {
	registerRoutes.Do(ui.Routes)
	return webapp.Handler(webapp.Config{Version: cfg.Version, WasmDir: cfg.WasmDir}), nil
}

// KeyRing builds the key ring from "id:base64" entries, newest first.
func KeyRing(entries []string) (*keyring.KeyRing, error) {
	keys := make([]keyring.Key, 0, len(entries))
	for i, e := range entries {
		k, err := keyring.ParseKey(e)
		if err != nil {
			return nil, fmt.Errorf("secrets.encryptionKeys[%d]: %w", i, err)
		}
		keys = append(keys, k)
	}
	return keyring.New(keys...)
}
