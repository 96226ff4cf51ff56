package server_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	_ "modernc.org/sqlite"

	"github.com/snapbridge/snapbridge/internal/wire"
)

// hostile is one request an attacker, a fuzzing proxy or a broken CRM
// would send. nav marks a browser navigation (Accept: text/html), which
// may be answered with our small HTML error page instead of JSON.
type hostile struct {
	scenario string
	method   string
	path     string
	header   http.Header
	body     []byte
	nav      bool
}

// TestHostileRequestsAreRefusedCleanly sends several hundred malformed or
// hostile requests at every surface of the real server (contexts, bearers,
// query and body, methods and paths, OAuth, admin API, console, widget
// pages) and checks what a user and an operator rely on: no 5xx, every
// refusal is our JSON error (or our HTML page for a navigation), nothing
// stored changes, and no secret or LinkedIn token reaches the logs or the
// database files.
func TestHostileRequestsAreRefusedCleanly(t *testing.T) {
	p := startBoth(t, nil)
	demo := p.tenant("demo")
	recs := p.demoRecords("demo", "matched")
	seller := p.newSession("demo", "hostile-seller", recs[0])
	other := p.newSession("nosync", "hostile-other", p.demoRecords("nosync", "crm_sync_disabled")[0])

	reqs := hostileContexts(t, p)
	reqs = append(reqs, hostileBearers(seller.Token, other.Token)...)
	reqs = append(reqs, hostileQueriesAndBodies(seller.Token, recs[1].ID)...)
	reqs = append(reqs, hostileMethodsAndPaths()...)
	reqs = append(reqs, hostileOAuth()...)
	reqs = append(reqs, hostileAdmin(seller.Token)...)
	spent := p.signedContext("demo", "hostile-page", recs[0])
	p.call("POST", "/api/v1/sessions", "", wire.SessionRequest{Ctx: spent}, http.StatusCreated, nil)
	reqs = append(reqs, hostilePages(spent)...)
	if len(reqs) < 300 {
		t.Fatalf("only %d hostile requests; the suite promises at least 300", len(reqs))
	}

	before := databaseDigest(t, p)
	for _, h := range reqs {
		t.Run(h.scenario, func(t *testing.T) { p.with(t).expectRefused(h) })
	}
	if after := databaseDigest(t, p); !equalDigests(before, after) {
		t.Errorf("refused requests changed stored data:\n%s", diffDigests(before, after))
	}
	secrets := []string{"sandbox-", demo.LinkedIn.ClientSecret, demo.Context.Keys[0].Secret, testOperatorKey, seller.Token, other.Token}
	for _, leak := range p.leaksOf(secrets) {
		t.Errorf("a secret reached %s", leak)
	}
	t.Logf("%d hostile requests sent", len(reqs))
}

