package server_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/config"
	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/sandbox"
	"github.com/snapbridge/snapbridge/internal/server"
	"github.com/snapbridge/snapbridge/internal/session"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// shiftClock is a clock the stand-in and the platform services share, so
// a test can let hours pass at LinkedIn (jobs finish, links expire,
// messages arrive) in an instant.
type shiftClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *shiftClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *shiftClock) advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// platform is snapbridge and the stand-in on one shifted clock, with
// export polling and compliance archiving tuned for tests.
type platform struct {
	*product
	clock *shiftClock
}

func startPlatform(t *testing.T) *platform {
	t.Helper()
	addr := freeAddr(t)
	clk := &shiftClock{}
	opts := sandbox.DemoOptions{
		ClientSecret:  "demo-client-secret-for-tests-0123",
		ContextSecret: "demo-context-secret-for-tests-0123456789",
		CRMOrigin:     "http://127.0.0.1:8090",
		RedirectURI:   "http://" + addr + "/oauth/linkedin/callback",
	}
	sb := sandbox.New(sandbox.Config{Apps: sandbox.DemoApps(opts), Now: clk.Now,
		JobTiming: sandbox.JobTiming{Enqueued: 2 * time.Second, Processing: 5 * time.Second}})
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	li := &linkedIn{Sandbox: sb, URL: srv.URL, opts: opts}
	return &platform{product: startPlatformProduct(t, li, t.TempDir(), addr, clk), clock: clk}
}

