package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"gopkg.in/yaml.v3"

	"github.com/snapbridge/snapbridge/internal/config"
	"github.com/snapbridge/snapbridge/internal/loopback"
	"github.com/snapbridge/snapbridge/internal/sandbox"
	"github.com/snapbridge/snapbridge/internal/server"
	"github.com/snapbridge/snapbridge/internal/session"
	"github.com/snapbridge/snapbridge/internal/shared/redistest"
	"github.com/snapbridge/snapbridge/internal/store/postgres"
	"github.com/snapbridge/snapbridge/internal/store/postgres/pgtest"
	"github.com/snapbridge/snapbridge/internal/tenant"
	"github.com/snapbridge/snapbridge/internal/tokens"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// The cluster of processes: snapbridge as an operator runs it on several
// machines, each instance a real `snapbridge serve` process (this test
// binary run as the command), so a test can SIGKILL, SIGTERM, SIGSTOP
// one of them. They share one PostgreSQL schema (pgtest), one Redis
// (redistest) and one `snapbridge sandbox` process, with the same keys.

// Settings every instance of a process cluster runs with.
const (
	clusterOperatorKey   = "operator-key-for-the-process-cluster-0123456789"
	clusterClientSecret  = "demo-client-secret-for-the-process-cluster"
	clusterContextSecret = "demo-context-secret-for-the-process-cluster-0123"
	// clusterExportMaxPoll is platform.exportMaxPoll: export leases last
	// three times as long, so a dead instance's jobs move on quickly.
	clusterExportMaxPoll = time.Second
	clusterLeaseTTL      = 3 * clusterExportMaxPoll
)

// processCluster is N `snapbridge serve` processes on one database, one
// Redis and one stand-in process.
type processCluster struct {
	t *testing.T
	// DBURL is the PostgreSQL schema every instance uses.
	DBURL string
	// Redis is the instances' shared Redis.
	Redis *redistest.Server
	// StandIn is the `snapbridge sandbox` process's base URL.
	StandIn string
	// Gate sits in front of the stand-in's token endpoint (every
	// instance's linkedin.tokenUrl) and can hold a refresh.
	Gate *refreshGate
	// Secrets are the keys every instance has (from `snapbridge keys
	// generate`).
	Secrets config.Secrets
	// Demo is the demo tenant as the instances are configured with it.
	Demo tenant.Tenant
	// Instances are the serve processes, named A, B, C, ….
	Instances []*serveProcess

	http *http.Client
}

// serveProcess is one running `snapbridge serve`.
type serveProcess struct {
	Name string
	// URL is http://127.0.0.1:<port>, its public URL.
	URL  string
	cmd  *exec.Cmd
	logs *lockedBuffer
	// exited is closed once the process ended; err is what Wait said.
	exited chan struct{}
	err    error
}

// startProcessCluster starts PostgreSQL and Redis (skipping the test when
// either is not installed, failing under CI), the stand-in process, then n
// serve processes one after another, as a rolling start would (each
// migrates the shared schema and seeds the demo tenants).
func startProcessCluster(t *testing.T, n int) *processCluster {
	t.Helper()
	began := time.Now()
	c := &processCluster{t: t, DBURL: pgtest.URL(t), Redis: redistest.Start(t),
		http: &http.Client{Timeout: 60 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	t.Cleanup(c.http.CloseIdleConnections)
	c.Secrets = config.Secrets{
		EncryptionKeys: []string{runCommand(t, "keys", "generate", "--id", "cluster1")},
		SessionKey:     runCommand(t, "keys", "generate", "--session"),
	}
	addrs := make([]string, n)
	redirects := []string{}
	for i := range addrs {
		addrs[i] = freeLoopbackAddr(t)
		redirects = append(redirects, "--redirect-uri", "http://"+addrs[i]+"/oauth/linkedin/callback")
	}
	c.StandIn = c.startStandIn(redirects)
	c.Gate = startRefreshGate(t, c.StandIn)
	opts := sandbox.DemoOptions{ClientSecret: clusterClientSecret, ContextSecret: clusterContextSecret}
	tenants := sandbox.DemoTenants(opts, c.StandIn)
	c.Demo = tenants[0]
	for i, addr := range addrs {
		c.Instances = append(c.Instances, c.startServe(string(rune('A'+i)), addr, tenants))
	}
	t.Logf("%d snapbridge serve processes up in %v", n, time.Since(began).Round(time.Millisecond))
	return c
}

// runCommand runs `snapbridge <args>` to completion and returns what it
// printed.
func runCommand(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = commandEnv("")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("snapbridge %s: %v", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out))
}

// commandEnv is the environment of a snapbridge process: the test's own
// without any SNAPBRIDGE_* setting (the test configures everything in the
// YAML file at configPath).
func commandEnv(configPath string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SNAPBRIDGE_") {
			env = append(env, kv)
		}
	}
	return append(env, "SNAPBRIDGE_TEST_RUN_MAIN=1", "SNAPBRIDGE_CONFIG="+configPath)
}