// expectRefused sends h and checks the answer is a clean refusal.
func (p *product) expectRefused(h hostile) {
	p.t.Helper()
	req, err := http.NewRequest(h.method, p.srv.URL+h.path, bytes.NewReader(h.body))
	if err != nil {
		// A path Go's client itself refuses is no request at all.
		p.t.Skipf("not sendable: %v", err)
	}
	if h.body != nil && h.header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, vs := range h.header {
		req.Header[k] = vs
	}
	if h.nav {
		req.Header.Set("Accept", "text/html,application/xhtml+xml")
		req.Header.Set("Sec-Fetch-Mode", "navigate")
		req.Header.Set("Sec-Fetch-Dest", "iframe")
	}
	resp, err := p.http.Do(req)
	if err != nil {
		p.t.Fatalf("%s %s: %v", h.method, h.path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode < 400 || resp.StatusCode > 499 {
		p.t.Fatalf("%s %s: status %d, want a 4xx refusal: %.300s", h.method, short(h.path), resp.StatusCode, raw)
	}
	if h.method == http.MethodHead {
		return
	}
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	switch {
	case ct == "application/json":
		var e wire.Error
		if err := json.Unmarshal(raw, &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
			p.t.Errorf("%s %s: %d body is not our JSON error: %.300s", h.method, short(h.path), resp.StatusCode, raw)
		}
	case ct == "text/html" && h.nav:
		if !bytes.Contains(raw, []byte("<html")) || !bytes.Contains(raw, []byte("snapbridge")) {
			p.t.Errorf("%s %s: %d HTML answer is not our error page: %.300s", h.method, short(h.path), resp.StatusCode, raw)
		}
	default:
		p.t.Errorf("%s %s: %d answered %q, want our JSON error (or our HTML page for a navigation): %.300s",
			h.method, short(h.path), resp.StatusCode, resp.Header.Get("Content-Type"), raw)
	}
}

// leaksOf returns where any of the secrets was found: the server log or a
// file of the data directory.
func (p *product) leaksOf(secrets []string) []string {
	var where []string
	logs := p.logs.String()
	files, _ := filepath.Glob(filepath.Join(p.dataDir, "*"))
	for _, s := range secrets {
		if s == "" {
			continue
		}
		if strings.Contains(logs, s) {
			where = append(where, fmt.Sprintf("the server log (%.12s…)", s))
		}
		for _, f := range files {
			if b, err := os.ReadFile(f); err == nil && bytes.Contains(b, []byte(s)) {
				where = append(where, fmt.Sprintf("%s (%.12s…)", filepath.Base(f), s))
			}
		}
	}
	return where
}

// databaseDigest hashes every row of every table, so a test can tell
// whether anything stored changed. Tables that change on their own
// (readiness probes) are left out.
func databaseDigest(t *testing.T, p *product) map[string]string {
	t.Helper()
	if onPostgres() {
		return postgresDigest(t, p.srv.Config.Database.URL)
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(p.dataDir, "snapbridge.db")+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	names, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for names.Next() {
		var n string
		if err := names.Scan(&n); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(n, "readiness") {
			tables = append(tables, n)
		}
	}
	names.Close()
	out := map[string]string{}
	for _, table := range tables {
		rows, err := db.Query(`SELECT * FROM "` + table + `"`)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		var lines []string
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			lines = append(lines, fmt.Sprintf("%v", vals))
		}
		rows.Close()
		sort.Strings(lines)
		sum := sha256.Sum256([]byte(strings.Join(lines, "\n")))
		out[table] = fmt.Sprintf("%d rows %x", len(lines), sum[:8])
	}
	return out
}

func equalDigests(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func diffDigests(a, b map[string]string) string {
	var out []string
	for k, v := range b {
		if a[k] != v {
			out = append(out, fmt.Sprintf("  %s: %s → %s", k, a[k], v))
		}
	}
	for k, v := range a {
		if _, ok := b[k]; !ok {
			out = append(out, fmt.Sprintf("  %s: %s → gone", k, v))
		}
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

func jsonBody(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

func bearer(tok string) http.Header {
	return http.Header{"Authorization": {"Bearer " + tok}}
}

// hostileContexts: host contexts and session requests that must never
// become a session.
func hostileContexts(t *testing.T, p *product) []hostile {
	demo := p.tenant("demo")
	secret := []byte(demo.Context.Keys[0].Secret)
	rec := p.demoRecords("demo", "matched")[0]
	now := time.Now()
	base := func() jwt.MapClaims {
		return jwt.MapClaims{
			"iss": demo.Context.Issuer, "aud": demo.Context.Audience,
			"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "jti": randomID(),
			"viewer":  map[string]any{"id": "hostile-u"},
			"records": []map[string]any{{"id": rec.ID, "type": "contact"}},
		}
	}
	sign := func(c jwt.MapClaims, hdr map[string]any) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodHS256, c)
		tok.Header["kid"] = demo.Context.Keys[0].ID
		for k, v := range hdr {
			tok.Header[k] = v
		}
		s, err := tok.SignedString(secret)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	seg := func(v any) string { return base64.RawURLEncoding.EncodeToString(jsonBody(v)) }
	valid := sign(base(), nil)
	parts := strings.Split(valid, ".")

	claimMods := map[string]func(jwt.MapClaims){
		"exp as a string":        func(c jwt.MapClaims) { c["exp"] = fmt.Sprint(now.Add(5 * time.Minute).Unix()) },
		"iat as a string":        func(c jwt.MapClaims) { c["iat"] = fmt.Sprint(now.Unix()) },
		"nbf as a string":        func(c jwt.MapClaims) { c["nbf"] = fmt.Sprint(now.Unix()) },
		"exp as a float string":  func(c jwt.MapClaims) { c["exp"] = "1e12" },
		"exp far future":         func(c jwt.MapClaims) { c["exp"] = 1 << 62 },
		"exp negative":           func(c jwt.MapClaims) { c["exp"] = -1 },
		"exp == iat":             func(c jwt.MapClaims) { c["exp"] = now.Unix() },
		"exp before iat":         func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Minute).Unix() },
		"nbf in the future":      func(c jwt.MapClaims) { c["nbf"] = now.Add(4 * time.Minute).Unix() },
		"iss missing":            func(c jwt.MapClaims) { delete(c, "iss") },
		"iss of nobody":          func(c jwt.MapClaims) { c["iss"] = "https://nobody.example" },
		"iss as a list":          func(c jwt.MapClaims) { c["iss"] = []string{demo.Context.Issuer} },
		"aud missing":            func(c jwt.MapClaims) { delete(c, "aud") },
		"aud of another service": func(c jwt.MapClaims) { c["aud"] = []string{"other"} },
		"jti empty":              func(c jwt.MapClaims) { c["jti"] = "" },
		"jti a number":           func(c jwt.MapClaims) { c["jti"] = 42 },
		"jti 129 characters":     func(c jwt.MapClaims) { c["jti"] = strings.Repeat("j", 129) },
		"viewer a string":        func(c jwt.MapClaims) { c["viewer"] = "hostile-u" },
		"viewer without id":      func(c jwt.MapClaims) { c["viewer"] = map[string]any{"name": "x"} },
		"viewer id empty":        func(c jwt.MapClaims) { c["viewer"] = map[string]any{"id": ""} },
		"viewer id 10 KB":        func(c jwt.MapClaims) { c["viewer"] = map[string]any{"id": strings.Repeat("v", 10000)} },
		"viewer id with a newline": func(c jwt.MapClaims) {
			c["viewer"] = map[string]any{"id": "a\nb"}
		},
		"records empty":      func(c jwt.MapClaims) { c["records"] = []any{} },
		"records an object":  func(c jwt.MapClaims) { c["records"] = map[string]any{"id": rec.ID} },
		"records 51":         func(c jwt.MapClaims) { c["records"] = manyRecords(51) },
		"record without id":  func(c jwt.MapClaims) { c["records"] = []map[string]any{{"type": "contact"}} },
		"record type person": func(c jwt.MapClaims) { c["records"] = []map[string]any{{"id": "r1", "type": "person"}} },
		"record type missing": func(c jwt.MapClaims) {
			c["records"] = []map[string]any{{"id": "r1"}}
		},
		"record id with a NUL": func(c jwt.MapClaims) { c["records"] = []map[string]any{{"id": "r\x001", "type": "lead"}} },
		"record id 1 KB": func(c jwt.MapClaims) {
			c["records"] = []map[string]any{{"id": strings.Repeat("r", 1024), "type": "lead"}}
		},
		"record first name 10 KB": func(c jwt.MapClaims) {
			c["records"] = []map[string]any{{"id": "r1", "type": "lead", "firstName": strings.Repeat("n", 10000)}}
		},
		"record duplicated": func(c jwt.MapClaims) {
			c["records"] = []map[string]any{{"id": "r1", "type": "lead"}, {"id": "r1", "type": "lead"}}
		},
		"roles a string": func(c jwt.MapClaims) { c["roles"] = "admin" },
		"oversized pad":  func(c jwt.MapClaims) { c["pad"] = strings.Repeat("x", 17000) },
	}
	headerMods := map[string]map[string]any{
		"kid unknown":          {"kid": "nope"},
		"kid path traversal":   {"kid": "../../etc/passwd"},
		"kid a number":         {"kid": 7},
		"crit header":          {"crit": []string{"exp"}},
		"typ something else":   {"typ": "at+jwt", "crit": []string{"typ"}},
		"jku pointing outside": {"jku": "https://evil.example/jwks", "crit": []string{"jku"}},
	}
	var out []hostile
	add := func(scenario, ctx string) {
		out = append(out, hostile{scenario: "context/" + scenario, method: "POST", path: "/api/v1/sessions",
			body: jsonBody(wire.SessionRequest{Ctx: ctx})})
	}
	for name, mod := range claimMods {
		c := base()
		mod(c)
		add(name, sign(c, nil))
	}
	for name, hdr := range headerMods {
		add(name, sign(base(), hdr))
	}
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	ed, _ := jwt.NewWithClaims(jwt.SigningMethodEdDSA, base()).SignedString(edKey)
	none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, base()).SignedString(jwt.UnsafeAllowNoneSignatureType)
	hs512, _ := jwt.NewWithClaims(jwt.SigningMethodHS512, base()).SignedString(secret)
	for scenario, ctx := range map[string]string{
		"empty":                       "",
		"one segment":                 "abc",
		"two segments":                "abc.def",
		"four segments":               valid + ".x",
		"dots only":                   "..",
		"signature stripped":          parts[0] + "." + parts[1] + ".",
		"signature of another token":  parts[0] + "." + seg(map[string]any{"iss": demo.Context.Issuer}) + "." + parts[2],
		"header not JSON":             base64.RawURLEncoding.EncodeToString([]byte("{")) + "." + parts[1] + "." + parts[2],
		"claims a JSON array":         parts[0] + "." + seg([]int{1}) + "." + parts[2],
		"padded base64":               parts[0] + "=." + parts[1] + "." + parts[2],
		"spaces around":               " " + valid + " ",
		"alg none":                    none,
		"HS512 with the tenant key":   hs512,
		"EdDSA with a stranger's key": ed,
		"unicode":                     "ünïcødé.ünïcødé.ünïcødé",
		"NUL bytes":                   "a\x00b.c\x00d.e\x00f",
		"17 KiB of junk":              strings.Repeat("A", 17*1024),
		"a widget session token":      "eyJhbGciOiJFZERTQSJ9.e30.AAAA",
	} {
		add(scenario, ctx)
	}
	for scenario, body := range map[string]string{
		"not JSON":                 "ctx=abc",
		"a JSON array":             `["abc"]`,
		"ctx a number":             `{"ctx":123}`,
		"ctx null":                 `{"ctx":null}`,
		"ctx an object":            `{"ctx":{"a":1}}`,
		"an unknown field":         `{"ctx":"a.b.c","admin":true}`,
		"trailing garbage":         `{"ctx":"a.b.c"} {"ctx":"x"}`,
		"truncated":                `{"ctx":"a.b`,
		"deeply nested":            strings.Repeat("[", 10000) + strings.Repeat("]", 10000),
		"empty":                    ``,
		"invalid UTF-8":            "{\"ctx\":\"\xff\xfe\"}",
		"huge string (over limit)": `{"ctx":"` + strings.Repeat("a", 2<<20) + `"}`,
	} {
		out = append(out, hostile{scenario: "session body/" + scenario, method: "POST", path: "/api/v1/sessions", body: []byte(body)})
	}
	out = append(out, hostile{scenario: "session body/text plain", method: "POST", path: "/api/v1/sessions",
		header: http.Header{"Content-Type": {"text/plain"}}, body: jsonBody(wire.SessionRequest{Ctx: valid})})
	return out
}

func manyRecords(n int) []map[string]any {
	out := make([]map[string]any, n)
	for i := range out {
		out[i] = map[string]any{"id": fmt.Sprintf("r%d", i), "type": "contact"}
	}
	return out
}

// hostileBearers: session tokens that must never be honoured, on every
// route that takes one.
func hostileBearers(valid, otherTenant string) []hostile {
	parts := strings.Split(valid, ".")
	_, stranger, _ := ed25519.GenerateKey(rand.Reader)
	var claims map[string]any
	raw, _ := base64.RawURLEncoding.DecodeString(parts[1])
	_ = json.Unmarshal(raw, &claims)
	forged, _ := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.MapClaims(claims)).SignedString(stranger)
	none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims(claims)).SignedString(jwt.UnsafeAllowNoneSignatureType)
	flipped := []byte(valid)
	flipped[len(flipped)-2] ^= 1
	auths := map[string]string{
		"no scheme":                   valid,
		"Basic":                       "Basic " + base64.StdEncoding.EncodeToString([]byte("a:b")),
		"empty bearer":                "Bearer ",
		"bearer of spaces":            "Bearer      ",
		"bearer garbage":              "Bearer not-a-token",
		"bearer truncated":            "Bearer " + valid[:len(valid)/2],
		"bearer with a flipped bit":   "Bearer " + string(flipped),
		"bearer signed by a stranger": "Bearer " + forged,
		"bearer alg none":             "Bearer " + none,
		"bearer with padding":         "Bearer " + parts[0] + "." + parts[1] + "=." + parts[2],
		"bearer with a NUL":           "Bearer " + valid + "\x00",
		"bearer of 20 KB":             "Bearer " + strings.Repeat("a", 20000),
		"two tokens":                  "Bearer " + valid + " " + valid,
	}
	routes := []struct{ method, path string }{
		{"GET", "/api/v1/associations"},
		{"POST", "/api/v1/sales-access-token"},
		{"POST", "/api/v1/linkedin/connection"},
		{"DELETE", "/api/v1/linkedin/connection"},
		{"GET", "/api/v1/contracts"},
		{"GET", "/api/v1/compliance/status"},
		{"GET", "/api/v1/admin/tenants"},
	}
	var out []hostile
	for name, auth := range auths {
		for _, r := range routes {
			if strings.ContainsAny(auth, "\x00") {
				continue // Go's client refuses to send it; see below
			}
			var body []byte
			if r.method == "POST" {
				body = []byte(`{}`)
			}
			out = append(out, hostile{scenario: "bearer/" + name + r.method + r.path, method: r.method, path: r.path,
				header: http.Header{"Authorization": {auth}}, body: body})
		}
	}
	// Another tenant's valid session asking about this tenant.
	out = append(out,
		hostile{scenario: "bearer/another tenant's session, admin API", method: "GET", path: "/api/v1/admin/tenants/demo", header: bearer(otherTenant)},
		hostile{scenario: "bearer/another tenant's session, exports", method: "GET", path: "/api/v1/admin/tenants/demo/exports", header: bearer(otherTenant)},
	)
	return out
}

