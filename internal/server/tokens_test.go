package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/snapbridge/snapbridge/internal/admin"
	"github.com/snapbridge/snapbridge/internal/config"
	"github.com/snapbridge/snapbridge/internal/sandbox"
	"github.com/snapbridge/snapbridge/internal/server"
	"github.com/snapbridge/snapbridge/internal/store"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// refreshGate stands in front of the LinkedIn stand-in and can hold
// refresh-token grants at the token endpoint until the test releases them.
type refreshGate struct {
	next    http.Handler
	mu      sync.Mutex
	gate    chan struct{}
	entered chan struct{}
}

func (g *refreshGate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost && r.URL.Path == "/oauth/v2/accessToken" {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		g.mu.Lock()
		gate, entered := g.gate, g.entered
		g.mu.Unlock()
		if form, _ := url.ParseQuery(string(body)); gate != nil && form.Get("grant_type") == "refresh_token" {
			select {
			case entered <- struct{}{}:
			default:
			}
			<-gate
		}
	}
	g.next.ServeHTTP(w, r)
}

// hold makes refresh grants wait until release; entered receives once the
// first one waits.
func (g *refreshGate) hold(t *testing.T) (entered <-chan struct{}, release func()) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.gate, g.entered = make(chan struct{}), make(chan struct{}, 1)
	var once sync.Once
	gate := g.gate
	release = func() { once.Do(func() { close(gate) }) }
	t.Cleanup(release)
	return g.entered, release
}

// startGatedLinkedIn is startLinkedIn with a refreshGate in front.
func startGatedLinkedIn(t *testing.T, redirectURI string) (*linkedIn, *refreshGate) {
	t.Helper()
	opts := sandbox.DemoOptions{
		ClientSecret:  "demo-client-secret-for-tests-0123",
		ContextSecret: "demo-context-secret-for-tests-0123456789",
		CRMOrigin:     "http://127.0.0.1:8090",
		RedirectURI:   redirectURI,
	}
	sb := sandbox.New(sandbox.Config{Apps: sandbox.DemoApps(opts)})
	g := &refreshGate{next: sb}
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	return &linkedIn{Sandbox: sb, URL: srv.URL, opts: opts}, g
}

// TestSellerChangesConnectionDuringRefresh holds a member-token refresh at
// LinkedIn while the seller disconnects, or connects another LinkedIn
// member: what the seller did stands, and the held request answers what
// is true once it lands.
func TestSellerChangesConnectionDuringRefresh(t *testing.T) {
	for _, tc := range []struct {
		scenario  string
		reconnect bool
	}{
		{scenario: "seller disconnects: stays disconnected"},
		{scenario: "seller connects another member: the new member is kept", reconnect: true},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			addr := freeAddr(t)
			li, gate := startGatedLinkedIn(t, "http://"+addr+"/oauth/linkedin/callback")
			p := startProduct(t, li, t.TempDir(), addr, nil)
			rec := p.demoRecords("demo", "matched")[0]
			s := p.newSession("demo", "crm-user-31", rec)
			// Two widgets of the seller (two CRM tabs, two sessions) each
			// offer to connect.
			s2 := p.newSession("demo", "crm-user-31", rec)
			var first, second wire.Error
			p.call("POST", "/api/v1/sales-access-token", s.Token, nil, http.StatusConflict, &first)
			p.call("POST", "/api/v1/sales-access-token", s2.Token, nil, http.StatusConflict, &second)
			members := li.Members()
			p.connect(first.Error.ConnectURL, members[0].ID, s.Token)

			// LinkedIn refuses the stored member token, so the next SAT
			// request refreshes it; LinkedIn holds the refresh.
			li.SetFaults(sandbox.Faults{ExpireTokens: true})
			entered, release := gate.hold(t)
			type answer struct {
				status int
				body   []byte
				err    error
			}
			held := make(chan answer, 1)
			go func() {
				status, body, err := postJSON(p, "/api/v1/sales-access-token", s.Token)
				held <- answer{status, body, err}
			}()
			<-entered
			li.SetFaults(sandbox.Faults{})
			if tc.reconnect {
				p.connect(second.Error.ConnectURL, members[1].ID, s2.Token)
			} else {
				p.call("DELETE", "/api/v1/linkedin/connection", s.Token, nil, http.StatusNoContent, nil)
			}
			release()
			got := <-held
			if got.err != nil {
				t.Fatalf("held SAT request: %v", got.err)
			}

			if !tc.reconnect {
				var nc wire.Error
				if got.status != http.StatusConflict || json.Unmarshal(got.body, &nc) != nil || nc.Error.Code != "linkedin_not_connected" ||
					!strings.HasPrefix(nc.Error.ConnectURL, p.srv.URL+"/oauth/linkedin/start?") {
					t.Fatalf("held SAT request after the disconnect: %d %s; want 409 linkedin_not_connected with a connectUrl", got.status, got.body)
				}
				if _, err := p.srv.DB.MemberToken(context.Background(), "demo", "crm-user-31"); !errors.Is(err, store.ErrNotFound) {
					t.Fatalf("stored member token after the disconnect: %v; want none", err)
				}
				p.call("POST", "/api/v1/sales-access-token", s.Token, nil, http.StatusConflict, nil)
				return
			}
			var sat wire.SalesAccessToken
			if got.status != http.StatusOK || json.Unmarshal(got.body, &sat) != nil {
				t.Fatalf("held SAT request after the reconnect: %d %s; want 200", got.status, got.body)
			}
			if who := signedInAs(p, sat); who != members[1].Name {
				t.Fatalf("Sales Navigator signed in as %q, want the member connected last, %q", who, members[1].Name)
			}
			// After a restart (no cached SAT) the stored authorization is still the new member's.
			p = p.restart()
			p.call("POST", "/api/v1/sales-access-token", p.newSession("demo", "crm-user-31", rec).Token, nil, http.StatusOK, &sat)
			if who := signedInAs(p, sat); who != members[1].Name {
				t.Fatalf("after restart Sales Navigator signed in as %q, want %q", who, members[1].Name)
			}
		})
	}
}

