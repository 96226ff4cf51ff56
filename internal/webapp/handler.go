package webapp

import (
	"crypto/rand"
	"net/http"
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"github.com/snapbridge/snapbridge/internal/problem"
	"github.com/snapbridge/snapbridge/internal/ui"
	"github.com/snapbridge/snapbridge/web"
)

// goAppFiles are the paths go-app serves from memory.
var goAppFiles = map[string]bool{
	"/app.js": true, "/wasm_exec.js": true, "/app-worker.js": true,
	"/manifest.webmanifest": true, "/app.css": true, "/app.wasm": true,
}

// Handler returns the widget's HTTP handler: the go-app pages of
// internal/ui (the caller must have called ui.Routes and, on the server,
// ui.SetLoader), go-app's scripts, /web/… files, app.wasm from
// cfg.WasmDir, and /embed.js. Mount it at the origin root, for example as
// Gin's NoRoute handler: it always writes its own status, so Gin's preset
// 404 never leaks onto a page. Unknown paths get a 404, methods other than
// GET and HEAD on its paths a 405, both written by internal/problem (JSON,
// or the error page for a browser navigation).
func Handler(cfg Config) http.Handler {
	cfg = cfg.withDefaults()
	hash := contentHash(web.Files, cfg.WasmDir)
	res := &assets{
		files:   web.Files,
		wasmDir: cfg.WasmDir,
		version: cfg.versionSegment(hash),
		// Under a content hash a URL never names other bytes.
		immutable: cfg.Version != "" || hash != "",
	}
	icon := "/web/icon.svg"
	h := &app.Handler{
		Name:            "snapbridge",
		ShortName:       "snapbridge",
		Title:           cfg.Title,
		Description:     "LinkedIn Sales Navigator for this CRM record.",
		Lang:            "en",
		Icon:            app.Icon{Default: icon, Large: icon, SVG: icon, Maskable: icon},
		BackgroundColor: "#ffffff",
		ThemeColor:      "#0a66c2",
		LoadingLabel:    "Loading Sales Navigator… {progress}%",
		Styles:          []string{"/web/widget.css"},
		Scripts: []string{
			"/web/storage-shim.js",       // no defer: runs before app.js
			"/web/widget-early.js async", // Connect works before the wasm runs
		},
		// The wasm downloads while the prerendered page shows, not after
		// app.js asked for it. crossorigin matches app.js's fetch(), so the
		// preloaded response is the one it gets.
		RawHeaders: []string{`<link rel="preload" href="` + res.Resolve("/web/"+wasmName) +
			`" as="fetch" type="application/wasm" crossorigin="anonymous">`},
		Resources:             res,
		Version:               res.version,
		ServiceWorkerTemplate: string(readEmbedded(web.Files, "app-worker.js")),
	}
	if n := res.wasmSize(); n > 0 {
		h.WasmContentLength = strconv.FormatInt(n, 10)
	}
	return &handler{
		app:     h,
		version: res.version,
		embedJS: readEmbedded(web.Files, "embed.js"),
	}
}

// EmbedJS returns web/embed.js, the script CRM pages include to create and
// size widget iframes. Handler already serves it at /embed.js.
func EmbedJS() []byte {
	return readEmbedded(web.Files, "embed.js")
}

// handler wraps go-app's handler with what it lacks for the widget.
type handler struct {
	app     *app.Handler
	version string
	embedJS []byte
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	var serve func(http.ResponseWriter, *http.Request)
	switch {
	case p == "/embed.js":
		serve = h.serveEmbedJS
	case ui.IsPage(p):
		serve = h.servePage
	case h.isGoAppFile(p):
		serve = func(w http.ResponseWriter, r *http.Request) { h.app.ServeHTTP(&statusWriter{ResponseWriter: w}, r) }
	default:
		problem.Error(w, r, http.StatusNotFound, "not_found", "no such page")
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		problem.Error(w, r, http.StatusMethodNotAllowed, "method_not_allowed", "only GET and HEAD are served here")
		return
	}
	serve(w, r)
}