// writeYAML writes v as the YAML file name in dir and returns its path.
func writeYAML(t *testing.T, dir, name string, v any) string {
	t.Helper()
	raw, err := yaml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// startStandIn runs `snapbridge sandbox` accepting every instance's
// callback and returns its URL.
func (c *processCluster) startStandIn(redirects []string) string {
	t := c.t
	dir := t.TempDir()
	path := writeYAML(t, dir, "sandbox.yaml", map[string]any{
		"dataDir": dir,
		"secrets": map[string]any{"demoClientSecret": clusterClientSecret, "demoContextSecret": clusterContextSecret},
	})
	args := append([]string{"sandbox", "--addr", "127.0.0.1:0", "--state", filepath.Join(dir, "grants.json")}, redirects...)
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = commandEnv(path)
	logs := &lockedBuffer{}
	cmd.Stderr = logs
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
		if t.Failed() {
			t.Logf("stand-in log:\n%s", logs.tail(4000))
		}
	})
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		if m := standInURL.FindStringSubmatch(lines.Text()); m != nil {
			go io.Copy(io.Discard, out)
			return m[1]
		}
	}
	t.Fatalf("snapbridge sandbox printed no URL: %s", logs.tail(2000))
	return ""
}

// startServe runs `snapbridge serve` on addr with the cluster's settings
// and waits until it listens.
func (c *processCluster) startServe(name, addr string, tenants []tenant.Tenant) *serveProcess {
	t := c.t
	dir := t.TempDir()
	path := writeYAML(t, dir, "snapbridge.yaml", map[string]any{
		"addr":     addr,
		"dataDir":  dir,
		"database": map[string]any{"url": c.DBURL},
		"redis":    map[string]any{"url": c.Redis.URL},
		"linkedin": map[string]any{
			"apiBase": c.StandIn + "/v2", "restBase": c.StandIn + "/rest",
			"authUrl": c.StandIn + "/oauth/v2/authorization", "tokenUrl": c.Gate.URL + "/oauth/v2/accessToken",
			"displayUrl": c.StandIn + "/sales/widget/profile-matching", "mediaOrigins": []string{c.StandIn},
		},
		"secrets":       map[string]any{"encryptionKeys": c.Secrets.EncryptionKeys, "sessionKey": c.Secrets.SessionKey},
		"operatorKey":   clusterOperatorKey,
		"platform":      map[string]any{"exportFirstPoll": "100ms", "exportMaxPoll": clusterExportMaxPoll.String()},
		"shutdownGrace": "10s",
		"tenants":       tenants,
	})
	p := &serveProcess{Name: name, URL: "http://" + addr, logs: &lockedBuffer{}, exited: make(chan struct{})}
	listening := make(chan struct{})
	p.cmd = exec.Command(os.Args[0], "serve")
	p.cmd.Env = commandEnv(path)
	p.cmd.Stderr = p.logs
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		// serve prints its URLs once it listens; the rest is not needed.
		lines := bufio.NewScanner(out)
		seen := false
		for lines.Scan() {
			if !seen && strings.Contains(lines.Text(), p.URL+"/") {
				seen = true
				close(listening)
			}
		}
	}()
	go func() {
		p.err = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("instance %s log:\n%s", p.Name, p.logs.tail(6000))
		}
	})
	t.Cleanup(func() {
		select {
		case <-p.exited:
			return
		default:
		}
		p.cmd.Process.Signal(syscall.SIGCONT) // a test that failed while it was paused
		p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.exited:
		case <-time.After(15 * time.Second):
			p.cmd.Process.Kill()
			<-p.exited
		}
	})
	select {
	case <-listening:
	case <-p.exited:
		t.Fatalf("snapbridge serve (%s) exited at start: %v\n%s", name, p.err, p.logs.tail(4000))
	case <-time.After(30 * time.Second):
		t.Fatalf("snapbridge serve (%s) did not start within 30s:\n%s", name, p.logs.tail(4000))
	}
	return p
}

// Kill ends the process with SIGKILL, as a machine or container dying
// would: nothing it holds is released.
func (p *serveProcess) Kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-p.exited
}

// Signal sends sig (SIGSTOP and SIGCONT pause and resume it).
func (p *serveProcess) Signal(t *testing.T, sig os.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signal %v to instance %s: %v", sig, p.Name, err)
	}
}

