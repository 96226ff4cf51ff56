package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/snapbridge/snapbridge/internal/config"
	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/sandbox"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// TestNoLogLineCarriesASecretOrPersonalData runs a seller's and an
// admin's whole day at debug level — sessions, look-ups, connecting
// through LinkedIn's consent, a Sales Access Token, an API key, an export,
// a LinkedIn call that fails, disconnecting — and then reads every log
// line: none carries a token, a secret, a key, an email address or the
// name of a record, a viewer or a LinkedIn member, and every line logged
// within a request names the request and its trace.
func TestNoLogLineCarriesASecretOrPersonalData(t *testing.T) {
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(tracetest.NewSpanRecorder()))
	t.Cleanup(func() { tp.Shutdown(context.Background()) })
	addr := freeAddr(t)
	li := startLinkedIn(t, "http://"+addr+"/oauth/linkedin/callback")
	p := startProduct(t, li, t.TempDir(), addr, nil, func(c *config.Config) { c.Tracing.Provider = tp })
	secrets := []string{testOperatorKey, testSecrets.SessionKey, li.opts.ClientSecret, li.opts.ContextSecret,
		sandbox.NoSyncContextSecret(li.opts.ContextSecret), sandbox.SalesforceConsumerSecret(li.opts.ContextSecret),
		sandbox.SalesforceContextSecret(li.opts.ContextSecret)}
	for _, k := range testSecrets.EncryptionKeys {
		_, key, _ := strings.Cut(k, ":")
		secrets = append(secrets, key)
	}

	records := p.demoRecords("demo", "matched")
	const viewer = "crm-user-leak-1"
	ctxToken := p.signedContext("demo", viewer, records[0], records[1])
	var s wire.Session
	p.call("POST", "/api/v1/sessions", "", wire.SessionRequest{Ctx: ctxToken}, http.StatusCreated, &s)
	secrets = append(secrets, ctxToken, s.Token)
	p.call("GET", "/api/v1/associations", s.Token, nil, http.StatusOK, nil)

	var notConnected wire.Error
	p.call("POST", "/api/v1/sales-access-token", s.Token, map[string]string{"recordId": records[0].ID}, http.StatusConflict, &notConnected)
	p.connect(notConnected.Error.ConnectURL, firstMember(li), s.Token)
	var sat wire.SalesAccessToken
	p.call("POST", "/api/v1/sales-access-token", s.Token, map[string]string{"recordId": records[0].ID}, http.StatusOK, &sat)
	secrets = append(secrets, sat.Token)

	admin := p.adminSession("demo", "crm-admin-leak")
	secrets = append(secrets, admin)
	var key struct {
		Key string `json:"key"`
	}
	p.call("POST", "/api/v1/admin/tenants/demo/api-keys", admin, map[string]string{"name": "CI"}, http.StatusCreated, &key)
	secrets = append(secrets, key.Key)
	var e wire.Error
	exports := "/api/v1/admin/tenants/demo/exports"
	end := time.Now().Add(-24 * time.Hour)
	body := exportBody(sandbox.ContractURN(sandbox.DemoEnterpriseContract), "seat", end.Add(-30*24*time.Hour), end)
	p.call("POST", exports, admin, body, http.StatusConflict, &e)
	p.connectAsking(e.Error.ConnectURL, firstMember(li), admin, linkedin.ScopeAnalytics)
	p.call("POST", exports, admin, body, http.StatusCreated, nil)

	// LinkedIn fails: the look-up is logged as failed, with nothing of the
	// records, and so is a refused token.
	li.SetFaults(sandbox.Faults{Next500: 10})
	p.call("GET", "/api/v1/associations?forceRefresh=true&records="+records[1].ID, s.Token, nil, http.StatusOK, nil)
	li.SetFaults(sandbox.Faults{})
	p.call("GET", "/api/v1/associations", "not-a-session-token-but-a-secret-42", nil, http.StatusUnauthorized, nil)
	secrets = append(secrets, "not-a-session-token-but-a-secret-42")

	p.call("DELETE", "/api/v1/linkedin/connection", s.Token, nil, http.StatusNoContent, nil)
	p.stop()

	logs := p.logs.String()
	if !strings.Contains(logs, `"level":"DEBUG"`) || !strings.Contains(logs, "profile association lookup failed") {
		t.Fatalf("the run did not log at debug, or not the failing LinkedIn call:\n%s", logs)
	}
	for _, sec := range secrets {
		if sec != "" && strings.Contains(logs, sec) {
			t.Errorf("the log carries a secret or token %.8s…", sec)
		}
	}
	if strings.Contains(logs, "sandbox-") {
		t.Error("the log carries a LinkedIn token (sandbox-…)")
	}
	if m := regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[a-z]{2,}`).FindString(logs); m != "" {
		t.Errorf("the log carries an email address: %s", m)
	}
	var names []string
	for _, tn := range []string{"demo", "nosync"} {
		for _, r := range p.allDemoRecords(tn) {
			names = append(names, r.FirstName+" "+r.LastName, r.Email)
		}
	}
	for _, m := range li.Members() {
		names = append(names, m.Name)
	}
	names = append(names, "Sam Seller", "Ada Admin")
	for _, n := range names {
		if strings.TrimSpace(n) != "" && strings.Contains(logs, n) {
			t.Errorf("the log carries the name or email %q", n)
		}
	}

	// Every request's line names its request and trace.
	sc := bufio.NewScanner(strings.NewReader(logs))
	sc.Buffer(nil, 1<<20)
	requests := 0
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("a log line is not JSON: %s", sc.Text())
		}
		if line["msg"] != "http" {
			continue
		}
		requests++
		if line["requestId"] == nil || line["trace_id"] == nil || line["span_id"] == nil {
			t.Errorf("a request's line lacks its request or trace id: %s", sc.Text())
		}
	}
	if requests == 0 {
		t.Error("no request was logged")
	}
}

// allDemoRecords returns every seed record of a tenant's instance.
func (p *product) allDemoRecords(tenantID string) []wire.Record {
	t := p.tenant(tenantID)
	var out []wire.Record
	for _, app := range sandbox.DemoApps(p.li.opts) {
		if app.ClientID != t.LinkedIn.ClientID {
			continue
		}
		for _, in := range app.Instances {
			for _, r := range in.Records {
				out = append(out, wire.Record{FirstName: r.FirstName, LastName: r.LastName, Email: r.Email})
			}
		}
	}
	return out
}
