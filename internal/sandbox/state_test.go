package sandbox

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// restartable starts stand-ins one after the other on the same state file
// and clock, as a stand-in process restarted from its state would be.
type restartable struct {
	t     *testing.T
	file  string
	clock *clock
}

func (r *restartable) start() *harness {
	r.t.Helper()
	return newHarnessWith(r.t, func(c *Config) { c.StateFile, c.Now = r.file, r.clock.Now })
}

func newRestartable(t *testing.T, file string) *restartable {
	h := newHarness(t) // only for its clock's starting time
	return &restartable{t: t, file: file, clock: h.clock}
}

func TestRestartedStandInHonoursTheTokensItIssued(t *testing.T) {
	for _, tc := range []struct {
		scenario  string
		stateFile bool
		want      int
	}{
		{scenario: "with a state file the tokens survive", stateFile: true, want: http.StatusOK},
		{scenario: "in memory the tokens are forgotten", stateFile: false, want: http.StatusUnauthorized},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			file := ""
			if tc.stateFile {
				file = filepath.Join(t.TempDir(), "sandbox", "grants.json")
			}
			r := newRestartable(t, file)
			first := r.start()
			access, refresh := first.memberToken(testClientID, ScopeDisplay)
			sat := first.api("/v2/salesAccessTokens?q=viewerAndDeveloperApp", access)
			if sat.status != http.StatusOK {
				t.Fatalf("SAT before the restart: %d %s", sat.status, sat.body)
			}
			first.srv.Close()

			second := r.start()
			if a := second.api("/v2/salesAccessTokens?q=viewerAndDeveloperApp", access); a.status != tc.want {
				t.Fatalf("SAT with the old access token after the restart: %d, want %d: %s", a.status, tc.want, a.body)
			}
			a := second.postForm("/oauth/v2/accessToken", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh},
				"client_id": {testClientID}, "client_secret": {testSecret}})
			if refreshed := a.status == http.StatusOK; refreshed != tc.stateFile {
				t.Fatalf("refresh after the restart: %d %s, want it to work: %v", a.status, a.body, tc.stateFile)
			}
		})
	}
}

func TestStateFileIsPrivateAndKeepsNoCodes(t *testing.T) {
	file := filepath.Join(t.TempDir(), "grants.json")
	h := newRestartable(t, file).start()
	h.memberToken(testClientID, ScopeDisplay)
	code := h.consent(testClientID, ScopeDisplay, "", "allow").Get("code")
	info, err := os.Stat(file)
	if err != nil {
		t.Fatalf("no state file after a grant: %v", err)
	}
	if mode := info.Mode().Perm(); mode != 0o600 {
		t.Fatalf("state file mode %o, want 600", mode)
	}
	raw, _ := os.ReadFile(file)
	if bytes.Contains(raw, []byte(code)) || bytes.Contains(raw, []byte(prefixCode)) {
		t.Fatal("the state file holds an authorization code")
	}
	if !bytes.Contains(raw, []byte(prefixRefreshToken)) {
		t.Fatal("the state file holds no refresh token")
	}
	if leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(file), ".grants-*")); len(leftovers) > 0 {
		t.Fatalf("temporary files left behind: %v", leftovers)
	}
}

func TestUnreadableStateFileStopsTheStandIn(t *testing.T) {
	for _, tc := range []struct{ scenario, content string }{
		{scenario: "not JSON", content: "{"},
		{scenario: "another version", content: `{"version":99}`},
		{scenario: "a bad app", content: `{"version":1,"apps":[{"ClientID":"sandbox-x","ClientSecret":"s","RedirectURIs":["http://127.0.0.1/cb"]}]}`},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "grants.json")
			if err := os.WriteFile(file, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := Open(Config{StateFile: file}); err == nil || !strings.Contains(err.Error(), file) {
				t.Fatalf("Open = %v, want an error naming the file", err)
			}
		})
	}
}

// registerApp posts an app registration and returns the answer.
func (h *harness) registerApp(body string) answer {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodPost, h.srv.URL+"/_sandbox/apps", strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	return h.do(req)
}

