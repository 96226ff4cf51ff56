package server_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/snapbridge/snapbridge/internal/wire"
)

// TestBadContextsAreRefused sends the forged, stale and malformed host
// contexts an attacker or a buggy CRM would, and expects a 401 JSON error
// for each, never a session.
func TestBadContextsAreRefused(t *testing.T) {
	p := startBoth(t, nil)
	demo := p.tenant("demo")
	rec := p.demoRecords("demo", "matched")[0]
	secret := []byte(demo.Context.Keys[0].Secret)
	now := time.Now()
	claims := func(mod func(jwt.MapClaims)) jwt.MapClaims {
		c := jwt.MapClaims{
			"iss": demo.Context.Issuer, "aud": demo.Context.Audience,
			"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "jti": randomID(),
			"viewer":  map[string]any{"id": "u1"},
			"records": []map[string]any{{"id": rec.ID, "type": "contact"}},
		}
		if mod != nil {
			mod(c)
		}
		return c
	}
	hs := func(c jwt.MapClaims, key []byte) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodHS256, c)
		tok.Header["kid"] = demo.Context.Keys[0].ID
		s, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	pubDER, _ := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, claims(nil)).SignedString(jwt.UnsafeAllowNoneSignatureType)
	ed, _ := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims(nil)).SignedString(edKey)
	nosync := p.tenant("nosync")
	replayed := hs(claims(nil), secret)
	p.call("POST", "/api/v1/sessions", "", wire.SessionRequest{Ctx: replayed}, http.StatusCreated, nil)

	for _, tc := range []struct {
		scenario string
		ctx      string
	}{
		{"alg none", none},
		{"HS256 signed with a public key", hs(claims(nil), pubPEM)},
		{"EdDSA with a key the tenant never configured", ed},
		{"a key of another tenant", hs(claims(nil), []byte(nosync.Context.Keys[0].Secret))},
		{"expired", hs(claims(func(c jwt.MapClaims) {
			c["iat"] = now.Add(-9 * time.Minute).Unix()
			c["exp"] = now.Add(-2 * time.Minute).Unix()
		}), secret)},
		{"issued in the future", hs(claims(func(c jwt.MapClaims) {
			c["iat"] = now.Add(5 * time.Minute).Unix()
			c["exp"] = now.Add(9 * time.Minute).Unix()
		}), secret)},
		{"too long-lived", hs(claims(func(c jwt.MapClaims) { c["exp"] = now.Add(30 * time.Minute).Unix() }), secret)},
		{"wrong aud", hs(claims(func(c jwt.MapClaims) { c["aud"] = "someone-else" }), secret)},
		{"wrong iss", hs(claims(func(c jwt.MapClaims) { c["iss"] = "https://evil.example" }), secret)},
		{"missing jti", hs(claims(func(c jwt.MapClaims) { delete(c, "jti") }), secret)},
		{"missing exp", hs(claims(func(c jwt.MapClaims) { delete(c, "exp") }), secret)},
		{"missing viewer", hs(claims(func(c jwt.MapClaims) { delete(c, "viewer") }), secret)},
		{"missing records", hs(claims(func(c jwt.MapClaims) { delete(c, "records") }), secret)},
		{"reused jti", replayed},
		{"oversized", hs(claims(func(c jwt.MapClaims) { c["pad"] = strings.Repeat("x", 20000) }), secret)},
		{"garbage", "not.a.jwt"},
		{"critical header extension", func() string {
			tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claims(nil))
			tok.Header["kid"] = demo.Context.Keys[0].ID
			tok.Header["crit"] = []string{"exp"}
			s, _ := tok.SignedString(secret)
			return s
		}()},
		{"viewer id with a NUL byte", hs(claims(func(c jwt.MapClaims) { c["viewer"] = map[string]any{"id": "a\x00b"} }), secret)},
		{"record id with a newline", hs(claims(func(c jwt.MapClaims) {
			c["records"] = []map[string]any{{"id": "r\n1", "type": "contact"}}
		}), secret)},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			var e wire.Error
			p.with(t).call("POST", "/api/v1/sessions", "", wire.SessionRequest{Ctx: tc.ctx}, http.StatusUnauthorized, &e)
			if e.Error.Code == "" || e.Error.Message == "" {
				t.Errorf("error body lacks code or message: %+v", e)
			}
		})
	}
}

