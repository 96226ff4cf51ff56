package webapp

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/snapbridge/snapbridge/internal/ui"
	"github.com/snapbridge/snapbridge/internal/wire"
)

var routesOnce sync.Once

// wasmFixture writes an app.wasm (and its .gz/.br siblings when asked)
// into a temp dir, each with distinct content.
func wasmFixture(t *testing.T, variants ...string) string {
	t.Helper()
	dir := t.TempDir()
	write := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("app.wasm", []byte("\x00asm-raw-binary"))
	for _, v := range variants {
		switch v {
		case "gz":
			var b bytes.Buffer
			zw := gzip.NewWriter(&b)
			zw.Write([]byte("\x00asm-raw-binary"))
			zw.Close()
			write("app.wasm.gz", b.Bytes())
		case "br":
			write("app.wasm.br", []byte("brotli-bytes"))
		}
	}
	return dir
}

// serve mounts Handler as Gin's NoRoute handler, the way cmd/server does.
func serve(t *testing.T, cfg Config) *httptest.Server {
	t.Helper()
	routesOnce.Do(ui.Routes)
	gin.SetMode(gin.TestMode)
	r := gin.New()
	r.NoRoute(gin.WrapH(Handler(cfg)))
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, srv *httptest.Server, path string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	// A bare transport: no transparent gzip, so encodings are visible.
	res, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res, body
}

func TestWidgetPageUnderGinNoRoute(t *testing.T) {
	var gotReferer string
	ui.SetLoader(func(ctx context.Context, tenant, mode string, page *url.URL, referer string) ui.Boot {
		gotReferer = referer
		return ui.Boot{Token: "sess", Records: []wire.Record{{ID: "r1", FirstName: "Ada", LastName: "Lovelace"}}}
	})
	t.Cleanup(func() { ui.SetLoader(nil) })
	srv := serve(t, Config{Version: "v1.2.3", WasmDir: wasmFixture(t)})

	tests := []struct {
		scenario    string
		path        string
		header      map[string]string
		wantReferer string
	}{
		{scenario: "first visit from a CRM page", path: "/w/demo/card?ctx=abc",
			header: map[string]string{"Referer": "https://crm.example/"}, wantReferer: "https://crm.example/"},
		{scenario: "a revisit with the build's ETag still gets a fresh page",
			path: "/w/demo/card?ctx=abc", header: map[string]string{"If-None-Match": `"v1.2.3"`}},
		{scenario: "a referer smuggled in the query is overwritten",
			path:   "/w/demo/list?ctx=abc&" + ui.RefererParam + "=https%3A%2F%2Fevil.example",
			header: map[string]string{"Referer": "https://crm.example/x"}, wantReferer: "https://crm.example/x"},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			gotReferer = "unset"
			res, body := get(t, srv, tt.path, tt.header)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status = %d, want 200", res.StatusCode)
			}
			if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", cc)
			}
			if et := res.Header.Get("ETag"); et != "" {
				t.Errorf("page has ETag %q: a cached page would reuse a spent session", et)
			}
			if !bytes.Contains(body, []byte("Ada Lovelace")) || !bytes.Contains(body, []byte(`id="snapbridge-boot"`)) {
				t.Errorf("page lacks the prerendered card or boot:\n%s", body)
			}
			if gotReferer != tt.wantReferer {
				t.Errorf("loader referer = %q, want %q", gotReferer, tt.wantReferer)
			}
			page := string(body)
			seg := assetSegment(t, srv)
			if !strings.HasPrefix(seg, "v1.2.3-") {
				t.Errorf("asset URLs under %q, want the version and a hash", seg)
			}
			shim := strings.Index(page, `<script src="/`+seg+`/web/storage-shim.js">`)
			if shim < 0 {
				t.Fatalf("storage shim missing or deferred:\n%s", page)
			}
			if !strings.Contains(page, `href="/`+seg+`/web/widget.css"`) {
				t.Errorf("widget.css not linked with the version")
			}
			if strings.Contains(page, "raw.githubusercontent.com") {
				t.Errorf("page loads something from the internet")
			}
		})
	}
}

// assetSegment is the path segment go-app's app.js loads app.wasm under.
func assetSegment(t *testing.T, srv *httptest.Server) string {
	t.Helper()
	_, js := get(t, srv, "/app.js", nil)
	m := regexp.MustCompile(`fetchWithProgress\("/([^/"]+)/web/app\.wasm"`).FindSubmatch(js)
	if m == nil {
		t.Fatalf("app.js names no versioned app.wasm:\n%.400s", js)
	}
	return string(m[1])
}

