package server_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/snapbridge/snapbridge/internal/sandbox"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// TestSellerSeesWhoTheyConnectedAs: after connecting, the Sales Navigator
// answer names the LinkedIn member (from the stand-in's userinfo), the
// name is sealed in the database, and Disconnect brings back Connect.
func TestSellerSeesWhoTheyConnectedAs(t *testing.T) {
	p := startBoth(t, nil)
	seller := p.li.Members()[0]
	matched := p.demoRecords("demo", "matched")[0]
	s := p.newSession("demo", "crm-user-17", matched)

	var conn wire.Connection
	p.call("GET", "/api/v1/linkedin/connection", s.Token, nil, http.StatusOK, &conn)
	if conn.Connected || !strings.HasPrefix(conn.ConnectURL, p.srv.URL+"/oauth/linkedin/start?") {
		t.Fatalf("before connecting: %+v, want not connected with a connect URL", conn)
	}
	p.connect(conn.ConnectURL, seller.ID, s.Token)
	conn = wire.Connection{}
	p.call("GET", "/api/v1/linkedin/connection", s.Token, nil, http.StatusOK, &conn)
	if !conn.Connected || conn.ConnectedAs == nil || conn.ConnectedAs.Name != seller.Name || conn.ConnectURL != "" {
		t.Fatalf("after connecting: %+v, want connected as %s", conn, seller.Name)
	}

	var sat wire.SalesAccessToken
	p.call("POST", "/api/v1/sales-access-token", s.Token, nil, http.StatusOK, &sat)
	want := wire.LinkedInMember{Name: seller.Name, Picture: p.li.URL + "/media/" + seller.ID + ".png"}
	if sat.ConnectedAs == nil || *sat.ConnectedAs != want {
		t.Fatalf("connectedAs = %+v, want %+v", sat.ConnectedAs, want)
	}
	// The page prerendered for a connected seller says it too.
	resp, page := p.do("GET", p.srv.URL+"/w/demo/card?ctx="+p.signedContext("demo", "crm-user-17", matched), "", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), "Connected as") || !strings.Contains(string(page), seller.Name) {
		t.Fatalf("widget page (status %d) does not say who is connected", resp.StatusCode)
	}
	files, _ := filepath.Glob(filepath.Join(p.dataDir, "*"))
	for _, f := range files {
		if b, err := os.ReadFile(f); err == nil && bytes.Contains(b, []byte(seller.Name)) {
			t.Errorf("%s holds the member's name in plaintext", f)
		}
	}

	p.call("DELETE", "/api/v1/linkedin/connection", s.Token, nil, http.StatusNoContent, nil)
	var notConnected wire.Error
	p.call("POST", "/api/v1/sales-access-token", s.Token, nil, http.StatusConflict, &notConnected)
	if notConnected.Error.Code != "linkedin_not_connected" || notConnected.Error.ConnectURL == "" {
		t.Fatalf("after Disconnect: %+v, want linkedin_not_connected with a connect URL", notConnected.Error)
	}
}

// TestAppWithoutSignInWithLinkedInStillConnects: a tenant whose LinkedIn
// app lacks the OpenID Connect product connects as before, without a name.
func TestAppWithoutSignInWithLinkedInStillConnects(t *testing.T) {
	addr := freeAddr(t)
	opts := sandbox.DemoOptions{
		ClientSecret:  "demo-client-secret-for-tests-0123",
		ContextSecret: "demo-context-secret-for-tests-0123456789",
		CRMOrigin:     "http://127.0.0.1:8090",
		RedirectURI:   "http://" + addr + "/oauth/linkedin/callback",
	}
	apps := sandbox.DemoApps(opts)
	for i := range apps {
		apps[i].Scopes = []string{sandbox.ScopeDisplay, sandbox.ScopeProfiles}
	}
	sb := sandbox.New(sandbox.Config{Apps: apps})
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	p := startProduct(t, &linkedIn{Sandbox: sb, URL: srv.URL, opts: opts}, t.TempDir(), addr, nil)

	matched := p.demoRecords("demo", "matched")[0]
	s := p.newSession("demo", "crm-user-17", matched)
	var notConnected wire.Error
	p.call("POST", "/api/v1/sales-access-token", s.Token, nil, http.StatusConflict, &notConnected)
	// LinkedIn refuses openid and profile; the callback asks again
	// without them and the consent completes.
	resp, _ := p.do("GET", notConnected.Error.ConnectURL, "", nil)
	authURL := resp.Header.Get("Location")
	resp, _ = p.do("GET", authURL, "", nil)
	cb := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.Contains(cb, "error=unauthorized_scope_error") {
		t.Fatalf("the stand-in answered %d %q, want a redirect with unauthorized_scope_error", resp.StatusCode, cb)
	}
	resp, _ = p.do("GET", cb, "", nil)
	retry := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(retry, srv.URL+"/oauth/v2/authorization") ||
		strings.Contains(retry, "openid") {
		t.Fatalf("callback answered %d %q, want LinkedIn's consent without openid", resp.StatusCode, retry)
	}
	// From here it is the ordinary popup, starting at the retried consent.
	p.connectFrom(retry, p.li.Members()[0].ID, s.Token)
	var sat wire.SalesAccessToken
	p.call("POST", "/api/v1/sales-access-token", s.Token, nil, http.StatusOK, &sat)
	if sat.ConnectedAs != nil {
		t.Fatalf("connectedAs = %+v, want none without userinfo", sat.ConnectedAs)
	}
}

// TestCancelledConsentTellsTheWidget: the popup of a member who pressed
// Deny tells the widget it was cancelled, not that it failed.
func TestCancelledConsentTellsTheWidget(t *testing.T) {
	p := startBoth(t, nil)
	matched := p.demoRecords("demo", "matched")[0]
	s := p.newSession("demo", "crm-user-17", matched)
	var notConnected wire.Error
	p.call("POST", "/api/v1/sales-access-token", s.Token, nil, http.StatusConflict, &notConnected)
	resp, _ := p.do("GET", notConnected.Error.ConnectURL, "", nil)
	form := mustQuery(t, resp.Header.Get("Location"))
	form.Set("member", p.li.Members()[0].ID)
	form.Set("decision", "deny")
	presp, err := p.http.PostForm(p.li.URL+"/oauth/v2/authorization", form)
	if err != nil {
		t.Fatal(err)
	}
	presp.Body.Close()
	_, page := p.do("GET", presp.Header.Get("Location"), "", nil)
	for _, want := range []string{wire.MessageConnectFailed, `"reason":"` + wire.ConnectCancelled + `"`} {
		if !strings.Contains(string(page), want) {
			t.Errorf("callback page after Deny lacks %s", want)
		}
	}
}

// connectFrom is connect from LinkedIn's consent page on: approve as
// member at authURL, land on our callback, confirm with the session.
func (p *product) connectFrom(authURL, member, token string) {
	p.t.Helper()
	form := mustQuery(p.t, authURL)
	form.Set("member", member)
	form.Set("decision", "allow")
	presp, err := p.http.PostForm(p.li.URL+"/oauth/v2/authorization", form)
	if err != nil {
		p.t.Fatal(err)
	}
	presp.Body.Close()
	resp, final := p.do("GET", presp.Header.Get("Location"), "", nil)
	if resp.StatusCode != http.StatusOK {
		p.t.Fatalf("callback: status %d: %s", resp.StatusCode, final)
	}
	p.confirmConnection(string(final), token)
}

func mustQuery(t testing.TB, rawURL string) url.Values {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatalf("parse %q: %v", rawURL, err)
	}
	return u.Query()
}