// TestSessionsStayInTheirLane checks that a session cannot ask about
// records its context did not name, nor act without a token.
func TestSessionsStayInTheirLane(t *testing.T) {
	p := startBoth(t, nil)
	recs := p.demoRecords("demo", "matched")
	s := p.newSession("demo", "u2", recs[0])
	nosync := p.newSession("nosync", "u2", p.demoRecords("nosync", "crm_sync_disabled")[0])
	for _, tc := range []struct {
		scenario, method, path, token string
		body                          any
		status                        int
		code                          string
	}{
		{"a record of the same tenant the context did not name", "GET", "/api/v1/associations?records=" + recs[1].ID, s.Token, nil, 403, "record_forbidden"},
		{"a record of another tenant", "GET", "/api/v1/associations?records=" + recs[0].ID, nosync.Token, nil, 403, "record_forbidden"},
		{"SAT for a foreign record", "POST", "/api/v1/sales-access-token", s.Token, map[string]string{"recordId": recs[1].ID}, 403, "record_forbidden"},
		{"no token", "GET", "/api/v1/associations", "", nil, 401, "session_required"},
		{"a forged token", "GET", "/api/v1/associations", s.Token[:len(s.Token)-4] + "AAAA", nil, 401, "session_invalid"},
		{"a context used as a session token", "GET", "/api/v1/associations", p.signedContext("demo", "u2", recs[0]), nil, 401, "session_invalid"},
		{"an unknown field in the body", "POST", "/api/v1/sales-access-token", s.Token, map[string]string{"record": "x"}, 400, "malformed_json"},
		{"a session body without ctx", "POST", "/api/v1/sessions", "", map[string]string{}, 400, "ctx_required"},
		{"an unknown API path", "GET", "/api/v1/nothing", s.Token, nil, 404, "not_found"},
		{"a wrong method", "PUT", "/api/v1/sessions", "", nil, 405, "method_not_allowed"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			var e wire.Error
			p.with(t).call(tc.method, tc.path, tc.token, tc.body, tc.status, &e)
			if e.Error.Code != tc.code {
				t.Errorf("code %q, want %q", e.Error.Code, tc.code)
			}
		})
	}
}

// TestHeadersProtectEveryAnswer checks the headers browsers rely on:
// every answer refuses sniffing and framing; pages (anything outside
// /api/, which answers JSON only) also set the Referer policy and
// X-Frame-Options for browsers that do not know frame-ancestors.
func TestHeadersProtectEveryAnswer(t *testing.T) {
	p := startBoth(t, nil)
	for _, path := range []string{"/healthz", "/readyz", "/api/v1/associations", "/oauth/linkedin/start"} {
		resp, _ := p.do("GET", p.srv.URL+path, "", nil)
		h := resp.Header
		if h.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Errorf("%s: headers %v", path, h)
		}
		if page := !strings.HasPrefix(path, "/api/"); page &&
			(h.Get("Referrer-Policy") != "strict-origin-when-cross-origin" || h.Get("X-Frame-Options") != "DENY") {
			t.Errorf("%s: a page without its Referer policy or X-Frame-Options: %v", path, h)
		}
	}
	req, _ := http.NewRequest("OPTIONS", p.srv.URL+"/api/v1/associations", nil)
	req.Header.Set("Origin", "null")
	req.Header.Set("Access-Control-Request-Method", "GET")
	req.Header.Set("Access-Control-Request-Headers", "authorization")
	resp, err := p.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != "*" ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "Authorization") ||
		resp.Header.Get("Access-Control-Allow-Credentials") != "" {
		t.Errorf("preflight from a sandboxed frame: %d %v", resp.StatusCode, resp.Header)
	}
}

func randomID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// TestForwardedConnectLinkConnectsNobody: a seller forwards their connect
// link to a colleague who completes the consent in their own browser. The
// colleague's LinkedIn must not end up behind the first seller's widget:
// only the session that opened the popup can confirm the connection.
func TestForwardedConnectLinkConnectsNobody(t *testing.T) {
	p := startBoth(t, nil)
	rec := p.demoRecords("demo", "matched")[0]
	a := p.newSession("demo", "seller-a", rec)
	b := p.newSession("demo", "seller-b", rec)
	var nc wire.Error
	p.call("POST", "/api/v1/sales-access-token", a.Token, nil, http.StatusConflict, &nc)

	// The colleague opens the forwarded link: no opener, so the code
	// only ever appears in the colleague's own browser.
	resp, _ := p.do("GET", nc.Error.ConnectURL, "", nil)
	loc, _ := url.Parse(resp.Header.Get("Location"))
	form := loc.Query()
	form.Set("member", firstMember(p.li))
	form.Set("decision", "allow")
	presp, err := p.http.PostForm(p.li.URL+"/oauth/v2/authorization", form)
	if err != nil {
		t.Fatal(err)
	}
	presp.Body.Close()
	_, page := p.do("GET", presp.Header.Get("Location"), "", nil)
	p.call("POST", "/api/v1/sales-access-token", a.Token, nil, http.StatusConflict, nil)

	// Even with the code, another seller's session cannot confirm it.
	code := confirmCode.FindStringSubmatch(string(page))[1]
	var e wire.Error
	p.call("POST", "/api/v1/linkedin/connection", b.Token, map[string]string{"code": code}, http.StatusBadRequest, &e)
	if e.Error.Code != "connect_confirm_invalid" {
		t.Errorf("code %q, want connect_confirm_invalid", e.Error.Code)
	}
	p.call("POST", "/api/v1/sales-access-token", b.Token, nil, http.StatusConflict, nil)
	p.call("POST", "/api/v1/sales-access-token", a.Token, nil, http.StatusConflict, nil)
}

// TestHeadDoesNotSpendTheContext: a proxy or link checker sending HEAD for
// a widget URL must not leave the seller with "this view has expired".
func TestHeadDoesNotSpendTheContext(t *testing.T) {
	p := startBoth(t, nil)
	ctx := p.signedContext("demo", "u-head", p.demoRecords("demo", "matched")[0])
	u := p.srv.URL + "/w/demo/card?ctx=" + url.QueryEscape(ctx)
	resp, _ := p.do("HEAD", u, "", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "frame-ancestors") {
		t.Fatalf("HEAD: %d %v", resp.StatusCode, resp.Header)
	}
	p.call("POST", "/api/v1/sessions", "", wire.SessionRequest{Ctx: ctx}, http.StatusCreated, nil)
}
