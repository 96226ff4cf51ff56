package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/snapbridge/snapbridge/internal/config"
	"github.com/snapbridge/snapbridge/internal/server"
	"github.com/snapbridge/snapbridge/internal/telemetry"
)

// loadConfig reads --config, the environment and the flags shared by the
// commands, in that order of precedence (last wins).
func loadConfig(fs *flag.FlagSet, args []string) (config.Config, error) {
	path := fs.String("config", os.Getenv("SNAPBRIDGE_CONFIG"), "YAML configuration file (SNAPBRIDGE_CONFIG)")
	sandbox := fs.Bool("sandbox", false, "run the built-in LinkedIn stand-in, demo tenants and demo CRM")
	addr := fs.String("addr", "", "server address (SNAPBRIDGE_ADDR, default 127.0.0.1:8080)")
	sandboxAddr := fs.String("sandbox-addr", "", "LinkedIn stand-in address (SNAPBRIDGE_SANDBOX_ADDR, default 127.0.0.1:8091)")
	demoAddr := fs.String("demo-addr", "", "demo CRM address (SNAPBRIDGE_DEMO_ADDR, default 127.0.0.1:8090)")
	db := fs.String("db", "", "SQLite database file (SNAPBRIDGE_DB, default var/snapbridge.db)")
	databaseURL := fs.String("database-url", "", "database: a file path, sqlite:PATH or postgres://… (SNAPBRIDGE_DATABASE_URL, default: --db)")
	if err := fs.Parse(args); err != nil {
		return config.Config{}, err
	}
	cfg, err := config.Load(*path, os.Getenv)
	if err != nil {
		return cfg, err
	}
	cfg.Version = version
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "sandbox":
			cfg.Sandbox.Enabled = *sandbox
		case "addr":
			cfg.Addr = *addr
		case "sandbox-addr":
			cfg.Sandbox.Addr = *sandboxAddr
		case "demo-addr":
			cfg.Demo.Addr = *demoAddr
		case "db":
			cfg.DB = *db
			if !isSet(fs, "database-url") {
				cfg.Database.URL = "" // the flag wins over a URL from the file or environment
			}
		case "database-url":
			cfg.Database.URL = *databaseURL
		}
	})
	return cfg, nil
}

func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

func serve(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	cfg, err := loadConfig(fs, args)
	if err != nil {
		return err
	}
	logger, err := newLogger(cfg)
	if err != nil {
		return err
	}
	srv, err := server.New(cfg, logger)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	printURLs(srv, cfg.OperatorKey != "")
	logger.Info("snapbridge started", "version", version, "url", srv.URL, "sandbox", srv.SandboxURL != "",
		"tenants", len(srv.Tenants.All()))
	err = srv.Serve(ctx)
	logger.Info("snapbridge stopped")
	return err
}

// printURLs tells the person at the terminal where everything is; the
// operator page only when an operator key can sign in to it.
func printURLs(s *server.Server, operator bool) {
	var b strings.Builder
	if s.DemoURL != "" {
		fmt.Fprintf(&b, "\n  Demo CRM          %s/\n", s.DemoURL)
	}
	fmt.Fprintf(&b, "  snapbridge        %s/  (health %s/healthz)\n", s.URL, s.URL)
	if operator {
		fmt.Fprintf(&b, "  Operator page     %s/operator\n", s.URL)
	}
	if s.MetricsURL != "" {
		fmt.Fprintf(&b, "  Metrics           %s/metrics\n", s.MetricsURL)
	}
	if s.SandboxURL != "" {
		fmt.Fprintf(&b, "  LinkedIn stand-in %s/_sandbox/records?tenant=demo\n", s.SandboxURL)
	}
	fmt.Fprintln(os.Stdout, b.String())
}

// newLogger is the logger log.format and log.level ask for, on stderr:
// JSON by default, text in sandbox mode; every line logged within a
// request carries its request id and trace id.
func newLogger(cfg config.Config) (*slog.Logger, error) {
	format, level, err := cfg.LogSettings()
	if err != nil {
		return nil, err
	}
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewJSONHandler(os.Stderr, opts)
	if format == "text" {
		h = slog.NewTextHandler(os.Stderr, opts)
	}
	return slog.New(telemetry.LogHandler(h)), nil
}