// hostileQueriesAndBodies: a valid seller session with queries and bodies
// it must not be able to use.
func hostileQueriesAndBodies(tok, foreignRecord string) []hostile {
	var out []hostile
	for scenario, q := range map[string]string{
		"a record the context did not name": "records=" + url.QueryEscape(foreignRecord),
		"a NUL record":                      "records=%00",
		"1,000 records":                     "records=" + strings.Repeat("x,", 1000),
		"a 10 KB record id":                 "records=" + strings.Repeat("r", 10000),
		"forceRefresh not a boolean":        "forceRefresh=maybe",
		"forceRefresh twice":                "forceRefresh=true&forceRefresh=false",
		"records twice":                     "records=a&records=b",
		"percent garbage":                   "records=%zz",
		"commas only and a foreign record":  "records=,,," + url.QueryEscape(foreignRecord),
		"unicode record":                    "records=%C3%BC%C3%BC",
		"a path in the record":              "records=..%2F..%2Fetc%2Fpasswd",
	} {
		out = append(out, hostile{scenario: "associations/" + scenario, method: "GET", path: "/api/v1/associations?" + q, header: bearer(tok)})
	}
	for scenario, body := range map[string]string{
		"not JSON":                  `recordId=x`,
		"recordId a number":         `{"recordId":5}`,
		"recordId foreign":          `{"recordId":` + string(jsonBody(foreignRecord)) + `}`,
		"recordId 10 KB":            `{"recordId":"` + strings.Repeat("r", 10000) + `"}`,
		"recordId null and another": `{"recordId":null,"x":1}`,
		"a JSON array":              `[]`,
		"trailing garbage":          `{"recordId":"a"}x`,
	} {
		out = append(out, hostile{scenario: "sales-access-token/" + scenario, method: "POST", path: "/api/v1/sales-access-token", header: bearer(tok), body: []byte(body)})
	}
	for scenario, body := range map[string]string{
		"no code":        `{}`,
		"code empty":     `{"code":""}`,
		"code garbage":   `{"code":"nope"}`,
		"code a number":  `{"code":1}`,
		"code of 10 KB":  `{"code":"` + strings.Repeat("c", 10000) + `"}`,
		"code with NULs": `{"code":"a\u0000b"}`,
		"not JSON":       `code=abc`,
	} {
		out = append(out, hostile{scenario: "connection/" + scenario, method: "POST", path: "/api/v1/linkedin/connection", header: bearer(tok), body: []byte(body)})
	}
	return out
}

