package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/config"
	"github.com/snapbridge/snapbridge/internal/loopback"
	"github.com/snapbridge/snapbridge/internal/sandbox"
	"github.com/snapbridge/snapbridge/internal/server"
	"github.com/snapbridge/snapbridge/internal/session"
	"github.com/snapbridge/snapbridge/internal/tenant"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// linkedIn is the stand-in, run apart from the server as LinkedIn would
// be, so that restarting the server does not restart "LinkedIn".
type linkedIn struct {
	*sandbox.Sandbox
	URL  string
	opts sandbox.DemoOptions
}

func startLinkedIn(t testing.TB, redirectURI string) *linkedIn {
	t.Helper()
	opts := sandbox.DemoOptions{
		ClientSecret:  "demo-client-secret-for-tests-0123",
		ContextSecret: "demo-context-secret-for-tests-0123456789",
		CRMOrigin:     "http://127.0.0.1:8090",
		RedirectURI:   redirectURI,
	}
	sb := sandbox.New(sandbox.Config{Apps: sandbox.DemoApps(opts), Entra: sandbox.DemoEntraApps(opts)})
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	return &linkedIn{Sandbox: sb, URL: srv.URL, opts: opts}
}

// syncBuffer collects the server's log output for leak checks.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// testSecrets are the keys every test server runs with: outside sandbox
// mode they must be configured, and a restarted server needs the same.
var testSecrets = config.Secrets{
	EncryptionKeys: []string{config.NewEncryptionKey("test")},
	SessionKey:     config.NewSessionKey(),
}

// product is a running snapbridge server for one test.
type product struct {
	t       testing.TB
	srv     *server.Server
	li      *linkedIn
	dataDir string
	addr    string
	logs    *syncBuffer
	stop    func()
	http    *http.Client
	tune    func(*tenant.Tenant)
	// configure adjusts the configuration, again on restart.
	configure []func(*config.Config)
}