// Stopped waits for the process to end after a SIGTERM and returns how it
// ended (nil for a clean stop).
func (p *serveProcess) Stopped(t *testing.T, within time.Duration) error {
	t.Helper()
	select {
	case <-p.exited:
		return p.err
	case <-time.After(within):
		t.Fatalf("instance %s still runs %v after SIGTERM", p.Name, within)
		return nil
	}
}

// do sends a request to an instance (or any absolute URL) and returns
// the answer, or the transport error.
func (c *processCluster) do(method, rawURL, token string, body any) (int, http.Header, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, rawURL, rd)
	if err != nil {
		return 0, nil, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, raw, err
}

// call sends a JSON request to instance p and decodes the answer, failing
// t on a transport error or another status than want.
func (c *processCluster) call(t *testing.T, p *serveProcess, method, path, token string, body any, want int, out any) http.Header {
	t.Helper()
	status, header, raw, err := c.do(method, p.URL+path, token, body)
	if err != nil {
		t.Fatalf("%s %s on instance %s: %v", method, path, p.Name, err)
	}
	if status != want {
		t.Fatalf("%s %s on instance %s: status %d, want %d: %s", method, path, p.Name, status, want, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s on instance %s: decode %s: %v", method, path, p.Name, raw, err)
		}
	}
	return header
}

// demoRecords returns the demo tenant's records the stand-in will answer
// with outcome (matched, no_match, …).
func (c *processCluster) demoRecords(t *testing.T, outcome string) []wire.Record {
	t.Helper()
	var view struct {
		Records []struct {
			wire.Record
			Expected string `json:"expected"`
		} `json:"records"`
	}
	status, _, raw, err := c.do("GET", c.StandIn+"/_sandbox/records?tenant=demo", "", nil)
	if err != nil || status != http.StatusOK || json.Unmarshal(raw, &view) != nil {
		t.Fatalf("stand-in records: %d %v", status, err)
	}
	var out []wire.Record
	for _, r := range view.Records {
		if r.Expected == outcome {
			out = append(out, r.Record)
		}
	}
	if len(out) == 0 {
		t.Fatalf("the demo tenant has no %s record", outcome)
	}
	return out
}

// session signs a host context as the demo CRM would (with the admin role
// when admin is set) and exchanges it on instance p for a session token;
// every instance accepts it (they share the session key).
func (c *processCluster) session(t *testing.T, p *serveProcess, viewer string, admin bool, records ...wire.Record) string {
	t.Helper()
	claims := session.ContextClaims{Viewer: wire.Viewer{ID: viewer, Name: "Kim Killjoy"}, Records: records}
	if admin {
		claims.Roles = []string{"admin"}
	}
	ctx, err := session.SignContext(&c.Demo, claims, time.Now())
	if err != nil {
		t.Fatalf("sign context: %v", err)
	}
	var s wire.Session
	c.call(t, p, "POST", "/api/v1/sessions", "", wire.SessionRequest{Ctx: ctx}, http.StatusCreated, &s)
	return s.Token
}

var clusterConfirmCode = regexp.MustCompile(`"code":"([^"]+)"`)

