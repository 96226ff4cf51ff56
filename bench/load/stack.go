package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/snapbridge/snapbridge/internal/config"
	"github.com/snapbridge/snapbridge/internal/sandbox"
	"github.com/snapbridge/snapbridge/internal/shared/redistest"
	"github.com/snapbridge/snapbridge/internal/store/postgres/pgtest"
	"github.com/snapbridge/snapbridge/internal/tenant"
)

// demoOptions are the stand-in's demo secrets; the instances' demo tenant
// is configured with the same, so contexts signed here verify there.
var demoOptions = sandbox.DemoOptions{
	ClientSecret:  "bench-demo-client-secret-0123456789",
	ContextSecret: "bench-demo-context-secret-0123456789abcdef",
}

// stack is everything the cluster benchmark runs: one LinkedIn stand-in,
// PostgreSQL and Redis, three instances on them behind one round-robin
// proxy, and one instance on SQLite behind another.
type stack struct {
	dir       string
	bin       string
	wasmDir   string
	standIn   string // the stand-in's base URL
	secrets   config.Secrets
	demo      *tenant.Tenant // the demo tenant as the instances serve it
	cluster   *roundRobin
	single    *roundRobin
	procs     []*process
	pg        *pgtest.Server
	redis     *redistest.Server
	instances int // instances in the cluster

	// singleDirect is the single instance's own base URL, without the
	// proxy in front.
	singleDirect string
}

// startStack starts the stack in a fresh temporary directory; stop ends
// every process it started and removes the directory, also after an
// error (so call it whatever startStack returns).
//
// Without redis (-redis=false) the cluster's instances share only the
// database, each caching in its own memory: what Redis saves shows in the
// LinkedIn calls of the warm loads. With instances 0 there is no cluster
// (nor PostgreSQL and Redis); without single, no single instance.
func startStack(ctx context.Context, bin, wasmDir string, instances int, redis, single bool, logf func(string, ...any)) (*stack, error) {
	s := &stack{bin: bin, wasmDir: wasmDir, instances: instances,
		secrets: config.Secrets{EncryptionKeys: []string{config.NewEncryptionKey("bench")}, SessionKey: config.NewSessionKey()}}
	var err error
	if s.dir, err = os.MkdirTemp("", "snapbridge-bench-"); err != nil {
		return s, err
	}
	reg, err := tenant.NewRegistry(sandbox.DemoTenants(demoOptions, "")[:1])
	if err != nil {
		return s, err
	}
	s.demo, _ = reg.Get(sandbox.DemoTenantID)
	if s.cluster, err = listenRoundRobin(); err != nil {
		return s, err
	}
	if s.single, err = listenRoundRobin(); err != nil {
		return s, err
	}
	began := time.Now()
	if err := s.startStandIn(ctx); err != nil {
		return s, err
	}
	if instances > 0 {
		if err := s.startCluster(ctx, redis); err != nil {
			return s, err
		}
	}
	if single {
		u, err := s.startInstance(ctx, "single", s.single.URL, "", "")
		if err != nil {
			return s, err
		}
		if err := s.single.serve([]string{u}); err != nil {
			return s, err
		}
		s.singleDirect = u
	}
	singles := 0
	if single {
		singles = 1
	}
	logf("stack up in %v: stand-in %s; %d instances on PostgreSQL (Redis %v) behind %s; %d on SQLite behind %s",
		time.Since(began).Round(time.Millisecond), s.standIn, instances, redis && instances > 0, s.cluster.URL, singles, s.single.URL)
	return s, nil
}

// startCluster starts PostgreSQL, Redis (with redis) and the cluster's
// instances on them behind the cluster's proxy.
func (s *stack) startCluster(ctx context.Context, redis bool) error {
	var err error
	if s.pg, err = pgtest.StartServer(); err != nil {
		return fmt.Errorf("start PostgreSQL: %w", err)
	}
	dbURL, err := s.pg.NewSchema()
	if err != nil {
		return err
	}
	redisURL := ""
	if redis {
		if err := os.Mkdir(filepath.Join(s.dir, "redis"), 0o700); err != nil {
			return err
		}
		if s.redis, err = redistest.StartServer(filepath.Join(s.dir, "redis")); err != nil {
			return err
		}
		redisURL = s.redis.URL
	}
	var backends []string
	for i := range s.instances {
		// One after another, as a rolling start: each migrates the shared
		// database and seeds the demo tenant if it is not there yet.
		u, err := s.startInstance(ctx, fmt.Sprintf("cluster-%d", i+1), s.cluster.URL, dbURL, redisURL)
		if err != nil {
			return err
		}
		backends = append(backends, u)
	}
	return s.cluster.serve(backends)
}