// postJSON posts an empty JSON body with the session token, without
// failing the test: it runs outside the test goroutine.
func postJSON(p *product, path, token string) (int, []byte, error) {
	req, err := http.NewRequest(http.MethodPost, p.srv.URL+path, strings.NewReader("{}"))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := p.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

// signedInAs opens the SAT's iframe URL and returns the member the
// Display Services stand-in says is signed in.
func signedInAs(p *product, sat wire.SalesAccessToken) string {
	p.t.Helper()
	resp, page := p.do("GET", sat.IframeURL, "", nil)
	if resp.StatusCode != http.StatusOK {
		p.t.Fatalf("iframe URL refused: %d %s", resp.StatusCode, page)
	}
	_, rest, ok := strings.Cut(string(page), "Signed in as ")
	if !ok {
		p.t.Fatalf("iframe page names no signed-in member: %s", page)
	}
	who, _, _ := strings.Cut(rest, "<")
	return strings.TrimSpace(who)
}

// encryptionKeys starts the server with exactly these key-ring entries
// (and the tests' session key).
func encryptionKeys(keys ...string) func(*config.Config) {
	return func(c *config.Config) { c.Secrets.EncryptionKeys = keys }
}

// rotateTenantSecrets re-encrypts the stored tenants' secrets (not the
// member tokens) onto the first of keys, as a half-done rotation would.
func rotateTenantSecrets(t *testing.T, cfg config.Config, keys ...string) {
	t.Helper()
	ring, err := server.KeyRing(keys)
	if err != nil {
		t.Fatal(err)
	}
	db, err := server.OpenStore(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := admin.New(admin.Deps{Store: db, Ring: ring}).RotateSecrets(context.Background()); err != nil {
		t.Fatalf("rotate tenant secrets: %v", err)
	}
}

// TestRemovedEncryptionKeyAsksSellerToReconnect: a member token sealed
// with a key the operator has since removed from the ring is a reconnect,
// not a 500: the seller gets the Connect button, connects again and works;
// the start-up log and the health page say how many must reconnect.
func TestRemovedEncryptionKeyAsksSellerToReconnect(t *testing.T) {
	addr, dataDir := freeAddr(t), t.TempDir()
	li := startLinkedIn(t, "http://"+addr+"/oauth/linkedin/callback")
	k1, k2 := config.NewEncryptionKey("k1"), config.NewEncryptionKey("k2")
	p := startProduct(t, li, dataDir, addr, nil, encryptionKeys(k1))
	rec := p.demoRecords("demo", "matched")[0]
	s := p.newSession("demo", "crm-user-41", rec)
	var nc wire.Error
	p.call("POST", "/api/v1/sales-access-token", s.Token, nil, http.StatusConflict, &nc)
	p.connect(nc.Error.ConnectURL, firstMember(li), s.Token)
	p.call("POST", "/api/v1/sales-access-token", s.Token, nil, http.StatusOK, nil)
	p.stop()

	// The operator moved the tenants' secrets onto k2 but dropped k1
	// before the member tokens were re-encrypted.
	rotateTenantSecrets(t, p.srv.Config, k2, k1)
	p = startProduct(t, li, dataDir, addr, nil, encryptionKeys(k2))

	if w := keyWarnings(t, p.logs.String()); len(w) != 1 || w[0].Tenant != "demo" || w[0].Count != 1 || !slices.Equal(w[0].KeyIDs, []string{"k1"}) {
		t.Fatalf("start-up warnings = %+v; want one for tenant demo, count 1, key k1", w)
	}
	health := func() admin.Health {
		var h admin.Health
		p.call("GET", "/api/v1/admin/tenants/demo/health", testOperatorKey, nil, http.StatusOK, &h)
		return h
	}
	if h := health(); h.ConnectedViewers != 0 || h.ReconnectRequiredViewers != 1 {
		t.Fatalf("health = %d connected, %d to reconnect; want 0 and 1", h.ConnectedViewers, h.ReconnectRequiredViewers)
	}

	s = p.newSession("demo", "crm-user-41", rec)
	nc = wire.Error{}
	p.call("POST", "/api/v1/sales-access-token", s.Token, nil, http.StatusConflict, &nc)
	if nc.Error.Code != "linkedin_not_connected" || !strings.HasPrefix(nc.Error.ConnectURL, p.srv.URL+"/oauth/linkedin/start?") {
		t.Fatalf("SAT with a token sealed by a removed key: %+v; want linkedin_not_connected with a connectUrl", nc.Error)
	}
	p.connect(nc.Error.ConnectURL, firstMember(li), s.Token)
	var sat wire.SalesAccessToken
	p.call("POST", "/api/v1/sales-access-token", s.Token, nil, http.StatusOK, &sat)
	checkIframeURL(t, p, sat, rec)
	if h := health(); h.ConnectedViewers != 1 || h.ReconnectRequiredViewers != 0 {
		t.Fatalf("health after reconnecting = %d connected, %d to reconnect; want 1 and 0", h.ConnectedViewers, h.ReconnectRequiredViewers)
	}
}

// TestRemovedKeyPutBackRestoresConnections: the operator who removed a key
// by mistake puts it back, and the sellers need not reconnect.
func TestRemovedKeyPutBackRestoresConnections(t *testing.T) {
	addr, dataDir := freeAddr(t), t.TempDir()
	li := startLinkedIn(t, "http://"+addr+"/oauth/linkedin/callback")
	k1, k2 := config.NewEncryptionKey("k1"), config.NewEncryptionKey("k2")
	p := startProduct(t, li, dataDir, addr, nil, encryptionKeys(k1))
	rec := p.demoRecords("demo", "matched")[0]
	s := p.newSession("demo", "crm-user-42", rec)
	var nc wire.Error
	p.call("POST", "/api/v1/sales-access-token", s.Token, nil, http.StatusConflict, &nc)
	p.connect(nc.Error.ConnectURL, firstMember(li), s.Token)
	p.stop()
	rotateTenantSecrets(t, p.srv.Config, k2, k1)
	p = startProduct(t, li, dataDir, addr, nil, encryptionKeys(k2))
	p.stop()

	p = startProduct(t, li, dataDir, addr, nil, encryptionKeys(k2, k1))
	if w := keyWarnings(t, p.logs.String()); len(w) != 0 {
		t.Fatalf("start-up warnings with every key back: %+v", w)
	}
	p.call("POST", "/api/v1/sales-access-token", p.newSession("demo", "crm-user-42", rec).Token, nil, http.StatusOK, nil)
}

// keyWarning is the start-up warning about member tokens whose key is gone.
type keyWarning struct {
	Level  string   `json:"level"`
	Msg    string   `json:"msg"`
	Tenant string   `json:"tenant"`
	Count  int      `json:"count"`
	KeyIDs []string `json:"keyIds"`
}

func keyWarnings(t *testing.T, logs string) []keyWarning {
	t.Helper()
	var out []keyWarning
	for _, line := range strings.Split(logs, "\n") {
		var w keyWarning
		if json.Unmarshal([]byte(line), &w) == nil && w.Level == slog.LevelWarn.String() && w.KeyIDs != nil {
			out = append(out, w)
		}
	}
	return out
}

// TestTenantSecretsSealedWithRemovedKeyStopStartUp: the server cannot
// serve a tenant whose LinkedIn secret it cannot open, so it refuses to
// start, and says which tenant and which key.
func TestTenantSecretsSealedWithRemovedKeyStopStartUp(t *testing.T) {
	addr, dataDir := freeAddr(t), t.TempDir()
	li := startLinkedIn(t, "http://"+addr+"/oauth/linkedin/callback")
	startProduct(t, li, dataDir, addr, nil, encryptionKeys(config.NewEncryptionKey("k1"))).stop()

	cfg := config.Defaults()
	cfg.Secrets = config.Secrets{EncryptionKeys: []string{config.NewEncryptionKey("k2")}, SessionKey: testSecrets.SessionKey}
	cfg.Addr, cfg.DataDir = "127.0.0.1:0", dataDir
	useTestDatabase(t, &cfg)
	cfg.LinkedIn.APIBase, cfg.LinkedIn.RestBase = li.URL+"/v2", li.URL+"/rest"
	cfg.LinkedIn.AuthURL, cfg.LinkedIn.TokenURL = li.URL+"/oauth/v2/authorization", li.URL+"/oauth/v2/accessToken"
	cfg.LinkedIn.DisplayURL = li.URL + "/sales/widget/profile-matching"
	cfg.Tenants = sandbox.DemoTenants(li.opts, li.URL)
	srv, err := server.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err == nil {
		srv.DB.Close()
		t.Fatalf("server started with tenant secrets it cannot open")
	}
	for _, want := range []string{`tenant "demo"`, `"k1"`, "secrets.encryptionKeys"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("start-up error %q does not say %s", err, want)
		}
	}
}
