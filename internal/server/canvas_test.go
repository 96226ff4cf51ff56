package server_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/sandbox"
	"github.com/snapbridge/snapbridge/internal/ui"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// canvasRequest is the CanvasRequest Salesforce posts for a record page
// of the demo org, for one of its seed records.
func canvasRequest(rec wire.Record, issued time.Time) map[string]any {
	object := map[string]string{"contact": "Contact", "lead": "Lead"}[rec.Type]
	record := map[string]any{"attributes": map[string]any{"type": object}, "Id": rec.ID,
		"FirstName": rec.FirstName, "LastName": rec.LastName, "Email": rec.Email, "Title": rec.Title}
	if rec.Type == "lead" {
		record["Company"] = rec.Company
	} else {
		record["Account"] = map[string]any{"Name": rec.Company}
	}
	return map[string]any{
		"algorithm": "HMACSHA256", "issuedAt": issued.Unix(), "userId": "0055g00000TsTus",
		"client": map[string]any{"instanceId": "06P5g000000SnpB:snapbridge", "targetOrigin": "http://127.0.0.1:8090/apex/snapbridge"},
		"context": map[string]any{
			"user":         map[string]any{"userId": "0055g00000TsTus", "fullName": "Tess Tester", "email": "tess@example.com"},
			"organization": map[string]any{"organizationId": sandbox.SalesforceOrgID18()},
			"environment":  map[string]any{"record": record},
		},
	}
}

// salesforceSigned signs a CanvasRequest per Salesforce's published
// algorithm, written here apart from the server's verifier.
func salesforceSigned(t *testing.T, secret string, v any) string {
	t.Helper()
	js, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	encoded := base64.StdEncoding.EncodeToString(js)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(encoded))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil)) + "." + encoded
}

// postCanvas posts a form to /w/<tenant>/canvas as the Canvas frame's
// navigation (navigate true) or as a script would.
func postCanvas(t *testing.T, p *product, tenantID string, form url.Values, navigate bool) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, p.srv.URL+"/w/"+tenantID+"/canvas", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if navigate {
		req.Header.Set("Sec-Fetch-Mode", "navigate")
		req.Header.Set("Sec-Fetch-Dest", "iframe")
		req.Header.Set("Accept", "text/html")
	} else {
		req.Header.Set("Accept", "application/json")
	}
	resp, err := p.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp, b.String()
}

func bootOf(t *testing.T, page string) ui.Boot {
	t.Helper()
	m := pageBoot.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("page carries no boot:\n%s", page)
	}
	raw, err := base64.StdEncoding.DecodeString(m[1])
	var b ui.Boot
	if err != nil || json.Unmarshal(raw, &b) != nil {
		t.Fatalf("boot does not decode: %v", err)
	}
	return b
}

// TestSalesforcePageOpensTheCardThroughCanvas: a Salesforce record page
// posts its signed request; the seller lands on the card of that record
// with a widget session, through a one-time handle, in a page the org's
// Lightning and Visualforce hosts may frame, sized by the Canvas SDK's
// protocol; the handle and the request work once.
func TestSalesforcePageOpensTheCardThroughCanvas(t *testing.T) {
	p := startBoth(t, nil)
	secret := sandbox.SalesforceConsumerSecret(p.li.opts.ContextSecret)
	rec := p.demoRecords(sandbox.SalesforceTenantID, sandbox.OutcomeMatched)[0]
	form := url.Values{"signed_request": {salesforceSigned(t, secret, canvasRequest(rec, time.Now()))}}

	resp, body := postCanvas(t, p, sandbox.SalesforceTenantID, form, true)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST canvas: %d: %s", resp.StatusCode, body)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Path != "/w/sfdc/card" || len(loc.Query()) != 1 || loc.Query().Get("h") == "" {
		t.Fatalf("redirects to %q, want the card with a one-time handle only", resp.Header.Get("Location"))
	}
	page, pageBody := p.do("GET", p.srv.URL+loc.String(), "", nil)
	if page.StatusCode != http.StatusOK {
		t.Fatalf("card page: %d", page.StatusCode)
	}
	boot := bootOf(t, string(pageBody))
	if boot.Error != nil || boot.Token == "" || len(boot.Records) != 1 || boot.Records[0] != rec {
		t.Fatalf("boot error %+v, records %+v, want %+v", boot.Error, boot.Records, rec)
	}
	if boot.Viewer != (wire.Viewer{ID: "0055g00000TsTusAAF", Name: "Tess Tester", Email: "tess@example.com"}) {
		t.Fatalf("viewer %+v", boot.Viewer)
	}
	if boot.Frame == nil || boot.Frame.TargetOrigin != "http://127.0.0.1:8090" || boot.ParentOrigin != "http://127.0.0.1:8090" {
		t.Fatalf("frame %+v, parent %q", boot.Frame, boot.ParentOrigin)
	}
	csp := page.Header.Get("Content-Security-Policy")
	for _, host := range []string{"https://snapbridge-demo.lightning.force.com", "https://snapbridge-demo--c.vf.force.com",
		"https://snapbridge-demo.my.salesforce.com", "http://127.0.0.1:8090"} {
		if !strings.Contains(csp, host) {
			t.Errorf("frame-ancestors lack %s: %s", host, csp)
		}
	}
	// The session is an ordinary widget session, bound to the record.
	var assoc wire.Associations
	p.call("GET", "/api/v1/associations?records="+url.QueryEscape(rec.ID), boot.Token, nil, http.StatusOK, &assoc)
	if len(assoc.Associations) != 1 || assoc.Associations[0].Profile == "" {
		t.Fatalf("associations %+v", assoc)
	}
	p.call("GET", "/api/v1/associations?records="+url.QueryEscape(p.demoRecords(sandbox.SalesforceTenantID, sandbox.OutcomeMatched)[1].ID),
		boot.Token, nil, http.StatusForbidden, nil)

	second, again := p.do("GET", p.srv.URL+loc.String(), "", nil)
	if second.StatusCode == http.StatusOK || !strings.Contains(string(again), `"context_expired"`) || strings.Contains(string(again), "token") {
		t.Fatalf("a handle opened a second session: %d %s", second.StatusCode, again)
	}
	resp, body = postCanvas(t, p, sandbox.SalesforceTenantID, form, false)
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, `"context_replayed"`) {
		t.Fatalf("replayed signed request: %d %s", resp.StatusCode, body)
	}
	if strings.Contains(p.logs.String(), secret) || strings.Contains(p.logs.String(), form.Get("signed_request")[:40]) {
		t.Fatal("the log holds the consumer secret or the signed request")
	}
}

