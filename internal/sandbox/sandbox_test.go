package sandbox

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/restli"
)

const (
	testSecret      = "client-secret-for-tests"
	testContext     = "context-secret-for-tests-0123456789abcdef"
	testRedirect    = "http://127.0.0.1:8080/oauth/linkedin/callback"
	testClientID    = "test-app-9d1e"
	limitedClientID = "limited-app-5b7c"
	weirdRecordID   = "a,b:(c)'d %e/é"
	weirdInstance   = "inst:one,(x)"
)

// clock is a settable time source shared by a test and its sandbox.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Advance(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

// harness is a sandbox served on loopback with a client that does not
// follow redirects, so tests can read them.
type harness struct {
	t      *testing.T
	sb     *Sandbox
	srv    *httptest.Server
	clock  *clock
	client *http.Client
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	return newHarnessWith(t, nil)
}

// newHarnessWith is newHarness with configure applied to the Config.
func newHarnessWith(t *testing.T, configure func(*Config)) *harness {
	t.Helper()
	clk := &clock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
	apps := append(DemoApps(DemoOptions{ClientSecret: testSecret, ContextSecret: testContext, RedirectURI: testRedirect}),
		App{ClientID: testClientID, ClientSecret: testSecret, RedirectURIs: []string{testRedirect},
			Instances: []Instance{
				{Partner: "SFDC", InstanceID: weirdInstance, SyncEnabled: true, Records: []Record{
					{ID: weirdRecordID, FirstName: "Odd", LastName: "Keys", Outcome: OutcomeMatched},
					{ID: "c-001", FirstName: "Plain", LastName: "Record", Outcome: OutcomeNoPhoto},
				}},
				{Partner: "SFDC", InstanceID: "unknown-sync", SyncEnabled: true, SyncUnknown: true,
					Records: []Record{{ID: "c-002", Outcome: OutcomeMatched}}},
			}},
		App{ClientID: limitedClientID, ClientSecret: testSecret, RedirectURIs: []string{testRedirect},
			Scopes: []string{ScopeAnalytics}},
	)
	cfg := Config{Apps: apps, Now: clk.Now}
	if configure != nil {
		configure(&cfg)
	}
	sb, err := Open(cfg)
	if err != nil {
		t.Fatalf("open sandbox: %v", err)
	}
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	return &harness{t: t, sb: sb, srv: srv, clock: clk, client: &http.Client{
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       10 * time.Second,
	}}
}

// answer is an HTTP answer read in full.
type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(a.body, &m); err != nil {
		t.Fatalf("answer %d is not JSON: %v: %s", a.status, err, a.body)
	}
	return m
}

func (h *harness) do(req *http.Request) answer {
	h.t.Helper()
	resp, err := h.client.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatalf("read answer: %v", err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: body}
}

func (h *harness) get(path string, header map[string]string) answer {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodGet, h.srv.URL+path, nil)
	if err != nil {
		h.t.Fatalf("new request %s: %v", path, err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return h.do(req)
}

func (h *harness) postForm(path string, form url.Values) answer {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodPost, h.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		h.t.Fatalf("new request: %v", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return h.do(req)
}

// api calls a v2 endpoint as LinkedIn's client would.
func (h *harness) api(path, token string) answer {
	h.t.Helper()
	header := map[string]string{"X-Restli-Protocol-Version": "2.0.0"}
	if token != "" {
		header["Authorization"] = "Bearer " + token
	}
	return h.get(path, header)
}

// pkce returns a verifier and its S256 challenge.
func pkce(seed string) (verifier, challenge string) {
	verifier = strings.Repeat(seed, 50/len(seed)+1)[:50]
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

// consent runs the consent form for clientID as the first demo member and
// returns the redirect's query.
func (h *harness) consent(clientID, scope, challenge, decision string) url.Values {
	h.t.Helper()
	form := url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {testRedirect},
		"state": {"st-1"}, "scope": {scope}, "member": {DemoMembers()[0].ID}, "decision": {decision}}
	if challenge != "" {
		form.Set("code_challenge", challenge)
		form.Set("code_challenge_method", "S256")
	}
	a := h.postForm("/oauth/v2/authorization", form)
	if a.status != http.StatusFound {
		h.t.Fatalf("consent: status %d, want 302: %s", a.status, a.body)
	}
	loc, err := url.Parse(a.header.Get("Location"))
	if err != nil || !strings.HasPrefix(loc.String(), testRedirect+"?") {
		h.t.Fatalf("consent redirected to %q, want %s?…", a.header.Get("Location"), testRedirect)
	}
	return loc.Query()
}

// memberToken runs the whole code flow and returns the access and
// refresh tokens.
func (h *harness) memberToken(clientID, scope string) (access, refresh string) {
	h.t.Helper()
	code := h.consent(clientID, scope, "", "allow").Get("code")
	a := h.postForm("/oauth/v2/accessToken", url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {testRedirect}, "client_id": {clientID}, "client_secret": {testSecret}})
	if a.status != http.StatusOK {
		h.t.Fatalf("exchange code: %d %s", a.status, a.body)
	}
	m := a.json(h.t)
	return m["access_token"].(string), m["refresh_token"].(string)
}

// appToken gets a client-credentials token.
func (h *harness) appToken(clientID string) string {
	h.t.Helper()
	a := h.postForm("/oauth/v2/accessToken", url.Values{"grant_type": {"client_credentials"},
		"client_id": {clientID}, "client_secret": {testSecret}})
	if a.status != http.StatusOK {
		h.t.Fatalf("client credentials: %d %s", a.status, a.body)
	}
	return a.json(h.t)["access_token"].(string)
}

// demoRecord returns the first demo record with the outcome.
func demoRecord(t *testing.T, outcome string) Record {
	t.Helper()
	for _, rec := range DemoApps(DemoOptions{})[0].Instances[0].Records {
		if rec.Outcome == outcome {
			return rec
		}
	}
	t.Fatalf("no demo record with outcome %s", outcome)
	return Record{}
}

func key(partner, instanceID, recordID string) restli.Record {
	return restli.Record{{Name: "partner", Value: partner}, {Name: "instanceId", Value: instanceID},
		{Name: "recordId", Value: recordID}}
}

func TestUnknownPathAnswers404JSON(t *testing.T) {
	h := newHarness(t)
	for _, scenario := range []string{"/v3/nothing", "/", "/oauth/v2/other", "/sales/widget"} {
		t.Run(scenario, func(t *testing.T) {
			a := h.get(scenario, nil)
			if a.status != http.StatusNotFound || a.header.Get("Content-Type") != "application/json" {
				t.Fatalf("got %d %q, want 404 JSON", a.status, a.header.Get("Content-Type"))
			}
			if m := a.json(t); m["status"] != float64(404) || m["message"] == "" {
				t.Fatalf("body %v is not {message,status,serviceErrorCode}", m)
			}
		})
	}
}
