package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/config"
	"github.com/snapbridge/snapbridge/internal/sandbox"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// dynRequest sends a request with headers, as the browser would, and
// reads the whole answer.
func dynRequest(t *testing.T, p *product, method, target string, header http.Header, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := p.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// navigation is an iframe's page load; a script's call when frame is
// false.
func navigation(frame bool, cookies ...string) http.Header {
	h := http.Header{}
	if frame {
		h.Set("Sec-Fetch-Mode", "navigate")
		h.Set("Sec-Fetch-Dest", "iframe")
		h.Set("Accept", "text/html")
	} else {
		h.Set("Accept", "application/json")
	}
	if len(cookies) > 0 {
		h.Set("Cookie", strings.Join(cookies, "; "))
	}
	return h
}

// cookieOf returns the value of the cookie named in resp's Set-Cookie and
// its whole header line.
func cookieOf(resp *http.Response, name string) (value, line string) {
	for _, l := range resp.Header.Values("Set-Cookie") {
		if v, ok := strings.CutPrefix(l, name+"="); ok {
			v, _, _ = strings.Cut(v, ";")
			return v, l
		}
	}
	return "", ""
}

var signInResult = regexp.MustCompile(`result: "([A-Za-z0-9_-]+)"`)

// dynCallback runs the popup up to the callback: sign-in start, Entra's
// consent page accepted as user, and the callback answer; it returns the
// callback's answer (the page with the result, or a refusal) and the
// callback URL with the state cookie sent.
func dynCallback(t *testing.T, p *product, user string) (resp *http.Response, body, callback, stateCookie string) {
	t.Helper()
	start, _ := dynRequest(t, p, http.MethodGet, p.srv.URL+"/w/dyn/dynamics/signin", navigation(false), "")
	state, line := cookieOf(start, "snapbridge_dynamics_state")
	if start.StatusCode != http.StatusFound || state == "" || !strings.Contains(line, "HttpOnly") || !strings.Contains(line, "SameSite=Lax") {
		t.Fatalf("sign-in start: %d, state cookie %q", start.StatusCode, line)
	}
	authorize, err := url.Parse(start.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(authorize.String(), p.li.URL+"/"+sandbox.DynamicsEntraTenantID+"/oauth2/v2.0/authorize?") {
		t.Fatalf("sign-in goes to %s", start.Header.Get("Location"))
	}
	q := authorize.Query()
	if q.Get("code_challenge_method") != "S256" || q.Get("nonce") == "" || q.Get("scope") != p.li.URL+"/user_impersonation offline_access openid profile" {
		t.Fatalf("authorization request %v", q)
	}
	form := url.Values{}
	for k, v := range q {
		form[k] = v
	}
	form.Set("login", user)
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	consent, _ := dynRequest(t, p, http.MethodPost, p.li.URL+authorize.Path, h, form.Encode())
	callback = consent.Header.Get("Location")
	if consent.StatusCode != http.StatusFound || !strings.HasPrefix(callback, p.srv.URL+"/w/dyn/dynamics/callback?") {
		t.Fatalf("consent: %d to %q", consent.StatusCode, callback)
	}
	stateCookie = "snapbridge_dynamics_state=" + state
	resp, body = dynRequest(t, p, http.MethodGet, callback, navigation(false, stateCookie), "")
	return resp, body, callback, stateCookie
}

// dynSignIn signs user in through the popup and the record page's
// redemption, and returns the partitioned cookie the record page keeps.
func dynSignIn(t *testing.T, p *product, user string) string {
	t.Helper()
	resp, body, _, _ := dynCallback(t, p, user)
	m := signInResult.FindStringSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("callback: %d %s", resp.StatusCode, body)
	}
	h := http.Header{"Content-Type": {"application/json"}, "Sec-Fetch-Site": {"same-origin"}}
	redeemed, rbody := dynRequest(t, p, http.MethodPost, p.srv.URL+"/w/dyn/dynamics/session", h, `{"result":"`+m[1]+`"}`)
	handle, line := cookieOf(redeemed, "snapbridge_dynamics")
	if redeemed.StatusCode != http.StatusNoContent || handle == "" {
		t.Fatalf("redeem: %d %s", redeemed.StatusCode, rbody)
	}
	for _, attr := range []string{"Path=/w/dyn/", "Secure", "HttpOnly", "SameSite=None", "Partitioned"} {
		if !strings.Contains(line, attr) {
			t.Errorf("the record page's cookie lacks %s: %s", attr, line)
		}
	}
	again, _ := dynRequest(t, p, http.MethodPost, p.srv.URL+"/w/dyn/dynamics/session", h, `{"result":"`+m[1]+`"}`)
	if v, _ := cookieOf(again, "snapbridge_dynamics"); again.StatusCode != http.StatusUnauthorized || v != "" {
		t.Fatalf("a sign-in result was redeemed twice: %d", again.StatusCode)
	}
	return "snapbridge_dynamics=" + handle
}

// dynRecordQuery is what a Dynamics IFRAME control passes for rec, with
// "Pass record object-type code and unique identifier as parameters".
func dynRecordQuery(rec wire.Record) string {
	return url.Values{"id": {"{" + strings.ToUpper(rec.ID) + "}"}, "typename": {rec.Type},
		"type":    {map[string]string{"contact": "2", "lead": "4", "account": "1"}[rec.Type]},
		"orgname": {"snapbridgedemo"}, "userlcid": {"1033"}, "orglcid": {"1033"}}.Encode()
}

// TestDynamicsRecordPageSignsInOnceThenOpensCards: a Dynamics record page
// first shows "Sign in with Microsoft" in a page the org may frame; after
// one sign-in through Entra the card opens with a widget session for the
// record Dataverse returned (its fields, the seller as WhoAmI names
// them), and a second record opens without signing in again or even
// asking Entra.
func TestDynamicsRecordPageSignsInOnceThenOpensCards(t *testing.T) {
	p := startBoth(t, nil)
	recs := sandbox.DynamicsRecords()
	first, second := recs[0], recs[1]
	shell, body := dynRequest(t, p, http.MethodGet, p.srv.URL+"/w/dyn/dynamics?"+dynRecordQuery(wire.Record{ID: first.ID, Type: first.Type}), navigation(true), "")
	if shell.StatusCode != http.StatusOK || !strings.Contains(body, "Sign in with Microsoft") || shell.Header.Get("X-Frame-Options") != "" ||
		!strings.Contains(shell.Header.Get("Content-Security-Policy"), "frame-ancestors http://127.0.0.1:8090") {
		t.Fatalf("shell: %d %v %s", shell.StatusCode, shell.Header, body)
	}

	cookie := dynSignIn(t, p, sandbox.DynamicsSeller)
	for i, r := range []sandbox.Record{first, second} {
		want := wire.Record{ID: r.ID, Type: r.Type, FirstName: r.FirstName, LastName: r.LastName, Email: r.Email, Title: r.Title, Company: r.Company}
		p.li.ResetStats()
		resp, body := dynRequest(t, p, http.MethodGet, p.srv.URL+"/w/dyn/dynamics?"+dynRecordQuery(want), navigation(true, cookie), "")
		loc, err := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusSeeOther || err != nil || loc.Path != "/w/dyn/card" || loc.Query().Get("h") == "" {
			t.Fatalf("record %d: %d %s", i, resp.StatusCode, body)
		}
		if n := p.li.Stats()["entra"]; n != 0 {
			t.Errorf("record %d asked Entra %d times; the kept access token should serve", i, n)
		}
		page, pageBody := p.do("GET", p.srv.URL+loc.String(), "", nil)
		if page.StatusCode != http.StatusOK {
			t.Fatalf("card page: %d", page.StatusCode)
		}
		boot := bootOf(t, string(pageBody))
		if boot.Error != nil || boot.Token == "" || len(boot.Records) != 1 || boot.Records[0] != want {
			t.Fatalf("boot error %+v, records %+v, want %+v", boot.Error, boot.Records, want)
		}
		if boot.Viewer.Name != "Megan Bowen" || boot.Viewer.Email != "meganb@snapbridge-demo.onmicrosoft.com" || boot.Viewer.ID == "" {
			t.Fatalf("viewer %+v", boot.Viewer)
		}
	}
	if logs := p.logs.String(); strings.Contains(logs, "entra-rt-") || strings.Contains(logs, "entra-at-") ||
		strings.Contains(logs, sandbox.DynamicsClientSecret(p.li.opts.ContextSecret)) {
		t.Fatal("the log holds an Entra token or the client secret")
	}
}

// TestDynamicsSignInOpensTheCardWithoutACookie: a browser that keeps no
// partitioned cookie (Safari) still opens the card: the record page sends
// its own parameters with the popup's result, the record is proved at once
// and the page goes to the card; the next record page, without the
// cookie, asks to sign in again. A seller Dataverse refuses the record to
// gets the refusal as JSON the page shows.
func TestDynamicsSignInOpensTheCardWithoutACookie(t *testing.T) {
	p := startBoth(t, nil)
	recs := sandbox.DynamicsRecords()
	first := recs[0]
	want := wire.Record{ID: first.ID, Type: first.Type, FirstName: first.FirstName, LastName: first.LastName,
		Email: first.Email, Title: first.Title, Company: first.Company}
	h := http.Header{"Content-Type": {"application/json"}, "Sec-Fetch-Site": {"same-origin"}}
	redeem := func(user string) (*http.Response, string) {
		t.Helper()
		resp, body, _, _ := dynCallback(t, p, user)
		m := signInResult.FindStringSubmatch(body)
		if resp.StatusCode != http.StatusOK || m == nil {
			t.Fatalf("callback: %d %s", resp.StatusCode, body)
		}
		page, err := json.Marshal(map[string]string{"result": m[1], "page": "?" + dynRecordQuery(want)})
		if err != nil {
			t.Fatal(err)
		}
		return dynRequest(t, p, http.MethodPost, p.srv.URL+"/w/dyn/dynamics/session", h, string(page))
	}

	resp, body := redeem(sandbox.DynamicsSeller)
	var answer struct{ Next string }
	if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &answer) != nil || !strings.HasPrefix(answer.Next, "/w/dyn/card?h=") {
		t.Fatalf("redeem with the page: %d %s", resp.StatusCode, body)
	}
	page, pageBody := p.do("GET", p.srv.URL+answer.Next, "", nil)
	if page.StatusCode != http.StatusOK {
		t.Fatalf("card page: %d", page.StatusCode)
	}
	if boot := bootOf(t, string(pageBody)); boot.Error != nil || len(boot.Records) != 1 || boot.Records[0] != want {
		t.Fatalf("boot error %+v, records %+v, want %+v", boot.Error, boot.Records, want)
	}
	next := recs[1]
	shell, shellBody := dynRequest(t, p, http.MethodGet, p.srv.URL+"/w/dyn/dynamics?"+dynRecordQuery(wire.Record{ID: next.ID, Type: next.Type}), navigation(true), "")
	if shell.StatusCode != http.StatusOK || !strings.Contains(shellBody, "Sign in with Microsoft") {
		t.Fatalf("the next record page without the cookie: %d %s", shell.StatusCode, shellBody)
	}

	refused, refusedBody := redeem(sandbox.DynamicsRestrictedSeller)
	if refused.StatusCode != http.StatusForbidden || !strings.Contains(refusedBody, `"code":"crm_record_forbidden"`) {
		t.Fatalf("a seller refused the record: %d %s", refused.StatusCode, refusedBody)
	}
}