// hostileMethodsAndPaths: routes that do not exist and methods a route
// does not take.
func hostileMethodsAndPaths() []hostile {
	var out []hostile
	for _, m := range []struct{ method, path string }{
		{"TRACE", "/"}, {"PATCH", "/api/v1/sessions"}, {"PUT", "/api/v1/sessions"}, {"DELETE", "/healthz"},
		{"POST", "/readyz"}, {"PUT", "/api/v1/associations"}, {"GET", "/api/v1/sales-access-token"},
		{"PATCH", "/api/v1/linkedin/connection"}, {"POST", "/oauth/linkedin/start"}, {"DELETE", "/oauth/linkedin/callback"},
		{"PUT", "/w/demo/card"}, {"POST", "/w/demo/list"}, {"DELETE", "/embed.js"}, {"POST", "/operator"},
		{"POST", "/admin/demo"}, {"PUT", "/admin/demo"}, {"DELETE", "/admin/demo"},
		{"PATCH", "/api/v1/admin/tenants"}, {"DELETE", "/api/v1/admin/tenants"}, {"POST", "/api/v1/admin/tenants/demo"},
		{"GET", "/api/v1/nothing"}, {"GET", "/api/v2/sessions"}, {"GET", "/api/v1/sessions/../admin/tenants"},
		{"GET", "/api/v1/%2e%2e/%2e%2e/etc/passwd"}, {"GET", "/%2e%2e/%2e%2e/go.mod"}, {"GET", "/web/../go.mod"},
		{"GET", "/web/nope.js"}, {"GET", "/web/%00"}, {"GET", "/w/demo/nope"}, {"GET", "/w/demo/card/extra"},
		{"GET", "/admin/demo/nope"}, {"GET", "/admin/demo/x/y/z"}, {"GET", "/operator/x"}, {"GET", "/embed.js/x"},
		{"GET", "/healthz/x"}, {"GET", "/.git/config"}, {"GET", "/.env"}, {"GET", "/wp-admin/"},
		{"GET", "/api/v1/admin/tenants/demo/nope"}, {"GET", "/" + strings.Repeat("a/", 500)},
	} {
		out = append(out, hostile{scenario: "route/" + m.method + " " + short(m.path), method: m.method, path: m.path})
	}
	return out
}