// startStandIn runs `snapbridge sandbox`, accepting both proxies'
// callbacks (the instances' public URLs), and waits until it answers.
func (s *stack) startStandIn(ctx context.Context) error {
	dir := filepath.Join(s.dir, "sandbox")
	if err := os.Mkdir(dir, 0o700); err != nil {
		return err
	}
	cfg := map[string]any{"dataDir": dir, "logLevel": "warn",
		"secrets": map[string]string{"demoClientSecret": demoOptions.ClientSecret, "demoContextSecret": demoOptions.ContextSecret}}
	file, err := writeYAML(dir, "sandbox.yaml", cfg)
	if err != nil {
		return err
	}
	return retryOnPortRace(func() error {
		addr, err := freeAddr()
		if err != nil {
			return err
		}
		p, err := startProcess(s.dir, "sandbox", s.bin, "sandbox", "--config", file, "--addr", addr,
			"--state", filepath.Join(dir, "grants.json"),
			"--redirect-uri", s.cluster.URL+"/oauth/linkedin/callback", "--redirect-uri", s.single.URL+"/oauth/linkedin/callback")
		if err != nil {
			return err
		}
		s.procs = append(s.procs, p)
		s.standIn = "http://" + addr
		return p.waitReady(ctx, s.standIn+"/_sandbox/stats")
	})
}

// startInstance runs `snapbridge serve` with publicURL as its public URL,
// on PostgreSQL and Redis when dbURL and redisURL are set (else SQLite in
// its data directory, nothing shared), and returns its own base URL once
// /readyz answers 200.
func (s *stack) startInstance(ctx context.Context, name, publicURL, dbURL, redisURL string) (string, error) {
	dir := filepath.Join(s.dir, name)
	if err := os.Mkdir(dir, 0o700); err != nil {
		return "", err
	}
	var base string
	err := retryOnPortRace(func() error {
		addr, err := freeAddr()
		if err != nil {
			return err
		}
		file, err := writeYAML(dir, "config.yaml", s.serveConfig(addr, publicURL, dir, dbURL, redisURL))
		if err != nil {
			return err
		}
		p, err := startProcess(s.dir, name, s.bin, "serve", "--config", file)
		if err != nil {
			return err
		}
		s.procs = append(s.procs, p)
		base = "http://" + addr
		return p.waitReady(ctx, base+"/readyz")
	})
	return base, err
}

// serveFile is the part of snapbridge's configuration file the benchmark
// writes for each instance.
type serveFile struct {
	Addr          string          `yaml:"addr"`
	PublicURL     string          `yaml:"publicUrl"`
	DataDir       string          `yaml:"dataDir"`
	Database      config.Database `yaml:"database"`
	Redis         config.Redis    `yaml:"redis"`
	LinkedIn      config.LinkedIn `yaml:"linkedin"`
	Secrets       config.Secrets  `yaml:"secrets"`
	WasmDir       string          `yaml:"wasmDir"`
	LogLevel      string          `yaml:"logLevel"`
	ShutdownGrace time.Duration   `yaml:"shutdownGrace"`
	Tenants       []tenant.Tenant `yaml:"tenants"`
}

// serveConfig is an instance's configuration: the product's defaults but
// for LinkedIn (the stand-in), the keys every instance shares, and the
// demo tenant.
func (s *stack) serveConfig(addr, publicURL, dataDir, dbURL, redisURL string) serveFile {
	li := config.Defaults().LinkedIn
	li.APIBase, li.RestBase = s.standIn+"/v2", s.standIn+"/rest"
	li.AuthURL, li.TokenURL = s.standIn+"/oauth/v2/authorization", s.standIn+"/oauth/v2/accessToken"
	li.DisplayURL, li.MediaOrigins = s.standIn+"/sales/widget/profile-matching", []string{s.standIn}
	return serveFile{Addr: addr, PublicURL: publicURL, DataDir: dataDir,
		Database: config.Database{URL: dbURL}, Redis: config.Redis{URL: redisURL}, LinkedIn: li,
		Secrets: s.secrets, WasmDir: s.wasmDir, LogLevel: "warn", ShutdownGrace: 5 * time.Second,
		Tenants: sandbox.DemoTenants(demoOptions, s.standIn)[:1]}
}

// writeYAML writes v as YAML to dir/name (0600: it holds keys).
func writeYAML(dir, name string, v any) (string, error) {
	raw, err := yaml.Marshal(v)
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, name)
	return path, os.WriteFile(path, raw, 0o600)
}

// retryOnPortRace runs start again (three times at most) when a child
// could not listen: its port, free when looked at, was taken before it
// listened.
func retryOnPortRace(start func() error) error {
	var err error
	for range 3 {
		if err = start(); err == nil || !strings.Contains(err.Error(), "address already in use") {
			return err
		}
	}
	return err
}

// stop ends the proxies, the children (instances first, the stand-in
// last), Redis and PostgreSQL, and removes the temporary directory
// unless keep is set.
func (s *stack) stop(keep bool) {
	for _, rr := range []*roundRobin{s.cluster, s.single} {
		if rr != nil {
			rr.close()
		}
	}
	for i := len(s.procs) - 1; i >= 0; i-- {
		s.procs[i].stop()
	}
	if s.redis != nil {
		s.redis.Stop()
	}
	if s.pg != nil {
		if err := s.pg.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "stop PostgreSQL:", err)
		}
	}
	if s.dir == "" {
		return
	}
	if keep {
		fmt.Fprintln(os.Stderr, "logs and configuration kept in", s.dir)
		return
	}
	os.RemoveAll(s.dir)
}
