package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/snapbridge/snapbridge/internal/config"
	"github.com/snapbridge/snapbridge/internal/sandbox"
	"github.com/snapbridge/snapbridge/internal/server"
)

// listFlag collects a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// runSandbox is `snapbridge sandbox`: the LinkedIn stand-in alone, with
// the demo apps, fault injection and /_sandbox/*, keeping the tokens it
// issues and the apps registered with it in its state file, until
// SIGINT or SIGTERM.
func runSandbox(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("sandbox", flag.ContinueOnError)
	path := fs.String("config", os.Getenv("SNAPBRIDGE_CONFIG"), "YAML configuration file (SNAPBRIDGE_CONFIG): sandbox.faults, sandbox.complianceCadence, secrets.demoClientSecret, dataDir")
	addr := fs.String("addr", "", "stand-in address (SNAPBRIDGE_SANDBOX_ADDR, default 127.0.0.1:8091)")
	state := fs.String("state", "", "state file for issued tokens and registered apps (default <dataDir>/sandbox/grants.json)")
	var redirects listFlag
	fs.Var(&redirects, "redirect-uri", "snapbridge's OAuth callback the demo apps accept; repeat for several instances (default <publicUrl>/oauth/linkedin/callback)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("sandbox: unexpected argument %q\n%s", fs.Arg(0), usage)
	}
	cfg, err := config.Load(*path, os.Getenv)
	if err != nil {
		return err
	}
	if *addr != "" {
		cfg.Sandbox.Addr = *addr
	}
	if *state == "" {
		*state = server.SandboxStateFile(cfg.DataDir)
	}
	if len(redirects) == 0 {
		public := cfg.PublicURL
		if public == "" {
			public = "http://" + cfg.Addr
		}
		redirects = listFlag{strings.TrimSuffix(public, "/") + "/oauth/linkedin/callback"}
	}
	if cfg.Secrets.DemoClientSecret == "" {
		// The demo apps' secret is the one serve --sandbox generated (or
		// generates now) in the same data directory.
		cfg.Sandbox.Enabled = true
		if err := cfg.EnsureSecrets(time.Now()); err != nil {
			return err
		}
	}
	if err := cfg.Sandbox.Faults.Validate(); err != nil {
		return fmt.Errorf("sandbox.faults: %w", err)
	}
	if cfg.Log.Format == "" {
		cfg.Log.Format = "text" // the stand-in is a sandbox: read by a person at a terminal
	}
	logger, err := newLogger(cfg)
	if err != nil {
		return err
	}
	apps := sandbox.DemoApps(sandbox.DemoOptions{ClientSecret: cfg.Secrets.DemoClientSecret, ContextSecret: cfg.Secrets.DemoContextSecret})
	for i := range apps {
		apps[i].RedirectURIs = redirects
	}
	entraApps := sandbox.DemoEntraApps(sandbox.DemoOptions{ContextSecret: cfg.Secrets.DemoContextSecret})
	sb, err := sandbox.Open(sandbox.Config{Apps: apps, Entra: entraApps, Faults: cfg.Sandbox.Faults,
		ComplianceCadence: cfg.Sandbox.ComplianceCadence, StateFile: *state, Logger: logger})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Sandbox.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Sandbox.Addr, err)
	}
	srv := &http.Server{Handler: sb, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		IdleTimeout: 2 * time.Minute, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	printSandboxURLs(stdout, "http://"+ln.Addr().String(), *state, redirects)
	logger.Info("LinkedIn stand-in started", "version", version, "addr", ln.Addr().String(), "state", *state)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownGrace)
	defer cancel()
	err = srv.Shutdown(shutdownCtx)
	if serveErr := <-done; !errors.Is(serveErr, http.ErrServerClosed) && err == nil {
		err = serveErr
	}
	logger.Info("LinkedIn stand-in stopped")
	return err
}

// printSandboxURLs tells the person at the terminal where the stand-in is
// and the settings that point `snapbridge serve` at it.
func printSandboxURLs(w io.Writer, base, state string, redirects []string) {
	var b strings.Builder
	fmt.Fprintf(&b, "\n  LinkedIn stand-in %s\n", base)
	fmt.Fprintf(&b, "  Demo records      %s/_sandbox/records?tenant=demo\n", base)
	fmt.Fprintf(&b, "  Register an app   POST %s/_sandbox/apps (from this machine)\n", base)
	fmt.Fprintf(&b, "  Faults            GET|PUT %s/_sandbox/faults\n", base)
	fmt.Fprintf(&b, "  State file        %s\n", state)
	fmt.Fprintf(&b, "  Demo apps accept  %s\n", strings.Join(redirects, ", "))
	fmt.Fprintf(&b, "\n  Point snapbridge serve at it with:\n")
	fmt.Fprintf(&b, "    linkedin:\n      apiBase: %[1]s/v2\n      restBase: %[1]s/rest\n      authUrl: %[1]s/oauth/v2/authorization\n"+
		"      tokenUrl: %[1]s/oauth/v2/accessToken\n      displayUrl: %[1]s/sales/widget/profile-matching\n      mediaOrigins: [%[1]s]\n", base)
	fmt.Fprintln(w, b.String())
}