// TestDynamicsKeptSignInRefreshesAndSurvivesARestart: when the kept access
// token has expired the refresh token (sealed in the database) gets a new
// one, also after a restart; a refresh token Entra no longer takes brings
// back "Sign in with Microsoft".
func TestDynamicsKeptSignInRefreshesAndSurvivesARestart(t *testing.T) {
	p := startBoth(t, nil)
	rec := sandbox.DynamicsRecords()[2]
	cookie := dynSignIn(t, p, sandbox.DynamicsSeller)
	q := dynRecordQuery(wire.Record{ID: rec.ID, Type: rec.Type})
	p = p.restart()
	// Entra's clock runs ahead of the server's: the access token is
	// expired by the time the server sends it.
	p.li.SetEntraClock(time.Now().Add(2 * time.Hour))
	t.Cleanup(func() { p.li.SetEntraClock(time.Time{}) })
	p.li.ResetStats()
	resp, body := dynRequest(t, p, http.MethodGet, p.srv.URL+"/w/dyn/dynamics?"+q, navigation(true, cookie), "")
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("after a restart: %d %s", resp.StatusCode, body)
	}
	if p.li.Stats()["entra"] == 0 {
		t.Fatal("the expired access token was not refreshed")
	}
	p.li.RevokeEntraRefreshTokens()
	p.li.SetEntraClock(time.Now().Add(4 * time.Hour))
	resp, body = dynRequest(t, p, http.MethodGet, p.srv.URL+"/w/dyn/dynamics?"+q, navigation(true, cookie), "")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Sign in with Microsoft") {
		t.Fatalf("a revoked sign-in: %d %s", resp.StatusCode, body)
	}
}