func TestStaticFiles(t *testing.T) {
	srv := serve(t, Config{Version: "v9", WasmDir: wasmFixture(t, "gz", "br")})
	seg := assetSegment(t, srv)
	tests := []struct {
		scenario     string
		path         string
		header       map[string]string
		wantStatus   int
		wantType     string
		wantEncoding string
		wantBody     string
		wantCache    string
	}{
		{scenario: "versioned wasm, browser takes brotli", path: "/v9/web/app.wasm",
			header: map[string]string{"Accept-Encoding": "gzip, deflate, br, zstd"}, wantStatus: 200,
			wantType: "application/wasm", wantEncoding: "br", wantBody: "brotli-bytes", wantCache: cacheImmutable},
		{scenario: "gzip only", path: "/v9/web/app.wasm", header: map[string]string{"Accept-Encoding": "gzip"},
			wantStatus: 200, wantType: "application/wasm", wantEncoding: "gzip", wantCache: cacheImmutable},
		{scenario: "brotli refused with q=0", path: "/v9/web/app.wasm", header: map[string]string{"Accept-Encoding": "br;q=0, gzip;q=0.5"},
			wantStatus: 200, wantType: "application/wasm", wantEncoding: "gzip", wantCache: cacheImmutable},
		{scenario: "no compression accepted: raw bytes", path: "/v9/web/app.wasm",
			wantStatus: 200, wantType: "application/wasm", wantBody: "\x00asm-raw-binary", wantCache: cacheImmutable},
		{scenario: "go-app's /app.wasm alias", path: "/app.wasm", header: map[string]string{"Accept-Encoding": "br"},
			wantStatus: 200, wantType: "application/wasm", wantEncoding: "br", wantBody: "brotli-bytes"},
		{scenario: "unversioned file is revalidated", path: "/web/widget.css",
			wantStatus: 200, wantType: "text/css; charset=utf-8", wantBody: "#app-wasm-loader { display: none", wantCache: cacheRevalidate},
		{scenario: "embed.js at the root", path: "/embed.js",
			wantStatus: 200, wantType: "text/javascript; charset=utf-8", wantBody: "snapbridge:resize", wantCache: "public, max-age=300"},
		{scenario: "the service worker does nothing", path: "/app-worker.js",
			wantStatus: 200, wantBody: "deliberately does nothing"},
		{scenario: "app.js knows the raw wasm size", path: "/app.js",
			wantStatus: 200, wantBody: `goappWasmContentLength = "15"`},
		{scenario: "unknown file is a JSON 404", path: "/v9/web/nope.txt", wantStatus: 404, wantType: "application/json; charset=utf-8", wantBody: `"not_found"`},
		{scenario: "path escape is a 404", path: "/web/../go.mod", wantStatus: 404},
		{scenario: "unknown page is a JSON 404", path: "/w/Bad_Tenant/card", wantStatus: 404, wantType: "application/json; charset=utf-8", wantBody: `"not_found"`},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			res, body := get(t, srv, strings.Replace(tt.path, "/v9/", "/"+seg+"/", 1), tt.header)
			if res.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d, want %d (%s)", res.StatusCode, tt.wantStatus, body)
			}
			if tt.wantType != "" && res.Header.Get("Content-Type") != tt.wantType {
				t.Errorf("Content-Type = %q, want %q", res.Header.Get("Content-Type"), tt.wantType)
			}
			if res.Header.Get("Content-Encoding") != tt.wantEncoding {
				t.Errorf("Content-Encoding = %q, want %q", res.Header.Get("Content-Encoding"), tt.wantEncoding)
			}
			if tt.wantType == "application/wasm" && res.Header.Get("Vary") != "Accept-Encoding" {
				t.Errorf("Vary = %q", res.Header.Get("Vary"))
			}
			if tt.wantBody != "" && !bytes.Contains(body, []byte(tt.wantBody)) {
				t.Errorf("body lacks %q: %.200s", tt.wantBody, body)
			}
			if tt.wantCache != "" && res.Header.Get("Cache-Control") != tt.wantCache {
				t.Errorf("Cache-Control = %q, want %q", res.Header.Get("Cache-Control"), tt.wantCache)
			}
		})
	}
}