// startPlatformProduct is startProduct with the platform's clock and fast
// polling.
func startPlatformProduct(t *testing.T, li *linkedIn, dataDir, addr string, clk *shiftClock) *product {
	t.Helper()
	cfg := config.Defaults()
	cfg.Addr, cfg.DataDir = addr, dataDir
	useTestDatabase(t, &cfg)
	cfg.LinkedIn.APIBase = li.URL + "/v2"
	cfg.LinkedIn.RestBase = li.URL + "/rest"
	cfg.LinkedIn.AuthURL = li.URL + "/oauth/v2/authorization"
	cfg.LinkedIn.TokenURL = li.URL + "/oauth/v2/accessToken"
	cfg.LinkedIn.DisplayURL = li.URL + "/sales/widget/profile-matching"
	cfg.LinkedIn.MediaOrigins = []string{li.URL}
	cfg.ShutdownGrace = 5 * time.Second
	cfg.Secrets = testSecrets
	cfg.Platform = config.Platform{ExportFirstPoll: 20 * time.Millisecond, ExportMaxPoll: 100 * time.Millisecond,
		ComplianceSync: time.Hour, ComplianceStatusCheck: 6 * time.Hour, Now: clk.Now}
	cfg.Tenants = sandbox.DemoTenants(li.opts, li.URL)
	logs := &syncBuffer{}
	srv, err := server.New(cfg, slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatalf("start server: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
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

// restart stops the server and starts it again on the same database.
func (p *platform) restart(t *testing.T) {
	p.stop()
	p.product = startPlatformProduct(t, p.li, p.dataDir, p.addr, p.clock)
}

// adminSession opens a console session: a context carrying the admin role.
func (p *product) adminSession(tenantID, viewer string) string {
	p.t.Helper()
	outcome := "matched"
	if tenantID == "nosync" {
		outcome = "crm_sync_disabled"
	}
	rec := p.demoRecords(tenantID, outcome)[0]
	ctx, err := session.SignContext(p.tenant(tenantID), session.ContextClaims{
		Viewer: wire.Viewer{ID: viewer, Name: "Ada Admin"}, Records: []wire.Record{rec}, Roles: []string{"admin"},
	}, time.Now())
	if err != nil {
		p.t.Fatalf("sign admin context: %v", err)
	}
	var s wire.Session
	p.call("POST", "/api/v1/sessions", "", wire.SessionRequest{Ctx: ctx}, http.StatusCreated, &s)
	return s.Token
}

// connectAsking walks the consent popup like product.connect, first
// checking the consent asks for every scope in want.
func (p *product) connectAsking(connectURL, member, token string, want ...string) {
	p.t.Helper()
	resp, _ := p.do("GET", connectURL, "", nil)
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil {
		p.t.Fatalf("connect start: status %d", resp.StatusCode)
	}
	asked := strings.Fields(loc.Query().Get("scope"))
	for _, s := range want {
		if !slices.Contains(asked, s) {
			p.t.Fatalf("the consent asks for %v, want %s among them", asked, s)
		}
	}
	form := loc.Query()
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
	resp, page := p.do("GET", presp.Header.Get("Location"), "", nil)
	if resp.StatusCode != http.StatusOK {
		p.t.Fatalf("callback: status %d: %s", resp.StatusCode, page)
	}
	p.confirmConnection(string(page), token)
}

// exportJSON is the part of an export answer the tests read.
type exportJSON struct {
	ID             int64     `json:"id"`
	Status         string    `json:"status"`
	LinkedInStatus string    `json:"linkedinStatus"`
	Message        string    `json:"message"`
	Progress       int       `json:"progress"`
	RowCount       *int64    `json:"rowCount"`
	Download       string    `json:"download"`
	StartAt        time.Time `json:"startAt"`
}

// waitExport lets LinkedIn's time pass until the job has the status.
func (p *platform) waitExport(tok string, id int64, status string) exportJSON {
	p.t.Helper()
	path := "/api/v1/admin/tenants/demo/exports/" + strconv.FormatInt(id, 10)
	var j exportJSON
	for range 200 {
		p.call("GET", path, tok, nil, http.StatusOK, &j)
		if j.Status == status {
			return j
		}
		p.clock.advance(time.Second)
		time.Sleep(20 * time.Millisecond)
	}
	p.t.Fatalf("export %d stayed %s (%s), want %s", id, j.Status, j.Message, status)
	return j
}

func exportBody(contract, action string, start, end time.Time) map[string]any {
	return map[string]any{"contract": contract, "action": action, "startAt": start.Format(time.RFC3339), "endAt": end.UnixMilli()}
}

// TestAdminExportsAnalytics: an admin connects LinkedIn with analytics
// access when first needed, exports seat data, a second export of the
// same contract and action waits its turn, both complete, and the
// download link is renewed once LinkedIn's one-hour link expired.
func TestAdminExportsAnalytics(t *testing.T) {
	p := startPlatform(t)
	member := firstMember(p.li)
	enterprise := sandbox.ContractURN(sandbox.DemoEnterpriseContract)
	team := sandbox.ContractURN(sandbox.DemoTeamContract)
	admin := p.adminSession("demo", "crm-admin-1")
	exports := "/api/v1/admin/tenants/demo/exports"
	end := p.clock.Now().Add(-24 * time.Hour)
	start := end.Add(-30 * 24 * time.Hour)

	var e wire.Error
	p.call("POST", exports, admin, exportBody(enterprise, "seat", start, end), http.StatusConflict, &e)
	if e.Error.Code != "linkedin_not_connected" || e.Error.ConnectURL == "" || !strings.Contains(e.Error.Message, linkedin.ScopeAnalytics) {
		t.Fatalf("export before connecting: %+v", e.Error)
	}
	p.connectAsking(e.Error.ConnectURL, member, admin, linkedin.ScopeDisplay, linkedin.ScopeAnalytics)

	var contracts struct {
		Contracts []struct {
			Contract           string `json:"contract"`
			Name               string `json:"name"`
			HasReportingAccess bool   `json:"hasReportingAccess"`
		} `json:"contracts"`
	}
	p.call("GET", "/api/v1/admin/tenants/demo/contracts", admin, nil, http.StatusOK, &contracts)
	if len(contracts.Contracts) != 2 || contracts.Contracts[0].Name == "" {
		t.Fatalf("contracts = %+v", contracts)
	}

	refusals := []struct {
		scenario, code, field string
		body                  map[string]any
		status                int
	}{
		{scenario: "a 95-day range", body: exportBody(enterprise, "seat", end.Add(-95*24*time.Hour), end), status: http.StatusBadRequest, code: "invalid_field", field: "endAt"},
		{scenario: "an unknown action", body: exportBody(enterprise, "everything", start, end), status: http.StatusBadRequest, code: "invalid_field", field: "action"},
		{scenario: "a contract without reporting access", body: exportBody(team, "seat", start, end), status: http.StatusForbidden, code: "contract_forbidden"},
	}
	for _, tc := range refusals {
		t.Run(tc.scenario, func(t *testing.T) {
			var e wire.Error
			p.with(t).call("POST", exports, admin, tc.body, tc.status, &e)
			if e.Error.Code != tc.code || !strings.Contains(e.Error.Message, tc.field) {
				t.Fatalf("error %+v, want %s naming %q", e.Error, tc.code, tc.field)
			}
			// The console puts the message next to the input the field names.
			if tc.code == "invalid_field" && e.Error.Field != tc.field {
				t.Fatalf("error field %q, want %q", e.Error.Field, tc.field)
			}
		})
	}
	var e95 wire.Error
	p.call("POST", exports, admin, exportBody(enterprise, "seat", end.Add(-95*24*time.Hour), end), http.StatusBadRequest, &e95)
	if !strings.Contains(e95.Error.Message, "95 days") || !strings.Contains(e95.Error.Message, "90 days") {
		t.Fatalf("the 95-day refusal %q does not say the range and the limit", e95.Error.Message)
	}

	p.li.ResetStats()
	var first, second exportJSON
	p.call("POST", exports, admin, exportBody(enterprise, "seat", start, end), http.StatusCreated, &first)
	p.call("POST", exports, admin, exportBody(enterprise, "seat", start.Add(-24*time.Hour), end), http.StatusCreated, &second)
	if first.Status != "running" || second.Status != "waiting" || !strings.Contains(second.Message, "one export per contract and action") {
		t.Fatalf("first %+v, second %+v: want the second waiting in our queue and saying so", first, second)
	}
	if n := p.li.Stats()["analyticsExport.create"]; n != 1 {
		t.Fatalf("LinkedIn got %d export jobs while one was running, want 1", n)
	}

	done := p.waitExport(admin, first.ID, "completed")
	if done.RowCount == nil || done.Progress != 100 || done.Download == "" {
		t.Fatalf("completed export %+v lacks rows, progress or link", done)
	}
	p.waitExport(admin, second.ID, "completed")
	if n := p.li.Stats()["analyticsExport.create"]; n != 2 {
		t.Fatalf("LinkedIn got %d export jobs, want 2", n)
	}

	link := func() string {
		t.Helper()
		resp, _ := p.do("GET", p.srv.URL+done.Download, admin, nil)
		if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), p.li.URL) {
			t.Fatalf("download: status %d to %q, want a redirect to LinkedIn", resp.StatusCode, resp.Header.Get("Location"))
		}
		return resp.Header.Get("Location")
	}
	old := link()
	if resp, body := p.do("GET", old, "", nil); resp.StatusCode != http.StatusOK || !strings.Contains(string(body), ",") {
		t.Fatalf("the download link gave %d: %.200s", resp.StatusCode, body)
	}
	if again := link(); again != old {
		t.Fatalf("a link still valid was replaced: %q then %q", old, again)
	}
	p.clock.advance(2 * time.Hour)
	if resp, _ := p.do("GET", old, "", nil); resp.StatusCode == http.StatusOK {
		t.Fatal("LinkedIn still serves a link older than an hour")
	}
	fresh := link()
	if fresh == old {
		t.Fatal("an expired link was handed out again")
	}
	if resp, _ := p.do("GET", fresh, "", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("the renewed link gave %d", resp.StatusCode)
	}

	var list struct{ Exports []exportJSON }
	p.call("GET", exports, admin, nil, http.StatusOK, &list)
	if len(list.Exports) != 2 || list.Exports[0].ID != second.ID {
		t.Fatalf("list = %+v, want both, newest first", list.Exports)
	}
}

// TestSellerGrantsAnalyticsWhenFirstNeeded: a seller connected for the
// widget only is asked for analytics access when they open contracts,
// and the new consent keeps the display scope.
func TestSellerGrantsAnalyticsWhenFirstNeeded(t *testing.T) {
	p := startPlatform(t)
	member := firstMember(p.li)
	rec := p.demoRecords("demo", "matched")[0]
	s := p.newSession("demo", "crm-user-21", rec)
	var e wire.Error
	p.call("POST", "/api/v1/sales-access-token", s.Token, nil, http.StatusConflict, &e)
	p.connect(e.Error.ConnectURL, member, s.Token)

	p.call("GET", "/api/v1/contracts", s.Token, nil, http.StatusConflict, &e)
	if e.Error.Code != "linkedin_scope_required" || !strings.Contains(e.Error.Message, linkedin.ScopeAnalytics) || e.Error.ConnectURL == "" {
		t.Fatalf("contracts without the scope: %+v", e.Error)
	}
	p.connectAsking(e.Error.ConnectURL, member, s.Token, linkedin.ScopeDisplay, linkedin.ScopeAnalytics)
	var contracts struct {
		Contracts []struct {
			Contract           string `json:"contract"`
			HasReportingAccess bool   `json:"hasReportingAccess"`
		} `json:"contracts"`
	}
	p.call("GET", "/api/v1/contracts", s.Token, nil, http.StatusOK, &contracts)
	if len(contracts.Contracts) == 0 || contracts.Contracts[0].Contract != sandbox.ContractURN(sandbox.DemoEnterpriseContract) || !contracts.Contracts[0].HasReportingAccess {
		t.Fatalf("contracts = %+v", contracts)
	}
	// The widget still works: the new consent kept the display scope.
	var sat wire.SalesAccessToken
	p.call("POST", "/api/v1/sales-access-token", s.Token, nil, http.StatusOK, &sat)
}

// TestExportPollingSurvivesRestart: the server stops while LinkedIn is
// still preparing the file; the restarted server resumes polling from the
// database and the job completes, sent to LinkedIn exactly once.
func TestExportPollingSurvivesRestart(t *testing.T) {
	p := startPlatform(t)
	admin := p.adminSession("demo", "crm-admin-2")
	var e wire.Error
	end := p.clock.Now().Add(-time.Hour)
	body := exportBody(sandbox.ContractURN(sandbox.DemoEnterpriseContract), "activity", end.Add(-7*24*time.Hour), end)
	p.call("POST", "/api/v1/admin/tenants/demo/exports", admin, body, http.StatusConflict, &e)
	p.connectAsking(e.Error.ConnectURL, firstMember(p.li), admin, linkedin.ScopeAnalytics)
	p.li.ResetStats()
	var j exportJSON
	p.call("POST", "/api/v1/admin/tenants/demo/exports", admin, body, http.StatusCreated, &j)
	if j.Status != "running" {
		t.Fatalf("created %+v", j)
	}
	p.restart(t)
	admin = p.adminSession("demo", "crm-admin-2")
	done := p.waitExport(admin, j.ID, "completed")
	if done.RowCount == nil {
		t.Fatalf("after restart: %+v", done)
	}
	if n := p.li.Stats()["analyticsExport.create"]; n != 1 {
		t.Fatalf("LinkedIn got %d jobs across the restart, want 1", n)
	}
}

// TestValidationExportsChain: a CRM data validation export runs with the
// tenant's app token; the next one starts where LinkedIn said.
func TestValidationExportsChain(t *testing.T) {
	p := startPlatform(t)
	admin := p.adminSession("demo", "crm-admin-3")
	path := "/api/v1/admin/tenants/demo/validation-exports"
	var e wire.Error
	p.call("POST", path, admin, map[string]any{"sinceLastExport": true}, http.StatusBadRequest, &e)
	if e.Error.Code != "invalid_field" || e.Error.Field != "sinceLastExport" || !strings.Contains(e.Error.Message, "sinceLastExport") {
		t.Fatalf("since-last before any export: %+v", e.Error)
	}
	type validationJSON struct {
		ID                int64      `json:"id"`
		Status            string     `json:"status"`
		CRMInstance       string     `json:"crmInstance"`
		ExportStartAt     time.Time  `json:"exportStartAt"`
		NextExportStartAt *time.Time `json:"nextExportStartAt"`
		DownloadURLs      []string   `json:"downloadUrls"`
	}
	start := p.clock.Now().Add(-72 * time.Hour).Truncate(time.Millisecond)
	var j validationJSON
	p.call("POST", path, admin, map[string]any{"exportStartAt": start.UnixMilli()}, http.StatusCreated, &j)
	if j.Status != "running" || !strings.HasPrefix(j.CRMInstance, "urn:li:crmInstance:(") {
		t.Fatalf("created %+v", j)
	}
	for i := 0; j.Status == "running" && i < 200; i++ {
		p.clock.advance(time.Second)
		time.Sleep(20 * time.Millisecond)
		p.call("GET", path+"/"+strconv.FormatInt(j.ID, 10), admin, nil, http.StatusOK, &j)
	}
	if j.Status != "completed" || len(j.DownloadURLs) == 0 || j.NextExportStartAt == nil {
		t.Fatalf("validation export ended %+v", j)
	}
	var next validationJSON
	p.call("POST", path, admin, map[string]any{"sinceLastExport": true}, http.StatusCreated, &next)
	if !next.ExportStartAt.Equal(*j.NextExportStartAt) {
		t.Fatalf("since-last export starts at %s, want %s", next.ExportStartAt, *j.NextExportStartAt)
	}
	var list struct {
		Exports           []validationJSON `json:"exports"`
		NextExportStartAt *time.Time       `json:"nextExportStartAt"`
	}
	p.call("GET", path, admin, nil, http.StatusOK, &list)
	if len(list.Exports) != 2 || list.NextExportStartAt == nil || !list.NextExportStartAt.Equal(*j.NextExportStartAt) {
		t.Fatalf("list = %+v", list)
	}
}

// TestExportsRefuseOutsiders: exports belong to the tenant's admins only.
func TestExportsRefuseOutsiders(t *testing.T) {
	p := startPlatform(t)
	seller := p.newSession("demo", "crm-user-30", p.demoRecords("demo", "matched")[0])
	otherAdmin := p.adminSession("nosync", "crm-admin-9")
	tests := []struct {
		scenario, token string
		want            int
	}{
		{scenario: "no credentials", token: "", want: http.StatusUnauthorized},
		{scenario: "a seller's session without the admin role", token: seller.Token, want: http.StatusForbidden},
		{scenario: "an admin of another tenant", token: otherAdmin, want: http.StatusForbidden},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			for _, path := range []string{"/api/v1/admin/tenants/demo/exports", "/api/v1/admin/tenants/demo/validation-exports", "/api/v1/admin/tenants/demo/compliance/viewers"} {
				p.with(t).call("GET", path, tc.token, nil, tc.want, nil)
			}
		})
	}
}