// TestDynamicsKeptSignInOutlivesAKeyRotation: the operator puts a new
// encryption key first and runs keys rotate, which cannot reach kept
// sign-ins (only a hash of their handle is stored). A seller who opens a
// record before the old key is removed has the sign-in sealed again with
// the new key and still needs no sign-in afterwards; one who did not
// signs in with Microsoft once more, and no request fails.
func TestDynamicsKeptSignInOutlivesAKeyRotation(t *testing.T) {
	addr, dataDir := freeAddr(t), t.TempDir()
	li := startLinkedIn(t, "http://"+addr+"/oauth/linkedin/callback")
	k1, k2 := config.NewEncryptionKey("k1"), config.NewEncryptionKey("k2")
	p := startProduct(t, li, dataDir, addr, nil, encryptionKeys(k1))
	rec := sandbox.DynamicsRecords()[0]
	q := dynRecordQuery(wire.Record{ID: rec.ID, Type: rec.Type})
	active := dynSignIn(t, p, sandbox.DynamicsSeller)
	idle := dynSignIn(t, p, sandbox.DynamicsSeller)
	opens := func(p *product, cookie string) (bool, string) {
		t.Helper()
		resp, body := dynRequest(t, p, http.MethodGet, p.srv.URL+"/w/dyn/dynamics?"+q, navigation(true, cookie), "")
		switch {
		case resp.StatusCode == http.StatusSeeOther:
			return true, ""
		case resp.StatusCode == http.StatusOK && strings.Contains(body, "Sign in with Microsoft"):
			return false, body
		}
		t.Fatalf("record page: %d %s", resp.StatusCode, body)
		return false, ""
	}
	p.stop()

	rotateTenantSecrets(t, p.srv.Config, k2, k1)
	p = startProduct(t, li, dataDir, addr, nil, encryptionKeys(k2, k1))
	if ok, body := opens(p, active); !ok {
		t.Fatalf("with both keys the kept sign-in did not open the card: %s", body)
	}
	p.stop()

	p = startProduct(t, li, dataDir, addr, nil, encryptionKeys(k2))
	if ok, body := opens(p, active); !ok {
		t.Fatalf("the sign-in used while both keys were in the ring was lost with the old key: %s", body)
	}
	if ok, _ := opens(p, idle); ok {
		t.Fatal("a sign-in sealed only with the removed key opened a card")
	}
}