func TestBadRequestsGetJSONErrors(t *testing.T) {
	srv := serve(t, Config{WasmDir: t.TempDir()})
	tests := []struct {
		scenario   string
		method     string
		path       string
		wantStatus int
		wantCode   string
	}{
		{"POST to a page", http.MethodPost, "/w/demo/card", 405, "method_not_allowed"},
		{"DELETE on a file", http.MethodDelete, "/web/widget.css", 405, "method_not_allowed"},
		{"wasm not built yet", http.MethodGet, "/dev/web/app.wasm", 404, "wasm_not_built"},
		{"unknown path", http.MethodGet, "/admin/secret", 404, "not_found"},
		{"POST to an unknown path is a 404, not a 405", http.MethodPost, "/nope", 404, "not_found"},
		{"no page under the version segment", http.MethodGet, "/dev/w/demo/card", 404, "not_found"},
		{"no robots.txt fetched from the Host the client named", http.MethodGet, "/dev/robots.txt", 404, "not_found"},
		{"unknown path under the version segment", http.MethodGet, "/dev/nope", 404, "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, srv.URL+tt.path, nil)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			var body wire.Error
			if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
				t.Fatalf("body is not the JSON error: %v", err)
			}
			if res.StatusCode != tt.wantStatus || body.Error.Code != tt.wantCode {
				t.Errorf("got %d %q, want %d %q", res.StatusCode, body.Error.Code, tt.wantStatus, tt.wantCode)
			}
		})
	}
}

func TestEmbedJSIsExported(t *testing.T) {
	js := EmbedJS()
	for _, want := range []string{"data-snapbridge-tenant", "event.origin !== origin", "contentWindow === event.source", `"LinkedIn Sales Navigator"`} {
		if !bytes.Contains(js, []byte(want)) {
			t.Errorf("embed.js lacks %q", want)
		}
	}
}

// TestNoFileIsFetchedFromTheClientsHost: go-app serves /robots.txt and the
// like by fetching them from the request's own Host and caching the answer
// for everyone. Reached under the version segment, that let a client make
// the server fetch from a host of its choosing and serve its answer, with
// its content type, on our origin.
func TestNoFileIsFetchedFromTheClientsHost(t *testing.T) {
	hits := make(chan string, 10)
	attacker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits <- r.URL.Path
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<script>alert(document.domain)</script>")) //nolint:errcheck // test server
	}))
	defer attacker.Close()
	srv := serve(t, Config{WasmDir: t.TempDir()})
	for _, path := range []string{"/dev/robots.txt", "/dev/sitemap.xml", "/dev/ads.txt"} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		req.Host = strings.TrimPrefix(attacker.URL, "http://")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusNotFound || strings.Contains(string(body), "alert") {
			t.Errorf("%s: status %d: %s", path, res.StatusCode, body)
		}
	}
	select {
	case p := <-hits:
		t.Errorf("the server fetched %s from the Host the client named", p)
	default:
	}
}

// TestPrerenderedPanelWorksWithoutTheWasm: the page the server sends is
// already what the seller can use — LinkedIn's iframe (with its sat) for a
// connected seller, a Connect link to the consent popup for one who is not
// — plus the small script that runs Connect before the WebAssembly does.
func TestPrerenderedPanelWorksWithoutTheWasm(t *testing.T) {
	const iframeURL = "https://www.linkedin.com/sales/widget/profile-matching?apiKey=k&sat=SAT-42"
	const connectURL = "https://snapbridge.example/oauth/linkedin/start?tenant=demo&h=H-42"
	records := []wire.Record{{ID: "r1", FirstName: "Ada", LastName: "Lovelace"}}
	tests := []struct {
		scenario string
		boot     ui.Boot
		want     []string
		notWant  []string
	}{
		{scenario: "connected seller: the Display Services iframe with its sat",
			boot: ui.Boot{Token: "sess", Records: records,
				SAT: &wire.SalesAccessToken{Token: "SAT-42", ExpiresAt: time.Now().Add(time.Hour), IframeURL: iframeURL}},
			want:    []string{`class="sb-panel__frame"`, ` src="` + html.EscapeString(iframeURL) + `"`},
			notWant: []string{"data-sb-connect", "Opening Sales Navigator"}},
		{scenario: "seller not connected: a Connect link that opens the consent popup",
			boot: ui.Boot{Token: "sess", Records: records, ConnectURL: connectURL},
			want: []string{`href="` + html.EscapeString(connectURL) + `"`, `target="_blank"`, `rel="opener"`, `data-sb-connect="1"`,
				"Sign in to LinkedIn once to see Sales Navigator here."},
			notWant: []string{"<iframe", "Opening Sales Navigator"}},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			ui.SetLoader(func(context.Context, string, string, *url.URL, string) ui.Boot { return tt.boot })
			t.Cleanup(func() { ui.SetLoader(nil) })
			srv := serve(t, Config{Version: "v1", WasmDir: wasmFixture(t)})
			res, body := get(t, srv, "/w/demo/card?ctx=abc", nil)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d", res.StatusCode)
			}
			page := string(body)
			for _, w := range tt.want {
				if !strings.Contains(page, w) {
					t.Errorf("page lacks %s:\n%s", w, page)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(page, w) {
					t.Errorf("page has %s", w)
				}
			}
			early := regexp.MustCompile(`<script (?:async )?src="/` + regexp.QuoteMeta(assetSegment(t, srv)) + `/web/widget-early\.js"(?: async)?>`)
			if !early.MatchString(page) || !strings.Contains(early.FindString(page), "async") {
				t.Errorf("page does not load widget-early.js async from the hashed path:\n%s", page)
			}
			if res, js := get(t, srv, "/"+assetSegment(t, srv)+"/web/widget-early.js", nil); res.StatusCode != http.StatusOK ||
				!bytes.Contains(js, []byte("snapbridge:connected")) || res.Header.Get("Content-Type") != "text/javascript; charset=utf-8" {
				t.Errorf("widget-early.js: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
			}
		})
	}
}

