package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/admin"
	"github.com/snapbridge/snapbridge/internal/config"
	"github.com/snapbridge/snapbridge/internal/sandbox"
	"github.com/snapbridge/snapbridge/internal/server"
	"github.com/snapbridge/snapbridge/internal/tenant"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// startSandboxProduct starts snapbridge as `make run` does: --sandbox, the
// stand-in embedded, on fixed addresses so a restart finds the same URLs;
// demoAddr "" leaves the demo CRM off.
func startSandboxProduct(t *testing.T, dataDir, addr, sandboxAddr, demoAddr string) *product {
	t.Helper()
	cfg := config.Defaults()
	cfg.Addr, cfg.DataDir = addr, dataDir
	useTestDatabase(t, &cfg)
	cfg.Sandbox.Enabled, cfg.Sandbox.Addr, cfg.Demo.Addr = true, sandboxAddr, demoAddr
	cfg.ShutdownGrace = 5 * time.Second
	cfg.Secrets = testSecrets
	cfg.OperatorKey = testOperatorKey
	logs := &syncBuffer{}
	srv, err := server.New(cfg, slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatalf("start server: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	c := srv.Config
	li := &linkedIn{Sandbox: srv.Sandbox, URL: srv.SandboxURL, opts: sandbox.DemoOptions{
		ClientSecret: c.Secrets.DemoClientSecret, ContextSecret: c.Secrets.DemoContextSecret}}
	p := &product{t: t, srv: srv, li: li, dataDir: dataDir, addr: addr, logs: logs,
		http: &http.Client{Timeout: 20 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	var once sync.Once
	p.stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("server stopped with: %v", err)
			}
		})
	}
	t.Cleanup(p.stop)
	return p
}

// connectSeller opens a session for the viewer on a record, connects
// LinkedIn as the first demo member and returns the record.
func connectSeller(p *product, tenantID, viewer string, rec wire.Record) {
	p.t.Helper()
	s := p.newSession(tenantID, viewer, rec)
	var nc wire.Error
	p.call("POST", "/api/v1/sales-access-token", s.Token, map[string]string{"recordId": rec.ID}, http.StatusConflict, &nc)
	if nc.Error.Code != "linkedin_not_connected" {
		p.t.Fatalf("before connecting: %+v, want linkedin_not_connected", nc.Error)
	}
	p.connect(nc.Error.ConnectURL, firstMember(p.li), s.Token)
	p.call("POST", "/api/v1/sales-access-token", s.Token, map[string]string{"recordId": rec.ID}, http.StatusOK, nil)
}

// satWorks asks for a Sales Access Token with a fresh session and checks
// the stand-in's Display page accepts it.
func satWorks(p *product, tenantID, viewer string, rec wire.Record) {
	p.t.Helper()
	s := p.newSession(tenantID, viewer, rec)
	var sat wire.SalesAccessToken
	resp, raw := p.do("POST", p.srv.URL+"/api/v1/sales-access-token", s.Token, map[string]string{"recordId": rec.ID})
	if resp.StatusCode != http.StatusOK {
		p.t.Fatalf("sales access token: %d %s, want 200 without connecting again", resp.StatusCode, raw)
	}
	if err := json.Unmarshal(raw, &sat); err != nil {
		p.t.Fatal(err)
	}
	if page, body := p.do("GET", sat.IframeURL, "", nil); page.StatusCode != http.StatusOK {
		p.t.Fatalf("the stand-in's Display page refuses the SAT: %d %s", page.StatusCode, body)
	}
}

// `make run` restarted keeps every demo seller connected: the embedded
// stand-in reloads the tokens it issued from <dataDir>/sandbox/grants.json,
// which the leak checks of snapbridge's own files never read.
func TestDemoSellerStaysConnectedWhenMakeRunRestarts(t *testing.T) {
	dataDir, addr, sandboxAddr := t.TempDir(), freeAddr(t), freeAddr(t)
	p := startSandboxProduct(t, dataDir, addr, sandboxAddr, "127.0.0.1:0")
	rec := p.demoRecords("demo", "matched")[0]
	connectSeller(p, "demo", "crm-user-3", rec)
	p.stop()

	p = startSandboxProduct(t, dataDir, addr, sandboxAddr, "127.0.0.1:0")
	satWorks(p, "demo", "crm-user-3", rec)
	if n := p.li.Stats()["oauth.consent"]; n != 0 {
		t.Fatalf("the seller consented %d times after the restart, want 0", n)
	}
	info, err := os.Stat(server.SandboxStateFile(dataDir))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("stand-in state file: %v, mode %v; want it private", err, info)
	}
	if leaks := p.secretsLeaked(); len(leaks) > 0 {
		t.Fatalf("a LinkedIn token leaked into: %v", leaks)
	}
}