// TestDynamicsHostileLaunchesGetAClearAnswer: every refused record page
// and sign-in is a 4xx (JSON for a script, the framed error page for the
// record page's navigation), opens no card and keeps no sign-in. The
// hostile ID tokens come from the Entra stand-in's token endpoint, signed
// as Entra signs them (RS256 with its JWKS key) or with a key it does not
// publish.
func TestDynamicsHostileLaunchesGetAClearAnswer(t *testing.T) {
	p := startBoth(t, nil)
	recs := sandbox.DynamicsRecords()
	rec := wire.Record{ID: recs[0].ID, Type: recs[0].Type}
	seller := dynSignIn(t, p, sandbox.DynamicsSeller)
	restricted := dynSignIn(t, p, sandbox.DynamicsRestrictedSeller)
	otherTenant := "0a0b0c0d-1111-4222-8333-444455556666"

	launches := []struct {
		scenario string
		cookie   string
		query    string
		status   int
		code     string
	}{
		{"a record type we do not handle", seller, "id=" + rec.ID + "&typename=opportunity&type=3", 401, "context_invalid"},
		{"malformed id", seller, "id=1234&typename=contact", 401, "context_invalid"},
		{"no id", seller, "typename=contact", 401, "context_invalid"},
		{"id given twice", seller, "id=" + rec.ID + "&id=" + recs[1].ID + "&typename=contact", 401, "context_invalid"},
		{"oversized", seller, "id=" + rec.ID + "&typename=contact&orgname=" + strings.Repeat("x", 3000), 401, "context_too_large"},
		{"missing record", seller, "id=00000000-0000-4000-8000-000000000000&typename=contact", 404, "crm_record_not_found"},
		{"a lead opened as a contact", seller, "id=" + recs[1].ID + "&typename=contact", 404, "crm_record_not_found"},
		{"Dataverse 403", restricted, dynRecordQuery(rec), 403, "crm_record_forbidden"},
	}
	for _, tc := range launches {
		t.Run(tc.scenario, func(t *testing.T) {
			for _, frame := range []bool{false, true} {
				resp, body := dynRequest(t, p, http.MethodGet, p.srv.URL+"/w/dyn/dynamics?"+tc.query, navigation(frame, tc.cookie), "")
				var e wire.Error
				switch {
				case resp.StatusCode != tc.status || resp.Header.Get("Location") != "":
					t.Fatalf("frame %v: %d %s, want %d %s", frame, resp.StatusCode, body, tc.status, tc.code)
				case !frame && (json.Unmarshal([]byte(body), &e) != nil || e.Error.Code != tc.code):
					t.Fatalf("JSON answer %s, want %s", body, tc.code)
				case frame && (!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(body, tc.code) ||
					!strings.Contains(resp.Header.Get("Content-Security-Policy"), "http://127.0.0.1:8090")):
					t.Fatalf("page answer %s %s: %s", resp.Header.Get("Content-Type"), resp.Header.Get("Content-Security-Policy"), body)
				}
			}
		})
	}

	signIns := []struct {
		scenario string
		claims   func(map[string]any)
		rogue    bool
		code     string
	}{
		{"bad signature", nil, true, "context_invalid"},
		{"wrong tenant id", func(c map[string]any) { c["tid"] = otherTenant }, false, "context_invalid"},
		{"an ID token of another Entra tenant", func(c map[string]any) {
			c["tid"] = otherTenant
			c["iss"] = strings.Replace(c["iss"].(string), sandbox.DynamicsEntraTenantID, otherTenant, 1)
		}, false, "context_invalid"},
		{"an ID token without nonce", func(c map[string]any) { delete(c, "nonce") }, false, "context_replayed"},
		{"an ID token of another sign-in", func(c map[string]any) { c["nonce"] = "the-nonce-of-another-sign-in" }, false, "context_replayed"},
		{"an ID token for another application", func(c map[string]any) { c["aud"] = "11111111-2222-4333-8444-555555555555" }, false, "context_invalid"},
		{"stale", func(c map[string]any) {
			c["iat"], c["nbf"], c["exp"] = time.Now().Add(-3*time.Hour).Unix(), time.Now().Add(-3*time.Hour).Unix(), time.Now().Add(-2*time.Hour).Unix()
		}, false, "context_expired"},
	}
	for _, tc := range signIns {
		t.Run(tc.scenario, func(t *testing.T) {
			p.li.SetEntraIDTokenClaims(tc.claims)
			p.li.SetEntraIDTokenRogueKey(tc.rogue)
			defer p.li.SetEntraIDTokenClaims(nil)
			defer p.li.SetEntraIDTokenRogueKey(false)
			resp, body, _, _ := dynCallback(t, p, sandbox.DynamicsSeller)
			var e wire.Error
			if resp.StatusCode != http.StatusUnauthorized || json.Unmarshal([]byte(body), &e) != nil || e.Error.Code != tc.code ||
				signInResult.MatchString(body) {
				t.Fatalf("callback %d %s, want 401 %s", resp.StatusCode, body, tc.code)
			}
		})
	}

	t.Run("replay", func(t *testing.T) {
		resp, body, callback, state := dynCallback(t, p, sandbox.DynamicsSeller)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("first callback: %d %s", resp.StatusCode, body)
		}
		again, body := dynRequest(t, p, http.MethodGet, callback, navigation(false, state), "")
		if again.StatusCode != http.StatusUnauthorized || !strings.Contains(body, `"context_expired"`) || signInResult.MatchString(body) {
			t.Fatalf("replayed callback: %d %s", again.StatusCode, body)
		}
	})
	t.Run("the seller cancels the sign-in", func(t *testing.T) {
		resp, body, _, _ := dynCallback(t, p, "")
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, `"crm_signin_declined"`) || signInResult.MatchString(body) {
			t.Fatalf("a cancelled sign-in: %d %s", resp.StatusCode, body)
		}
	})
	t.Run("a sign-in result posted from another site", func(t *testing.T) {
		h := http.Header{"Content-Type": {"application/json"}, "Sec-Fetch-Site": {"cross-site"}}
		resp, body := dynRequest(t, p, http.MethodPost, p.srv.URL+"/w/dyn/dynamics/session", h, `{"result":"anything"}`)
		if v, _ := cookieOf(resp, "snapbridge_dynamics"); resp.StatusCode != http.StatusForbidden || v != "" || !strings.Contains(body, `"cross_site"`) {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
	})
	t.Run("a callback in another browser", func(t *testing.T) {
		_, _, _, _ = dynCallback(t, p, sandbox.DynamicsSeller) // spends its own state
		start, _ := dynRequest(t, p, http.MethodGet, p.srv.URL+"/w/dyn/dynamics/signin", navigation(false), "")
		loc, _ := url.Parse(start.Header.Get("Location"))
		state := loc.Query().Get("state")
		resp, body := dynRequest(t, p, http.MethodGet, p.srv.URL+"/w/dyn/dynamics/callback?code=x&state="+url.QueryEscape(state), navigation(false), "")
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, `"context_invalid"`) {
			t.Fatalf("a callback without the state cookie: %d %s", resp.StatusCode, body)
		}
	})
	t.Run("a handle that was never issued", func(t *testing.T) {
		resp, body := dynRequest(t, p, http.MethodGet, p.srv.URL+"/w/dyn/dynamics?"+dynRecordQuery(rec), navigation(true, "snapbridge_dynamics=forged"), "")
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Sign in with Microsoft") {
			t.Fatalf("a forged handle: %d %s", resp.StatusCode, body)
		}
	})
	t.Run("a tenant whose CRM signs JWT contexts", func(t *testing.T) {
		resp, body := dynRequest(t, p, http.MethodGet, p.srv.URL+"/w/demo/dynamics?"+dynRecordQuery(rec), navigation(false), "")
		if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, `"host_not_configured"`) {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
	})
}