// TestWasmIsPreloadedUnderAContentHashedImmutableURL: the page asks for
// app.wasm at once (a preload app.js's fetch then uses), under a URL that
// changes whenever the binary does, so browsers keep it for a year.
func TestWasmIsPreloadedUnderAContentHashedImmutableURL(t *testing.T) {
	ui.SetLoader(func(context.Context, string, string, *url.URL, string) ui.Boot {
		return ui.Boot{Token: "sess", Records: []wire.Record{{ID: "r1", FirstName: "Ada"}}}
	})
	t.Cleanup(func() { ui.SetLoader(nil) })
	dirA, dirB := wasmFixture(t, "br"), wasmFixture(t, "br")
	if err := os.WriteFile(filepath.Join(dirB, "app.wasm"), []byte("\x00asm-another-build"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		scenario string
		cfg      Config
	}{
		{"a release build", Config{Version: "v2.0.0", WasmDir: dirA}},
		{"the same release, another wasm", Config{Version: "v2.0.0", WasmDir: dirB}},
		{"a dev build without a version", Config{WasmDir: dirA}},
	}
	seen := map[string]string{}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			srv := serve(t, tt.cfg)
			wasmURL := "/" + assetSegment(t, srv) + "/web/app.wasm"
			if other, dup := seen[wasmURL]; dup {
				t.Errorf("%s and %s share the wasm URL %s", tt.scenario, other, wasmURL)
			}
			seen[wasmURL] = tt.scenario
			_, body := get(t, srv, "/w/demo/card?ctx=abc", nil)
			preload := `<link rel="preload" href="` + wasmURL + `" as="fetch" type="application/wasm" crossorigin="anonymous">`
			if !strings.Contains(string(body), preload) {
				t.Errorf("page lacks %s:\n%s", preload, body)
			}
			res, _ := get(t, srv, wasmURL, map[string]string{"Accept-Encoding": "br"})
			if res.StatusCode != http.StatusOK || res.Header.Get("Cache-Control") != cacheImmutable {
				t.Errorf("GET %s: %d, Cache-Control %q, want %q", wasmURL, res.StatusCode, res.Header.Get("Cache-Control"), cacheImmutable)
			}
		})
	}
	// The same build always gets the same URL: caches stay warm across restarts.
	if again := "/" + assetSegment(t, serve(t, tests[0].cfg)) + "/web/app.wasm"; seen[again] != tests[0].scenario {
		t.Errorf("a restart of %s moved the wasm to %s", tests[0].scenario, again)
	}
}

// TestWidgetPageDrawsTheServerTheme: the theme the server decided is on
// the page from the first byte, and the style sheet follows it, not the
// seller's operating system (a dark widget in a white CRM).
func TestWidgetPageDrawsTheServerTheme(t *testing.T) {
	records := []wire.Record{{ID: "r1", FirstName: "Ada", LastName: "Lovelace"}}
	for _, theme := range []string{ui.ThemeLight, ui.ThemeDark} {
		t.Run(theme, func(t *testing.T) {
			ui.SetLoader(func(context.Context, string, string, *url.URL, string) ui.Boot {
				return ui.Boot{Token: "sess", Records: records, Theme: theme}
			})
			t.Cleanup(func() { ui.SetLoader(nil) })
			srv := serve(t, Config{Version: "v1", WasmDir: wasmFixture(t)})
			_, body := get(t, srv, "/w/demo/card?ctx=abc", nil)
			if !strings.Contains(string(body), `data-theme="`+theme+`"`) {
				t.Errorf("page without data-theme=%q", theme)
			}
		})
	}
	srv := serve(t, Config{Version: "v1", WasmDir: wasmFixture(t)})
	_, css := get(t, srv, "/web/widget.css", nil)
	if strings.Contains(string(css), "prefers-color-scheme: dark") || !strings.Contains(string(css), `[data-theme="dark"]`) {
		t.Error("widget.css follows the operating system's colour scheme, not the page's data-theme")
	}
}