// short keeps a subtest name readable when the request carries kilobytes.
func short(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// hostileOAuth: the consent popup's pages (always browser navigations)
// with what an attacker controls.
func hostileOAuth() []hostile {
	var out []hostile
	for _, q := range []string{
		"", "tenant=demo", "tenant=nobody&h=x", "tenant=demo&h=", "tenant=demo&h=" + strings.Repeat("h", 5000),
		"tenant=demo&h=%00", "tenant=../demo&h=abc", "tenant=demo&tenant=nosync&h=abc",
	} {
		out = append(out, hostile{scenario: "oauth start/" + short(q), method: "GET", path: "/oauth/linkedin/start?" + q, nav: true})
	}
	for _, q := range []string{
		"", "code=abc", "state=abc", "code=abc&state=abc", "state=" + strings.Repeat("s", 5000) + "&code=c",
		"error=access_denied&state=abc",
		"error=%3Cscript%3Ealert(1)%3C%2Fscript%3E&error_description=%0Aevil&state=abc",
		"error=user_cancelled_login&error_description=" + strings.Repeat("e", 10000),
		"code=abc&state=abc&state=def",
	} {
		out = append(out, hostile{scenario: "oauth callback/" + short(q), method: "GET", path: "/oauth/linkedin/callback?" + q, nav: true})
	}
	return out
}

// hostileAdmin: the admin API with wrong credentials and bad input with
// the right ones. A seller session (no admin role) is refused too.
func hostileAdmin(sellerToken string) []hostile {
	op := bearer(testOperatorKey)
	var out []hostile
	for name, h := range map[string]http.Header{
		"no credentials":          nil,
		"a wrong operator key":    bearer(strings.Repeat("x", 40)),
		"the operator key plus 1": bearer(testOperatorKey + "1"),
		"a made-up API key":       bearer("sbk_abc_def"),
		"a seller session":        bearer(sellerToken),
	} {
		for _, r := range []struct{ method, path string }{
			{"GET", "/api/v1/admin/tenants"}, {"POST", "/api/v1/admin/tenants"}, {"GET", "/api/v1/admin/tenants/demo"},
			{"PUT", "/api/v1/admin/tenants/demo"}, {"POST", "/api/v1/admin/tenants/demo/api-keys"},
			{"GET", "/api/v1/admin/tenants/demo/audit"}, {"GET", "/api/v1/admin/tenants/demo/compliance/archive"},
			{"DELETE", "/api/v1/admin/tenants/demo/context-keys/k1"},
		} {
			out = append(out, hostile{scenario: "admin auth/" + name + "/" + r.method + r.path, method: r.method, path: r.path, header: h, body: []byte(`{}`)})
		}
	}
	tenantBody := func(mod func(map[string]any)) []byte {
		t := map[string]any{
			"id": "hostile", "name": "Hostile", "linkedin": map[string]any{"clientId": "c", "clientSecret": "s"},
			"crm":            map[string]any{"partner": "MS", "instanceId": "x.example.com", "type": "DYNAMICS"},
			"allowedOrigins": []string{"https://crm.example.com"},
			"context": map[string]any{"issuer": "https://crm.example.com", "keys": []map[string]any{
				{"id": "k1", "alg": "HS256", "secret": strings.Repeat("s", 40)}}},
		}
		mod(t)
		return jsonBody(t)
	}
	for scenario, body := range map[string][]byte{
		"not JSON":                    []byte(`id=x`),
		"empty object":                []byte(`{}`),
		"a JSON array":                []byte(`[]`),
		"id with a slash":             tenantBody(func(t map[string]any) { t["id"] = "a/b" }),
		"id of 5,000 characters":      tenantBody(func(t map[string]any) { t["id"] = strings.Repeat("i", 5000) }),
		"origin https://*":            tenantBody(func(t map[string]any) { t["allowedOrigins"] = []string{"https://*"} }),
		"origin with port 99999":      tenantBody(func(t map[string]any) { t["allowedOrigins"] = []string{"https://a.example:99999"} }),
		"origin ending in a quote":    tenantBody(func(t map[string]any) { t["allowedOrigins"] = []string{`https://a.example"`} }),
		"origin javascript:":          tenantBody(func(t map[string]any) { t["allowedOrigins"] = []string{"javascript:alert(1)"} }),
		"origin plain http":           tenantBody(func(t map[string]any) { t["allowedOrigins"] = []string{"http://crm.example.com"} }),
		"origin with a path":          tenantBody(func(t map[string]any) { t["allowedOrigins"] = []string{"https://crm.example.com/x"} }),
		"context key id a/b":          tenantBody(func(t map[string]any) { t["context"].(map[string]any)["keys"].([]map[string]any)[0]["id"] = "a/b" }),
		"context key id with newline": tenantBody(func(t map[string]any) { t["context"].(map[string]any)["keys"].([]map[string]any)[0]["id"] = "a\nb" }),
		"context key secret short": tenantBody(func(t map[string]any) {
			t["context"].(map[string]any)["keys"].([]map[string]any)[0]["secret"] = "short"
		}),
		"context key alg none":   tenantBody(func(t map[string]any) { t["context"].(map[string]any)["keys"].([]map[string]any)[0]["alg"] = "none" }),
		"accent colour a script": tenantBody(func(t map[string]any) { t["accentColor"] = "red;}</style><script>" }),
		"budget negative":        tenantBody(func(t map[string]any) { t["dailyLookupBudget"] = -1 }),
		"theme system":           tenantBody(func(t map[string]any) { t["theme"] = "system" }),
		"budget a string":        tenantBody(func(t map[string]any) { t["dailyLookupBudget"] = "lots" }),
		"taken id":               tenantBody(func(t map[string]any) { t["id"] = "demo" }),
	} {
		out = append(out, hostile{scenario: "admin create tenant/" + scenario, method: "POST", path: "/api/v1/admin/tenants", header: op, body: body})
	}
	for scenario, r := range map[string]struct {
		method, path string
		body         string
	}{
		"put origins https://*":      {"PUT", "/api/v1/admin/tenants/demo", `{"allowedOrigins":["https://*"]}`},
		"put not JSON":               {"PUT", "/api/v1/admin/tenants/demo", `nope`},
		"put another id":             {"PUT", "/api/v1/admin/tenants/demo", `{"id":"nosync"}`},
		"put unknown tenant":         {"PUT", "/api/v1/admin/tenants/nobody", `{}`},
		"add key id a/b":             {"POST", "/api/v1/admin/tenants/demo/context-keys", `{"id":"a/b","alg":"HS256","secret":"` + strings.Repeat("s", 40) + `"}`},
		"add key id of 5,000":        {"POST", "/api/v1/admin/tenants/demo/context-keys", `{"id":"` + strings.Repeat("k", 5000) + `","alg":"HS256","secret":"` + strings.Repeat("s", 40) + `"}`},
		"add key alg none":           {"POST", "/api/v1/admin/tenants/demo/context-keys", `{"id":"k9","alg":"none"}`},
		"add key bad PEM":            {"POST", "/api/v1/admin/tenants/demo/context-keys", `{"id":"k9","alg":"RS256","publicKey":"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"}`},
		"remove unknown key":         {"DELETE", "/api/v1/admin/tenants/demo/context-keys/nope", ``},
		"remove key with a slash":    {"DELETE", "/api/v1/admin/tenants/demo/context-keys/a%2Fb", ``},
		"revoke unknown API key":     {"DELETE", "/api/v1/admin/tenants/demo/api-keys/nope", ``},
		"API key name of 10 KB":      {"POST", "/api/v1/admin/tenants/demo/api-keys", `{"name":"` + strings.Repeat("n", 10000) + `"}`},
		"API key not JSON":           {"POST", "/api/v1/admin/tenants/demo/api-keys", `name=x`},
		"audit limit -1":             {"GET", "/api/v1/admin/tenants/demo/audit?limit=-1", ``},
		"audit limit 100000":         {"GET", "/api/v1/admin/tenants/demo/audit?limit=100000", ``},
		"audit limit abc":            {"GET", "/api/v1/admin/tenants/demo/audit?limit=abc", ``},
		"export not JSON":            {"POST", "/api/v1/admin/tenants/demo/exports", `x`},
		"export 95 days":             {"POST", "/api/v1/admin/tenants/demo/exports", `{"contract":"urn:li:contract:1","action":"seat","startAt":"2026-01-01T00:00:00Z","endAt":"2026-04-06T00:00:00Z"}`},
		"export action unknown":      {"POST", "/api/v1/admin/tenants/demo/exports", `{"contract":"urn:li:contract:1","action":"everything","startAt":"2026-01-01T00:00:00Z","endAt":"2026-01-02T00:00:00Z"}`},
		"export end before start":    {"POST", "/api/v1/admin/tenants/demo/exports", `{"contract":"urn:li:contract:1","action":"seat","startAt":"2026-01-02T00:00:00Z","endAt":"2026-01-01T00:00:00Z"}`},
		"export unknown id":          {"GET", "/api/v1/admin/tenants/demo/exports/999999", ``},
		"export id not a number":     {"GET", "/api/v1/admin/tenants/demo/exports/abc", ``},
		"download unknown export":    {"GET", "/api/v1/admin/tenants/demo/exports/999999/download", ``},
		"validation export bad date": {"POST", "/api/v1/admin/tenants/demo/validation-exports", `{"exportStartAt":"yesterday"}`},
		"validation unknown id":      {"GET", "/api/v1/admin/tenants/demo/validation-exports/999999", ``},
		"archive from after to":      {"GET", "/api/v1/admin/tenants/demo/compliance/archive?from=2026-02-01&to=2026-01-01", ``},
		"archive bad format":         {"GET", "/api/v1/admin/tenants/demo/compliance/archive?format=xml", ``},
		"archive bad from":           {"GET", "/api/v1/admin/tenants/demo/compliance/archive?from=soon", ``},
		"sync unknown viewer":        {"POST", "/api/v1/admin/tenants/demo/compliance/viewers/nobody/sync", ``},
		"health of unknown tenant":   {"GET", "/api/v1/admin/tenants/nobody/health", ``},
		"test connection not JSON":   {"POST", "/api/v1/admin/tenants/demo/test-connection", `x`},
	} {
		var body []byte
		if r.body != "" {
			body = []byte(r.body)
		}
		out = append(out, hostile{scenario: "admin input/" + scenario, method: r.method, path: r.path, header: op, body: body})
	}
	return out
}

// hostilePages: widget and console URLs as a browser inside the CRM
// iframe would open them, and as an API client would.
func hostilePages(usedCtx string) []hostile {
	var out []hostile
	ctxs := map[string]string{
		"no ctx":         "",
		"garbage ctx":    "ctx=garbage",
		"empty ctx":      "ctx=",
		"ctx of 20 KB":   "ctx=" + strings.Repeat("a", 20000),
		"two ctx":        "ctx=a&ctx=b",
		"a replayed ctx": "ctx=" + url.QueryEscape(usedCtx),
	}
	for _, page := range []string{"/w/demo/card", "/w/demo/list", "/w/nobody/card", "/admin/demo", "/admin/nobody"} {
		for name, q := range ctxs {
			for _, nav := range []bool{true, false} {
				kind := "api"
				if nav {
					kind = "navigation"
				}
				out = append(out, hostile{scenario: "page/" + kind + " " + page + " " + name, method: "GET", path: page + "?" + q, nav: nav})
			}
		}
	}
	return out
}