// isGoAppFile reports whether go-app serves p: its scripts and /web/
// files, with or without the version segment. Anything else under the
// version segment is refused here: go-app would prerender pages there
// without the widget's checks, answer Go's plain-text 404, or fetch
// /robots.txt and the like from the Host the client named.
func (h *handler) isGoAppFile(p string) bool {
	if rest, ok := strings.CutPrefix(p, "/"+h.version); ok && strings.HasPrefix(rest, "/") {
		p = rest
	}
	return goAppFiles[p] || strings.HasPrefix(p, "/web/")
}

// servePage prerenders a widget page. Every page carries a fresh,
// single-use session, so it must never be answered from a cache: go-app
// would otherwise answer 304 to any request whose If-None-Match equals the
// build version. The Referer goes to the Loader through the URL (see
// ui.RefererParam), replacing anything the client put there.
func (h *handler) servePage(w http.ResponseWriter, r *http.Request) {
	r2 := r.Clone(r.Context())
	r2.Header.Del("If-None-Match")
	q := r2.URL.Query()
	q.Set(ui.RefererParam, r.Referer())
	pageID := rand.Text()
	q.Set(ui.PageParam, pageID)
	r2.URL.RawQuery = q.Encode()
	defer ui.TakePageOutcome(pageID) // whatever happened, forget it
	defer ui.HoldPageContext(pageID, r.Context())()
	h.app.ServeHTTP(&statusWriter{ResponseWriter: w,
		before: func(hd http.Header) {
			hd.Del("ETag")
			hd.Set("Cache-Control", "no-store")
			hd.Set("Content-Type", "text/html; charset=utf-8")
		},
		status: func(code int) (int, bool) {
			e := ui.TakePageOutcome(pageID)
			if e == nil || code != http.StatusOK {
				return code, true
			}
			if !problem.IsNavigation(r) {
				// A script or a monitor, not a seller: our JSON error.
				problem.Write(w, r, problem.Answer{Status: pageStatus(e.Code), Detail: *e})
				return 0, false
			}
			return pageStatus(e.Code), true
		},
	}, r2)
}

// pageStatus is the HTTP status of a widget page whose prerender ended
// on the error card with this code.
func pageStatus(code string) int {
	switch {
	case strings.HasPrefix(code, "context_"), strings.HasPrefix(code, "session_"):
		return http.StatusUnauthorized
	case code == "unknown_tenant", code == "not_found":
		return http.StatusNotFound
	case code == "internal", code == "not_configured":
		return http.StatusInternalServerError
	default:
		return http.StatusBadRequest
	}
}

func (h *handler) serveEmbedJS(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Type", "text/javascript; charset=utf-8")
	hd.Set("X-Content-Type-Options", "nosniff")
	// CRM pages load it from a fixed URL: short cache so fixes spread.
	hd.Set("Cache-Control", "public, max-age=300")
	hd.Set("Content-Length", strconv.Itoa(len(h.embedJS)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(h.embedJS) //nolint:errcheck // the client went away
	}
}

// statusWriter makes go-app's implicit 200 explicit (under Gin's NoRoute
// the preset status is 404) and lets the caller fix headers just before
// they are sent.
type statusWriter struct {
	http.ResponseWriter
	before func(http.Header)
	// status, when set, may change the status go-app chose; false means it
	// wrote the answer itself and go-app's body is dropped.
	status      func(int) (int, bool)
	wroteHeader bool
	dropped     bool
}

func (s *statusWriter) WriteHeader(code int) {
	if s.wroteHeader {
		return
	}
	s.wroteHeader = true
	if s.status != nil {
		var keep bool
		if code, keep = s.status(code); !keep {
			s.dropped = true
			return
		}
	}
	if s.before != nil && code != http.StatusNotModified {
		s.before(s.ResponseWriter.Header())
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if !s.wroteHeader {
		s.WriteHeader(http.StatusOK)
	}
	if s.dropped {
		return len(b), nil
	}
	return s.ResponseWriter.Write(b)
}

// Unwrap gives http.ResponseController the underlying writer.
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
