package server_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/sandbox"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// hubSpotCall is one hubspot.fetch request as HubSpot's servers make it:
// the card's JSON body, the query HubSpot adds, and the v3 signature.
type hubSpotCall struct {
	tenant string
	query  string // as HubSpot sends it, already escaped
	body   string
	stamp  time.Time
	secret string
	// signedQuery is the query HubSpot signs when it differs from query:
	// HubSpot decodes %40 and the like before signing.
	signedQuery string
}

// hubSpotV3 signs as HubSpot publishes it (v3), apart from the server's
// verifier: base64(HMAC-SHA256(client secret, method + URI + body +
// timestamp)), the URI being the full URL HubSpot called.
func hubSpotV3(secret, method, uri, body, stamp string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(method + uri + body + stamp))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// hubSpotBody is the card's body for a record of the demo account.
func hubSpotBody(rec wire.Record) string {
	b, _ := json.Marshal(map[string]any{"objectType": "CONTACT", "objectId": rec.ID, "properties": map[string]any{
		"firstname": rec.FirstName, "lastname": rec.LastName, "email": rec.Email, "jobtitle": rec.Title, "company": rec.Company}})
	return string(b)
}

// post sends the call to /hubspot/<tenant>/card; the answer's body is
// read whole.
func (c hubSpotCall) post(t *testing.T, p *product) (*http.Response, string) {
	t.Helper()
	path := "/hubspot/" + c.tenant + "/card?" + c.query
	stamp := strconv.FormatInt(c.stamp.UnixMilli(), 10)
	signed := c.query
	if c.signedQuery != "" {
		signed = c.signedQuery
	}
	req, err := http.NewRequest(http.MethodPost, p.srv.URL+path, strings.NewReader(c.body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-HubSpot-Signature-v3", hubSpotV3(c.secret, "POST", p.srv.URL+"/hubspot/"+c.tenant+"/card?"+signed, c.body, stamp))
	req.Header.Set("X-HubSpot-Request-Timestamp", stamp)
	resp, err := p.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp, string(raw)
}

// TestHubSpotCardOpensTheWidget: the HubSpot card's hubspot.fetch gets a
// one-time widget URL at the public URL; the URL opens the card of that
// record for the HubSpot user, in a page HubSpot's app may frame; the URL
// and the signed request work once.
func TestHubSpotCardOpensTheWidget(t *testing.T) {
	p := startBoth(t, nil)
	secret := sandbox.HubSpotClientSecret(p.li.opts.ContextSecret)
	rec := p.demoRecords(sandbox.HubSpotTenantID, sandbox.OutcomeCRMSyncDisabled)[0]
	call := hubSpotCall{tenant: "hub", body: hubSpotBody(rec), stamp: time.Now(), secret: secret,
		query:       "userId=7031&userEmail=sam.seller%40example.com&appId=" + sandbox.HubSpotAppID + "&portalId=" + sandbox.HubSpotPortalID,
		signedQuery: "userId=7031&userEmail=sam.seller@example.com&appId=" + sandbox.HubSpotAppID + "&portalId=" + sandbox.HubSpotPortalID}

	resp, body := call.post(t, p)
	var answer struct {
		URL       string `json:"url"`
		ExpiresIn int    `json:"expiresIn"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &answer) != nil || answer.ExpiresIn != 60 {
		t.Fatalf("POST card: %d %s", resp.StatusCode, body)
	}
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q", resp.Header.Get("Cache-Control"))
	}
	u, err := url.Parse(answer.URL)
	if err != nil || !strings.HasPrefix(answer.URL, p.srv.URL+"/w/hub/card?h=") || len(u.Query()) != 1 {
		t.Fatalf("widget URL %q, want the card at the public URL with a one-time handle only", answer.URL)
	}
	page, pageBody := p.do("GET", answer.URL, "", nil)
	if page.StatusCode != http.StatusOK {
		t.Fatalf("card page: %d", page.StatusCode)
	}
	boot := bootOf(t, string(pageBody))
	if boot.Error != nil || boot.Token == "" || len(boot.Records) != 1 || boot.Records[0] != rec {
		t.Fatalf("boot error %+v, records %+v, want %+v", boot.Error, boot.Records, rec)
	}
	if boot.Viewer != (wire.Viewer{ID: "7031", Email: "sam.seller@example.com"}) || boot.Frame != nil || !boot.NoCRMSync {
		t.Fatalf("viewer %+v frame %+v", boot.Viewer, boot.Frame)
	}
	if csp := page.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "https://app.hubspot.com") {
		t.Errorf("frame-ancestors lack HubSpot: %s", csp)
	}
	second, again := p.do("GET", answer.URL, "", nil)
	if second.StatusCode == http.StatusOK || !strings.Contains(string(again), `"context_expired"`) {
		t.Fatalf("a widget URL opened a second session: %d %s", second.StatusCode, again)
	}
	resp, body = call.post(t, p)
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, `"context_replayed"`) {
		t.Fatalf("replayed request: %d %s", resp.StatusCode, body)
	}
	if strings.Contains(p.logs.String(), secret) {
		t.Fatal("the log holds the client secret")
	}
}

// TestHubSpotHostileCardRequestsGetAClearAnswer: every refused card
// request is a 4xx JSON answer naming what is wrong, and none yields a
// widget URL.
func TestHubSpotHostileCardRequestsGetAClearAnswer(t *testing.T) {
	p := startBoth(t, nil)
	secret := sandbox.HubSpotClientSecret(p.li.opts.ContextSecret)
	rec := p.demoRecords(sandbox.HubSpotTenantID, sandbox.OutcomeCRMSyncDisabled)[0]
	query := "userId=7031&appId=" + sandbox.HubSpotAppID + "&portalId=" + sandbox.HubSpotPortalID
	good := func(edit func(*hubSpotCall)) hubSpotCall {
		c := hubSpotCall{tenant: "hub", query: query, body: hubSpotBody(rec), stamp: time.Now(), secret: secret}
		edit(&c)
		return c
	}
	used := good(func(c *hubSpotCall) { c.stamp = time.Now().Add(-time.Second) })
	if resp, body := used.post(t, p); resp.StatusCode != http.StatusOK {
		t.Fatalf("the request to replay was refused: %d %s", resp.StatusCode, body)
	}
	for _, tc := range []struct {
		scenario string
		call     hubSpotCall
		status   int
		code     string
	}{
		{"bad signature", good(func(c *hubSpotCall) { c.secret = "ffffffff-ffff-ffff-ffff-ffffffffffff" }), 401, "context_invalid"},
		{"wrong portal id", good(func(c *hubSpotCall) { c.query = strings.Replace(query, sandbox.HubSpotPortalID, "99999", 1) }), 401, "context_invalid"},
		{"replay", used, 401, "context_replayed"},
		{"stale timestamp (over 5 minutes)", good(func(c *hubSpotCall) { c.stamp = time.Now().Add(-5*time.Minute - 5*time.Second) }), 401, "context_expired"},
		{"future timestamp", good(func(c *hubSpotCall) { c.stamp = time.Now().Add(10 * time.Minute) }), 401, "context_invalid"},
		{"oversized body", good(func(c *hubSpotCall) { c.body = `{"objectType":"CONTACT","pad":"` + strings.Repeat("A", 70<<10) + `"}` }), 413, "body_too_large"},
		{"body over the card's limit", good(func(c *hubSpotCall) { c.body = `{"objectType":"CONTACT","pad":"` + strings.Repeat("A", 20<<10) + `"}` }), 401, "context_too_large"},
		{"malformed JSON", good(func(c *hubSpotCall) { c.body = `{"objectType":` }), 401, "context_invalid"},
		{"missing record", good(func(c *hubSpotCall) { c.body = `{"objectType":"CONTACT","properties":{}}` }), 401, "context_invalid"},
		{"a record type not handled", good(func(c *hubSpotCall) { c.body = `{"objectType":"DEAL","objectId":"5512","properties":{}}` }), 401, "context_invalid"},
		{"no user", good(func(c *hubSpotCall) { c.query = "portalId=" + sandbox.HubSpotPortalID }), 401, "context_invalid"},
		{"a tenant whose CRM signs JWT contexts", good(func(c *hubSpotCall) { c.tenant = "demo" }), 404, "host_not_configured"},
		{"an unknown tenant", good(func(c *hubSpotCall) { c.tenant = "nobody" }), 404, "unknown_tenant"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			resp, body := tc.call.post(t, p)
			var e wire.Error
			if resp.StatusCode != tc.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") ||
				json.Unmarshal([]byte(body), &e) != nil || e.Error.Code != tc.code || e.Error.Message == "" {
				t.Fatalf("answer %d %s, want %d %s", resp.StatusCode, body, tc.status, tc.code)
			}
			if strings.Contains(body, "/w/") {
				t.Fatalf("a refused request got a widget URL: %s", body)
			}
		})
	}
	if strings.Contains(p.logs.String(), secret) {
		t.Fatal("the log holds the client secret")
	}
}

// TestDemoHubSpotCardOpensTheWidget: in `make run`, the demo CRM's
// HubSpot-style record page has the app card, whose hubspot.fetch the
// demo signs as HubSpot's servers do; the answer's URL opens the card of
// that record without CRM Sync (the CRM fields, matched by name and
// email).
func TestDemoHubSpotCardOpensTheWidget(t *testing.T) {
	p := startSandboxProduct(t, t.TempDir(), freeAddr(t), freeAddr(t), "127.0.0.1:0")
	rec := p.demoRecords(sandbox.HubSpotTenantID, sandbox.OutcomeCRMSyncDisabled)[0]
	page, html := p.do("GET", p.srv.DemoURL+"/t/hub/contacts/"+rec.ID, "", nil)
	if page.StatusCode != http.StatusOK || !strings.Contains(string(html), `id="hubspot-open"`) {
		t.Fatalf("record page: %d", page.StatusCode)
	}
	resp, raw := p.do("GET", p.srv.DemoURL+"/t/hub/contacts/"+rec.ID+"/hubspot-fetch", "", nil)
	var answer struct {
		URL string `json:"url"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(raw, &answer) != nil || !strings.HasPrefix(answer.URL, p.srv.URL+"/w/hub/card?h=") {
		t.Fatalf("hubspot.fetch: %d %s", resp.StatusCode, raw)
	}
	card, body := p.do("GET", answer.URL, "", nil)
	boot := bootOf(t, string(body))
	if card.StatusCode != http.StatusOK || boot.Error != nil || len(boot.Records) != 1 || boot.Records[0] != rec || boot.Viewer.ID != "7031" {
		t.Fatalf("card: %d boot error %+v records %+v viewer %+v", card.StatusCode, boot.Error, boot.Records, boot.Viewer)
	}
	var assoc wire.Associations
	p.call("GET", "/api/v1/associations?records="+url.QueryEscape(rec.ID), boot.Token, nil, http.StatusOK, &assoc)
	if len(assoc.Associations) != 1 || assoc.Associations[0].Status != "crm_sync_disabled" {
		t.Fatalf("associations %+v", assoc)
	}
}