// TestCanvasHostileRequestsGetAClearAnswer: every refused Canvas request
// is a 4xx, JSON for a script and the framed error page for the Canvas
// frame's navigation, and no refused one opens a card.
func TestCanvasHostileRequestsGetAClearAnswer(t *testing.T) {
	p := startBoth(t, nil)
	secret := sandbox.SalesforceConsumerSecret(p.li.opts.ContextSecret)
	rec := p.demoRecords(sandbox.SalesforceTenantID, sandbox.OutcomeMatched)[0]
	good := func(edit func(map[string]any)) url.Values {
		c := canvasRequest(rec, time.Now())
		edit(c)
		return url.Values{"signed_request": {salesforceSigned(t, secret, c)}}
	}
	for _, tc := range []struct {
		scenario string
		tenant   string
		form     url.Values
		status   int
		code     string
	}{
		{"bad signature", "sfdc", url.Values{"signed_request": {salesforceSigned(t, strings.Repeat("f", 64), canvasRequest(rec, time.Now()))}}, 401, "context_invalid"},
		{"wrong org", "sfdc", good(func(c map[string]any) {
			c["context"].(map[string]any)["organization"] = map[string]any{"organizationId": "00DA0000000AbCd"}
		}), 401, "context_invalid"},
		{"stale", "sfdc", good(func(c map[string]any) { c["issuedAt"] = time.Now().Add(-time.Hour).Unix() }), 401, "context_expired"},
		{"algorithm HMACSHA1", "sfdc", good(func(c map[string]any) { c["algorithm"] = "HMACSHA1" }), 401, "context_invalid"},
		{"missing record", "sfdc", good(func(c map[string]any) {
			c["context"].(map[string]any)["environment"] = map[string]any{}
		}), 401, "context_invalid"},
		{"a record type not handled", "sfdc", good(func(c map[string]any) {
			c["context"].(map[string]any)["environment"] = map[string]any{"record": map[string]any{
				"attributes": map[string]any{"type": "Case"}, "Id": "5005g00000AbCdE"}}
		}), 401, "context_invalid"},
		{"malformed JSON", "sfdc", url.Values{"signed_request": {func() string {
			enc := base64.StdEncoding.EncodeToString([]byte(`{"algorithm":`))
			mac := hmac.New(sha256.New, []byte(secret))
			mac.Write([]byte(enc))
			return base64.StdEncoding.EncodeToString(mac.Sum(nil)) + "." + enc
		}()}}, 401, "context_invalid"},
		{"oversized body", "sfdc", url.Values{"signed_request": {strings.Repeat("A", 70<<10)}}, 413, "body_too_large"},
		{"a tenant whose CRM signs JWT contexts", "demo", good(func(map[string]any) {}), 404, "host_not_configured"},
		{"an unknown tenant", "nobody", good(func(map[string]any) {}), 404, "unknown_tenant"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			resp, body := postCanvas(t, p, tc.tenant, tc.form, false)
			var e wire.Error
			if resp.StatusCode != tc.status || json.Unmarshal([]byte(body), &e) != nil || e.Error.Code != tc.code {
				t.Fatalf("JSON answer %d %s, want %d %s", resp.StatusCode, body, tc.status, tc.code)
			}
			resp, body = postCanvas(t, p, tc.tenant, tc.form, true)
			if resp.StatusCode != tc.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
				resp.Header.Get("Location") != "" || !strings.Contains(body, tc.code) {
				t.Fatalf("page answer %d %s %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
			}
			if tc.tenant == "sfdc" && !strings.Contains(resp.Header.Get("Content-Security-Policy"), "https://snapbridge-demo.lightning.force.com") {
				t.Fatalf("the error page cannot be shown in the Salesforce frame: %s", resp.Header.Get("Content-Security-Policy"))
			}
		})
	}
	if strings.Contains(p.logs.String(), secret) {
		t.Fatal("the log holds the consumer secret")
	}
}