// startLinkedInAt serves a stand-in that keeps its state in stateFile on a
// fixed address, so it can be restarted where snapbridge expects it.
func startLinkedInAt(t *testing.T, addr, redirectURI, stateFile string) (*linkedIn, func()) {
	t.Helper()
	opts := sandbox.DemoOptions{
		ClientSecret:  "demo-client-secret-for-tests-0123",
		ContextSecret: "demo-context-secret-for-tests-0123456789",
		CRMOrigin:     "http://127.0.0.1:8090",
		RedirectURI:   redirectURI,
	}
	sb, err := sandbox.Open(sandbox.Config{Apps: sandbox.DemoApps(opts), StateFile: stateFile})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: sb, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			srv.Close()
			if err := <-done; !errors.Is(err, http.ErrServerClosed) {
				t.Errorf("stand-in stopped with: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return &linkedIn{Sandbox: sb, URL: "http://" + addr, opts: opts}, stop
}

// A stand-in run on its own and restarted from its state file keeps a
// connected seller connected: snapbridge's cached app token and the
// seller's stored tokens still work, and no new consent is asked.
func TestStandInRestartKeepsSellerConnected(t *testing.T) {
	addr, liAddr := freeAddr(t), freeAddr(t)
	stateFile := t.TempDir() + "/grants.json"
	li, stopLI := startLinkedInAt(t, liAddr, "http://"+addr+"/oauth/linkedin/callback", stateFile)
	p := startProduct(t, li, t.TempDir(), addr, nil)
	matched := p.demoRecords("demo", "matched")
	connectSeller(p, "demo", "crm-user-4", matched[0])

	stopLI()
	restarted, _ := startLinkedInAt(t, liAddr, "http://"+addr+"/oauth/linkedin/callback", stateFile)
	*li = *restarted // the product's stand-in is the restarted one

	// An uncached record needs the app token snapbridge still caches.
	s := p.newSession("demo", "crm-user-4", matched[1])
	var got wire.Associations
	p.call("GET", "/api/v1/associations", s.Token, nil, http.StatusOK, &got)
	if len(got.Associations) != 1 || got.Associations[0].Status != wire.StatusMatched {
		t.Fatalf("look-up after the stand-in restarted: %+v, want matched", got.Associations)
	}
	// A restarted server forgets its SAT cache, so the stand-in is asked.
	p = p.restart()
	satWorks(p, "demo", "crm-user-4", matched[0])
	if n := li.Stats()["oauth.consent"]; n != 0 {
		t.Fatalf("the seller consented %d times after the restart, want 0", n)
	}
}

// An operator creates a tenant of their own in a sandbox run; the stand-in
// learns its LinkedIn app with generated records, so its CRM's records
// match, its seller connects and gets a SAT, all offline.
func TestOperatorTenantWorksOfflineInSandbox(t *testing.T) {
	// Without the demo CRM (--demo-addr=""), as an operator trying a
	// tenant of their own might run it.
	p := startSandboxProduct(t, t.TempDir(), freeAddr(t), "127.0.0.1:0", "")
	const instance = "acme.crm.dynamics.com"
	spec := admin.TenantSpec{
		ID: "acme", Name: "Acme",
		LinkedIn: admin.LinkedInSpec{ClientID: "acme-app-2f9b", ClientSecret: "acme-client-secret-0123456789abcdef"},
		CRM: tenant.CRM{Partner: sandbox.DemoPartner, InstanceID: instance,
			SourceType: sandbox.DemoCRMSourceType, Type: sandbox.DemoCRMType},
		AllowedOrigins: []string{"https://crm.acme.example"},
		Context: admin.ContextSpec{Issuer: "https://crm.acme.example",
			Keys: []admin.KeySpec{{ID: "k1", Alg: "HS256", Secret: newContextSecret}}},
	}
	p.call("POST", "/api/v1/admin/tenants", testOperatorKey, spec, http.StatusCreated, nil)

	var seeded struct {
		ClientID string `json:"clientId"`
		Records  []struct {
			wire.Record
			Expected string `json:"expected"`
		} `json:"records"`
	}
	resp, raw := p.do("GET", p.li.URL+"/_sandbox/records?tenant=acme", "", nil)
	if resp.StatusCode != http.StatusOK || json.Unmarshal(raw, &seeded) != nil || seeded.ClientID != spec.LinkedIn.ClientID {
		t.Fatalf("the stand-in does not know the tenant: %d %s", resp.StatusCode, raw)
	}
	byOutcome := map[string]wire.Record{}
	for _, r := range seeded.Records {
		if _, ok := byOutcome[r.Expected]; !ok {
			byOutcome[r.Expected] = r.Record
		}
	}
	matched, noMatch := byOutcome[sandbox.OutcomeMatched], byOutcome[sandbox.OutcomeNoMatch]
	s := p.newSession("acme", "acme-seller", matched, noMatch)
	var got wire.Associations
	p.call("GET", "/api/v1/associations", s.Token, nil, http.StatusOK, &got)
	want := map[string]string{matched.ID: wire.StatusMatched, noMatch.ID: wire.StatusNoMatch}
	for _, a := range got.Associations {
		if a.Status != want[a.RecordID] {
			t.Errorf("record %s: %s, want %s", a.RecordID, a.Status, want[a.RecordID])
		}
	}
	if len(got.Associations) != 2 {
		t.Fatalf("got %d associations, want 2", len(got.Associations))
	}
	connectSeller(p, "acme", "acme-seller", matched)
	satWorks(p, "acme", "acme-seller", matched)
	if strings.Contains(p.logs.String(), "refused the tenant") {
		t.Fatal("the stand-in refused a tenant's application")
	}
}
