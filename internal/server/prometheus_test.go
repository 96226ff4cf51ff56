package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/config"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// prometheusBinary finds the Debian prometheus server; without it the
// test skips, except under CI=true, where it must run.
func prometheusBinary(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/prometheus"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("prometheus"); err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("prometheus is not installed (apt-get install prometheus); CI=true requires this test to run")
	}
	t.Skip("prometheus is not installed (apt-get install prometheus)")
	return ""
}

// promServer is a private Prometheus server scraping one target every second.
type promServer struct {
	url string
	t   *testing.T
}

// startPrometheus runs prometheus on a free loopback port with a
// temporary configuration and data directory, scraping target (host:port)
// every second, and waits until it is ready.
func startPrometheus(t *testing.T, bin, target string) *promServer {
	t.Helper()
	dir := t.TempDir()
	cfg := fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: snapbridge
    static_configs:
      - targets: [%q]
`, target)
	cfgFile := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	logFile, err := os.Create(filepath.Join(dir, "prometheus.log"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "--config.file="+cfgFile, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr, "--log.level=warn")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start prometheus: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		logFile.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logFile.Name())
			t.Logf("prometheus log:\n%s", b)
		}
	})
	p := &promServer{url: "http://" + addr, t: t}
	p.waitFor("prometheus ready", func() bool {
		resp, err := http.Get(p.url + "/-/ready")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return p
}

// waitFor polls cond until it holds; Prometheus is a separate process
// with no hook to wait on, so polling with a deadline is the only way.
func (p *promServer) waitFor(what string, cond func() bool) {
	p.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			p.t.Fatalf("waited 60s for %s", what)
		}
		<-tick.C
	}
}

// promSample is one element of an instant vector answer.
type promSample struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value"`
}

func (s promSample) float() float64 {
	v, _ := s.Value[1].(string)
	f, _ := strconv.ParseFloat(v, 64)
	return f
}