// connect walks the LinkedIn consent popup from a 409's connectUrl on
// instance p as the first demo member, and confirms the connection as the
// widget does.
func (c *processCluster) connect(t *testing.T, p *serveProcess, connectURL, token string) {
	t.Helper()
	status, header, _, err := c.do("GET", connectURL, "", nil)
	if err != nil || status != http.StatusFound {
		t.Fatalf("connect start on %s: %d %v", p.Name, status, err)
	}
	auth, err := url.Parse(header.Get("Location"))
	if err != nil || !strings.HasPrefix(auth.String(), c.StandIn+"/oauth/v2/authorization") {
		t.Fatalf("connect start redirects to %q, want the stand-in's consent page", header.Get("Location"))
	}
	form := auth.Query()
	form.Set("member", sandbox.DemoMembers()[0].ID)
	form.Set("decision", "allow")
	resp, err := c.http.PostForm(c.StandIn+"/oauth/v2/authorization", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	callback := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(callback, p.URL+"/oauth/linkedin/callback?") {
		t.Fatalf("consent: %d to %q, want instance %s's callback", resp.StatusCode, callback, p.Name)
	}
	status, _, page, err := c.do("GET", callback, "", nil)
	if err != nil || status != http.StatusOK {
		t.Fatalf("callback on %s: %d %v: %s", p.Name, status, err, page)
	}
	m := clusterConfirmCode.FindSubmatch(page)
	if m == nil {
		t.Fatalf("the callback page carries no confirmation code: %s", page)
	}
	c.call(t, p, "POST", "/api/v1/linkedin/connection", token, map[string]string{"code": string(m[1])}, http.StatusNoContent, nil)
}

// standInCalls returns the stand-in's call counters (/_sandbox/stats).
func (c *processCluster) standInCalls(t *testing.T) map[string]int {
	t.Helper()
	var stats struct {
		Calls map[string]int `json:"calls"`
	}
	status, _, raw, err := c.do("GET", c.StandIn+"/_sandbox/stats", "", nil)
	if err != nil || status != http.StatusOK || json.Unmarshal(raw, &stats) != nil {
		t.Fatalf("stand-in stats: %d %v", status, err)
	}
	return stats.Calls
}

// leaseOwner returns who holds the lease name in the shared database, ""
// when nobody does.
func (c *processCluster) leaseOwner(t *testing.T, name string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.DBURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var owner string
	err = conn.QueryRow(ctx, `SELECT owner FROM leases WHERE name = $1 AND expires_at > $2`, name, time.Now().UnixMilli()).Scan(&owner)
	if err == pgx.ErrNoRows {
		return ""
	}
	if err != nil {
		t.Fatalf("read lease %s: %v", name, err)
	}
	return owner
}

// waitLease polls the lease name until ok(owner) holds, and returns the
// owner then; it fails t after within.
func (c *processCluster) waitLease(t *testing.T, name string, within time.Duration, ok func(owner string) bool) string {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		owner := c.leaseOwner(t, name)
		if ok(owner) {
			return owner
		}
		if time.Now().After(deadline) {
			t.Fatalf("lease %s: held by %q after %v", name, owner, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// vault opens the member-token vault of the shared database with the
// cluster's keys, as `snapbridge keys rotate` does.
func (c *processCluster) vault(t *testing.T) *tokens.Vault {
	t.Helper()
	db, err := postgres.Open(context.Background(), c.DBURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ring, err := server.KeyRing(c.Secrets.EncryptionKeys)
	if err != nil {
		t.Fatal(err)
	}
	return tokens.NewVault(db, ring, time.Now)
}

// refreshGate is a reverse proxy in front of the stand-in's token
// endpoint. While holding, the first refresh grant is answered by the
// stand-in but the answer is kept from the instance until release: the
// refresh happened at LinkedIn, the instance has not heard of it yet.
type refreshGate struct {
	URL   string
	proxy *httputil.ReverseProxy
	// Refreshes counts the refresh grants that reached the stand-in.
	Refreshes atomic.Int64

	mu      sync.Mutex
	entered chan struct{}
	gate    chan struct{}
}

func startRefreshGate(t *testing.T, standIn string) *refreshGate {
	t.Helper()
	target, err := url.Parse(standIn)
	if err != nil {
		t.Fatal(err)
	}
	g := &refreshGate{proxy: httputil.NewSingleHostReverseProxy(target)}
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	g.URL = srv.URL
	return g
}

func (g *refreshGate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	r.Body = io.NopCloser(bytes.NewReader(body))
	if form, _ := url.ParseQuery(string(body)); form.Get("grant_type") != "refresh_token" {
		g.proxy.ServeHTTP(w, r)
		return
	}
	g.Refreshes.Add(1)
	g.mu.Lock()
	entered, gate := g.entered, g.gate
	g.entered = nil // only the first refresh after hold is held
	g.mu.Unlock()
	if entered == nil {
		g.proxy.ServeHTTP(w, r)
		return
	}
	// LinkedIn refreshes; its answer is in flight.
	rec := httptest.NewRecorder()
	g.proxy.ServeHTTP(rec, r.WithContext(context.WithoutCancel(r.Context())))
	close(entered)
	select {
	case <-gate:
	case <-r.Context().Done():
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	w.Write(rec.Body.Bytes())
}

// hold makes the next refresh grant's answer wait until release; entered
// is closed once LinkedIn has answered it.
func (g *refreshGate) hold(t *testing.T) (entered <-chan struct{}, release func()) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.entered, g.gate = make(chan struct{}), make(chan struct{})
	gate := g.gate
	var once sync.Once
	release = func() { once.Do(func() { close(gate) }) }
	t.Cleanup(release)
	return g.entered, release
}

// freeLoopbackAddr picks a free 127.0.0.1 port for a server that must
// know its address before it starts (OAuth redirect URIs).
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	addr, err := loopback.Addr()
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

// lockedBuffer collects a process's output.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// tail returns the last n bytes written.
func (b *lockedBuffer) tail(n int) string {
	s := b.String()
	if len(s) > n {
		s = "…" + s[len(s)-n:]
	}
	return s
}