// startProduct starts snapbridge against the stand-in li with the demo
// tenants; tune may adjust them (shorter cache lifetimes and the like) and
// configure the rest of the configuration.
func startProduct(t testing.TB, li *linkedIn, dataDir, addr string, tune func(*tenant.Tenant), configure ...func(*config.Config)) *product {
	t.Helper()
	if strings.HasSuffix(addr, ":0") {
		// A port of the kernel's choosing is in its ephemeral range, which an
		// outgoing connection may take while restart rebinds it.
		addr = freeAddr(t)
	}
	cfg := config.Defaults()
	cfg.Addr = addr
	cfg.DataDir = dataDir
	cfg.LinkedIn.APIBase = li.URL + "/v2"
	cfg.LinkedIn.RestBase = li.URL + "/rest"
	cfg.LinkedIn.AuthURL = li.URL + "/oauth/v2/authorization"
	cfg.LinkedIn.TokenURL = li.URL + "/oauth/v2/accessToken"
	cfg.LinkedIn.DisplayURL = li.URL + "/sales/widget/profile-matching"
	cfg.LinkedIn.MediaOrigins = []string{li.URL}
	cfg.ShutdownGrace = 5 * time.Second
	cfg.Secrets = testSecrets
	cfg.OperatorKey = testOperatorKey
	useTestDatabase(t, &cfg)
	// Wide enough for the race detector on a busy 2-core machine: the
	// burst tests check that concurrent look-ups share batch calls.
	cfg.Associations.CoalesceWindow = 50 * time.Millisecond
	for _, tn := range sandbox.DemoTenants(li.opts, li.URL) {
		if tune != nil {
			tune(&tn)
		}
		cfg.Tenants = append(cfg.Tenants, tn)
	}
	for _, c := range configure {
		c(&cfg)
	}
	logs := &syncBuffer{}
	// Tests log everything (the leak check reads it); benchmarks log as
	// production does, to nowhere.
	var out io.Writer = logs
	level := slog.LevelDebug
	if _, bench := t.(*testing.B); bench {
		out, level = io.Discard, slog.LevelInfo
	}
	srv, err := server.New(cfg, slog.New(slog.NewJSONHandler(out, &slog.HandlerOptions{Level: level})))
	if err != nil {
		t.Fatalf("start server: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	p := &product{t: t, srv: srv, li: li, dataDir: dataDir, addr: strings.TrimPrefix(srv.URL, "http://"), logs: logs, tune: tune, configure: configure,
		http: &http.Client{Timeout: 20 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	var once sync.Once
	p.stop = func() {
		once.Do(func() {
			// A connection the client dialed for a burst but never used
			// holds Shutdown for 5s (net/http counts it active until then).
			p.http.CloseIdleConnections()
			cancel()
			if err := <-done; err != nil {
				t.Errorf("server stopped with: %v", err)
			}
		})
	}
	t.Cleanup(p.stop)
	return p
}

// with returns the product reporting failures to t (a subtest).
func (p *product) with(t *testing.T) *product {
	q := *p
	q.t = t
	return &q
}

// restart stops the server and starts a new one on the same address,
// database and secrets.
func (p *product) restart() *product {
	p.stop()
	return startProduct(p.t, p.li, p.dataDir, p.addr, p.tune, p.configure...)
}

func (p *product) tenant(id string) *tenant.Tenant {
	t, ok := p.srv.Tenants.Get(id)
	if !ok {
		p.t.Fatalf("no tenant %q", id)
	}
	return t
}

// demoRecords returns the seed records of a tenant's instance with the
// given expected outcome.
func (p *product) demoRecords(tenantID, outcome string) []wire.Record {
	t := p.tenant(tenantID)
	var out []wire.Record
	for _, app := range sandbox.DemoApps(p.li.opts) {
		if app.ClientID != t.LinkedIn.ClientID {
			continue
		}
		for _, in := range app.Instances {
			for _, r := range in.Records {
				if r.Outcome == outcome {
					out = append(out, wire.Record{ID: r.ID, Type: r.Type, FirstName: r.FirstName, LastName: r.LastName,
						Email: r.Email, Company: r.Company, Title: r.Title})
				}
			}
		}
	}
	if len(out) == 0 {
		p.t.Fatalf("tenant %s has no %s seed records", tenantID, outcome)
	}
	return out
}

// signedContext signs a host context as the tenant's CRM would.
func (p *product) signedContext(tenantID, viewer string, records ...wire.Record) string {
	tok, err := session.SignContext(p.tenant(tenantID), session.ContextClaims{
		Viewer: wire.Viewer{ID: viewer, Name: "Sam Seller"}, Records: records,
	}, time.Now())
	if err != nil {
		p.t.Fatalf("sign context: %v", err)
	}
	return tok
}

// newSession signs a context and exchanges it for a widget session.
func (p *product) newSession(tenantID, viewer string, records ...wire.Record) wire.Session {
	var s wire.Session
	p.call("POST", "/api/v1/sessions", "", wire.SessionRequest{Ctx: p.signedContext(tenantID, viewer, records...)}, http.StatusCreated, &s)
	return s
}

// call sends a JSON request and decodes the answer, failing the test on
// an unexpected status.
func (p *product) call(method, path, token string, body any, want int, out any) *http.Response {
	p.t.Helper()
	resp, raw := p.do(method, p.srv.URL+path, token, body)
	if resp.StatusCode != want {
		p.t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, want, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			p.t.Fatalf("%s %s: decode %s: %v", method, path, raw, err)
		}
	}
	return resp
}

func (p *product) do(method, rawURL, token string, body any) (*http.Response, []byte) {
	p.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			p.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, rawURL, rd)
	if err != nil {
		p.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := p.http.Do(req)
	if err != nil {
		p.t.Fatalf("%s %s: %v", method, rawURL, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp, raw
}

// connect walks the LinkedIn consent popup as a seller would: open the
// connect URL, approve as the given demo member, land on our callback.
func (p *product) connect(connectURL, member, token string) string {
	p.t.Helper()
	resp, _ := p.do("GET", connectURL, "", nil)
	if resp.StatusCode != http.StatusFound {
		p.t.Fatalf("connect start: status %d", resp.StatusCode)
	}
	authURL, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(authURL.String(), p.li.URL+"/oauth/v2/authorization") {
		p.t.Fatalf("connect start redirects to %q, want the LinkedIn consent page", resp.Header.Get("Location"))
	}
	if q := authURL.Query(); q.Get("code_challenge_method") != "S256" || q.Get("state") == "" {
		p.t.Fatalf("authorize URL lacks PKCE S256 or state: %v", authURL)
	}
	resp, page := p.do("GET", authURL.String(), "", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), member) {
		p.t.Fatalf("consent page: status %d, member %s not offered", resp.StatusCode, member)
	}
	form := authURL.Query()
	form.Set("member", member)
	form.Set("decision", "allow")
	presp, err := p.http.PostForm(p.li.URL+"/oauth/v2/authorization", form)
	if err != nil {
		p.t.Fatal(err)
	}
	presp.Body.Close()
	if presp.StatusCode != http.StatusFound {
		p.t.Fatalf("consent: status %d", presp.StatusCode)
	}
	cb := presp.Header.Get("Location")
	if !strings.HasPrefix(cb, p.srv.URL+"/oauth/linkedin/callback?") {
		p.t.Fatalf("consent redirects to %q, want our callback", cb)
	}
	resp, final := p.do("GET", cb, "", nil)
	if resp.StatusCode != http.StatusOK {
		p.t.Fatalf("callback: status %d: %s", resp.StatusCode, final)
	}
	p.confirmConnection(string(final), token)
	return string(final)
}

var confirmCode = regexp.MustCompile(`"code":"([^"]+)"`)

// confirmConnection does what the widget does with the popup's message:
// sends the confirmation code back with its own session.
func (p *product) confirmConnection(callbackPage, token string) {
	p.t.Helper()
	m := confirmCode.FindStringSubmatch(callbackPage)
	if m == nil {
		p.t.Fatalf("the callback page carries no confirmation code: %s", callbackPage)
	}
	p.call("POST", "/api/v1/linkedin/connection", token, map[string]string{"code": m[1]}, http.StatusNoContent, nil)
}

// secretsLeaked returns where a LinkedIn token ("sandbox-…") was found in
// the database files or the logs.
func (p *product) secretsLeaked() []string {
	var where []string
	files, _ := filepath.Glob(filepath.Join(p.dataDir, "*"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err == nil && bytes.Contains(b, []byte("sandbox-")) {
			where = append(where, f)
		}
	}
	if strings.Contains(p.logs.String(), "sandbox-") {
		where = append(where, "server log")
	}
	return where
}

// freeAddr picks a free loopback port for a server that must know its
// own address before it starts (OAuth redirect URIs).
func freeAddr(t testing.TB) string {
	t.Helper()
	addr, err := loopback.Addr()
	if err != nil {
		t.Fatal(err)
	}
	return addr
}