// query runs an instant PromQL query through the HTTP API (/api/v1/query).
func (p *promServer) query(q string) []promSample {
	p.t.Helper()
	resp, err := http.Get(p.url + "/api/v1/query?query=" + url.QueryEscape(q))
	if err != nil {
		p.t.Fatalf("query %s: %v", q, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var ans struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			ResultType string       `json:"resultType"`
			Result     []promSample `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal(raw, &ans); err != nil || ans.Status != "success" {
		p.t.Fatalf("query %s: %s (%v)", q, raw, err)
	}
	return ans.Data.Result
}

// scalar runs q and returns its single value (0 when the vector is empty).
func (p *promServer) scalar(q string) float64 {
	p.t.Helper()
	res := p.query(q)
	switch len(res) {
	case 0:
		return 0
	case 1:
		return res[0].float()
	}
	p.t.Fatalf("query %s: %d series, want one", q, len(res))
	return 0
}

// TestPrometheusSeesWhatLinkedInCounted runs a real Prometheus server
// against snapbridge's metrics listener during a seller's flow (sessions,
// association look-ups, a connect, Sales Access Tokens) and checks that
// PromQL answers what the LinkedIn stand-in counted, and the cache hits
// the flow caused, with no raw path or id in any label.
func TestPrometheusSeesWhatLinkedInCounted(t *testing.T) {
	bin := prometheusBinary(t)
	addr := freeAddr(t)
	li := startLinkedIn(t, "http://"+addr+"/oauth/linkedin/callback")
	p := startProduct(t, li, t.TempDir(), addr, nil, func(c *config.Config) { c.Metrics.Addr = "127.0.0.1:0" })
	if p.srv.MetricsURL == "" || p.srv.MetricsURL == p.srv.URL {
		t.Fatalf("metrics URL %q, want a listener of its own beside %s", p.srv.MetricsURL, p.srv.URL)
	}
	// The public port does not serve the metrics.
	if resp, body := p.do("GET", p.srv.URL+"/metrics", "", nil); strings.Contains(string(body), "snapbridge_http_requests_total") {
		t.Fatalf("GET /metrics on the public port answered %d with the metrics", resp.StatusCode)
	}
	prom := startPrometheus(t, bin, strings.TrimPrefix(p.srv.MetricsURL, "http://"))
	prom.waitFor("a first scrape", func() bool { return prom.scalar(`up{job="snapbridge"}`) == 1 })

	// The seller's flow.
	matched := p.demoRecords("demo", "matched")[0]
	noPhoto := p.demoRecords("demo", "no_photo")[0]
	noMatch := p.demoRecords("demo", "no_match")[0]
	s := p.newSession("demo", "crm-user-prom", matched, noPhoto, noMatch)
	var got wire.Associations
	p.call("GET", "/api/v1/associations", s.Token, nil, http.StatusOK, &got) // 3 misses
	p.call("GET", "/api/v1/associations?records="+matched.ID, s.Token, nil, http.StatusOK, &got)
	p.call("GET", "/api/v1/associations?records="+noMatch.ID, s.Token, nil, http.StatusOK, &got) // 2 hits
	var nc wire.Error
	p.call("POST", "/api/v1/sales-access-token", s.Token, map[string]string{"recordId": matched.ID}, http.StatusConflict, &nc)
	p.connect(nc.Error.ConnectURL, firstMember(li), s.Token)
	var sat wire.SalesAccessToken
	p.call("POST", "/api/v1/sales-access-token", s.Token, map[string]string{"recordId": matched.ID}, http.StatusOK, &sat)
	p.call("POST", "/api/v1/sales-access-token", s.Token, map[string]string{"recordId": matched.ID}, http.StatusOK, &sat) // a SAT hit
	s2 := p.newSession("demo", "crm-user-prom-2", matched)
	p.call("GET", "/api/v1/associations", s2.Token, nil, http.StatusOK, &got) // 1 hit
	random := fmt.Sprintf("/w/tenant-%d/nothing-here", time.Now().UnixNano())
	p.do("GET", p.srv.URL+random, "", nil)
	p.do("GET", p.srv.URL+"/no/such/path/"+strconv.FormatInt(time.Now().UnixNano(), 36), "", nil)
	stats := li.Stats()
	flowEnd := time.Now()

	// Wait for a scrape that started after the flow ended.
	prom.waitFor("a scrape after the flow", func() bool {
		return prom.scalar(`timestamp(up{job="snapbridge"})`) > float64(flowEnd.UnixMilli())/1000+1
	})

	for _, c := range []struct {
		scenario, query string
		want            int
	}{
		{"SAT calls", `sum(snapbridge_linkedin_calls_total{endpoint="sat"})`, stats["salesAccessTokens"]},
		{"single association calls", `sum(snapbridge_linkedin_calls_total{endpoint="association"})`, stats["profileAssociations.get"]},
		{"batch association calls", `sum(snapbridge_linkedin_calls_total{endpoint="association_batch"})`, stats["profileAssociations.batch"]},
		{"token grants", `sum(snapbridge_linkedin_calls_total{endpoint=~"token_.*"})`, stats["oauth.token"]},
		{"association look-ups answered by LinkedIn", `sum(snapbridge_linkedin_calls_total{endpoint=~"association.*",outcome="2xx"})`,
			stats["profileAssociations.get"] + stats["profileAssociations.batch"]},
		{"association cache hits the flow caused", `sum(snapbridge_cache_events_total{cache="associations",event="hit"})`, 3},
		{"association cache misses", `sum(snapbridge_cache_events_total{cache="associations",event="miss"})`, 3},
		{"SAT cache hits", `sum(snapbridge_cache_events_total{cache="sat",event="hit"})`, 1},
		{"widget sessions issued", `sum(snapbridge_widget_sessions_issued_total{tenant="demo"})`, 2},
		{"connects started", `sum(snapbridge_connects_total{stage="started"})`, 1},
		{"connects completed", `sum(snapbridge_connects_total{stage="completed"})`, 1},
		{"connected member tokens (store-backed)", `max by (tenant) (snapbridge_member_tokens{tenant="demo",status="connected"})`, 1},
		{"association look-ups answered", `sum(snapbridge_http_requests_total{route="/api/v1/associations",method="GET",status="200"})`, 4},
		{"widget path under its template", `sum(snapbridge_http_requests_total{route="/w/:tenant/*"})`, 1},
		// /no/such/… and /metrics asked of the public port: answered (404)
		// by the widget's handler, which serves every other path.
		{"unknown paths under one label", `sum(snapbridge_http_requests_total{route="widget",status="404"})`, 2},
	} {
		got := prom.scalar(c.query)
		t.Logf("%s: %s = %v (expected %d)", c.scenario, c.query, got, c.want)
		if got != float64(c.want) {
			t.Errorf("%s: %s = %v, want %d (stand-in stats %v)", c.scenario, c.query, got, c.want, stats)
		}
	}
	// The console's health view reads the store-backed figures with the
	// collector's code: it agrees with what Prometheus scraped.
	var health struct {
		Budget  struct{ Used int } `json:"budget"`
		Cluster *struct {
			MemberTokens map[string]int `json:"memberTokens"`
			BudgetUsed   int            `json:"budgetUsed"`
			BudgetLimit  int            `json:"budgetLimit"`
		} `json:"cluster"`
	}
	p.call("GET", "/api/v1/admin/tenants/demo/health", testOperatorKey, nil, http.StatusOK, &health)
	if health.Cluster == nil {
		t.Fatal("the health view has no cluster-wide figures")
	}
	for _, c := range []struct {
		what  string
		query string
		got   int
	}{
		{"connected sellers", `max(snapbridge_member_tokens{tenant="demo",status="connected"})`, health.Cluster.MemberTokens["connected"]},
		{"budget used", `max(snapbridge_lookup_budget_used{tenant="demo"})`, health.Cluster.BudgetUsed},
		{"budget limit", `max(snapbridge_lookup_budget_limit{tenant="demo"})`, health.Cluster.BudgetLimit},
	} {
		if want := prom.scalar(c.query); float64(c.got) != want || want == 0 {
			t.Errorf("health view %s = %d, Prometheus %s = %v", c.what, c.got, c.query, want)
		}
	}
	if health.Cluster.BudgetUsed != health.Budget.Used {
		t.Errorf("health view budget: cluster %d, budget %d", health.Cluster.BudgetUsed, health.Budget.Used)
	}
	if stats["profileAssociations.batch"]+stats["profileAssociations.get"] == 0 || stats["salesAccessTokens"] == 0 {
		t.Fatalf("the flow reached LinkedIn too little to compare: %v", stats)
	}
	for _, q := range []string{
		`count(snapbridge_http_requests_total{route=~".*tenant-[0-9].*|.*/no/such.*"})`,
		`count({__name__=~"snapbridge_.*", viewer!=""})`,
		`count({__name__=~"snapbridge_.*", record!=""})`,
	} {
		if res := prom.query(q); len(res) != 0 {
			t.Errorf("%s: %v, want no series (a raw path or id in a label)", q, res)
		}
	}
}