func TestAppRegisteredAtRunTimeSignsInAndMatchesAfterRestart(t *testing.T) {
	r := newRestartable(t, filepath.Join(t.TempDir(), "grants.json"))
	first := r.start()
	a := first.registerApp(`{"name":"Acme","clientId":"acme-app-1","clientSecret":"` + testSecret + `",
		"redirectUris":["` + testRedirect + `"],"instances":[{"tenant":"acme","partner":"SFDC","instanceId":"acme.my.salesforce.com"}]}`)
	if a.status != http.StatusOK {
		t.Fatalf("register: %d %s", a.status, a.body)
	}
	first.srv.Close()

	second := r.start()
	records := second.get("/_sandbox/records?tenant=acme", nil)
	if records.status != http.StatusOK {
		t.Fatalf("records after the restart: %d %s", records.status, records.body)
	}
	var view instanceView
	if err := json.Unmarshal(records.body, &view); err != nil {
		t.Fatal(err)
	}
	want := TenantRecords("acme.my.salesforce.com")
	if view.ClientID != "acme-app-1" || len(view.Records) != len(want) || view.Records[0].ID != want[0].ID {
		t.Fatalf("records %+v, want the generated tenant records", view)
	}
	access, _ := second.memberToken("acme-app-1", ScopeProfiles)
	if access == "" {
		t.Fatal("no access token for the registered app")
	}
	var matched Record
	for _, rec := range want {
		if rec.Outcome == OutcomeMatched {
			matched = rec
			break
		}
	}
	path := "/v2/salesNavigatorProfileAssociations/" + key("SFDC", "acme.my.salesforce.com", matched.ID).String()
	if got := second.api(path, second.appToken("acme-app-1")); got.status != http.StatusOK {
		t.Fatalf("association of a generated matched record: %d %s", got.status, got.body)
	}
}

func TestReRegisteringAnAppKeepsItsRecords(t *testing.T) {
	h := newHarness(t)
	before := h.get("/_sandbox/records?tenant=demo", nil).body
	a := h.registerApp(`{"clientId":"` + DemoClientID + `","clientSecret":"` + testSecret + `",
		"redirectUris":["http://127.0.0.1:9999/oauth/linkedin/callback"],
		"instances":[{"tenant":"demo","partner":"MS","instanceId":"` + DemoInstanceID + `","records":[]}]}`)
	if a.status != http.StatusOK {
		t.Fatalf("register: %d %s", a.status, a.body)
	}
	if after := h.get("/_sandbox/records?tenant=demo", nil).body; !bytes.Equal(before, after) {
		t.Fatal("re-registering the demo app changed its records")
	}
	apps := h.sb.Apps()
	for _, app := range apps {
		if app.ClientID == DemoClientID && len(app.RedirectURIs) != 2 {
			t.Fatalf("redirect URIs %v, want the new one added", app.RedirectURIs)
		}
	}
}

func TestRegisterAppRefusesWhatItCannotServe(t *testing.T) {
	h := newHarness(t)
	for _, tc := range []struct{ scenario, body string }{
		{scenario: "no secret", body: `{"clientId":"x-app","redirectUris":["http://127.0.0.1/cb"]}`},
		{scenario: "token prefix", body: `{"clientId":"sandbox-app","clientSecret":"s","redirectUris":["http://127.0.0.1/cb"]}`},
		{scenario: "relative redirect", body: `{"clientId":"x-app","clientSecret":"s","redirectUris":["/cb"]}`},
		{scenario: "no redirect", body: `{"clientId":"x-app","clientSecret":"s"}`},
		{scenario: "unknown scope", body: `{"clientId":"x-app","clientSecret":"s","redirectUris":["http://127.0.0.1/cb"],"scopes":["w_everything"]}`},
		{scenario: "instance without id", body: `{"clientId":"x-app","clientSecret":"s","redirectUris":["http://127.0.0.1/cb"],"instances":[{"partner":"MS"}]}`},
		{scenario: "unknown field", body: `{"clientId":"x-app","clientSecret":"s","redirectUris":["http://127.0.0.1/cb"],"admin":true}`},
		{scenario: "not JSON", body: `clientId=x`},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			a := h.registerApp(tc.body)
			if a.status != http.StatusBadRequest || a.json(t)["message"] == "" {
				t.Fatalf("got %d %s, want 400 with a message", a.status, a.body)
			}
		})
	}
	if a := h.get("/_sandbox/records?tenant=x", nil); a.status != http.StatusNotFound {
		t.Fatalf("a refused app was registered: %d", a.status)
	}
}

func TestRegisterAppOnlyFromThisMachine(t *testing.T) {
	sb := New(Config{})
	for _, tc := range []struct {
		scenario, remote string
		want             int
	}{
		{scenario: "another machine", remote: "203.0.113.7:40000", want: http.StatusForbidden},
		{scenario: "loopback v6", remote: "[::1]:40000", want: http.StatusOK},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/_sandbox/apps",
				strings.NewReader(`{"clientId":"x-app","clientSecret":"s","redirectUris":["http://127.0.0.1/cb"]}`))
			req.RemoteAddr = tc.remote
			w := httptest.NewRecorder()
			sb.ServeHTTP(w, req)
			if w.Code != tc.want {
				t.Fatalf("got %d %s, want %d", w.Code, w.Body, tc.want)
			}
		})
	}
}
