package webapp

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"github.com/snapbridge/snapbridge/internal/ui"
	"github.com/snapbridge/snapbridge/internal/wire"
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
// 404 never leaks onto a page. Unknown paths get a JSON 404, methods other
// than GET and HEAD a JSON 405.
func Handler(cfg Config) http.Handler {
	cfg = cfg.withDefaults()
	res := &assets{
		files:     web.Files,
		wasmDir:   cfg.WasmDir,
		version:   cfg.versionSegment(),
		immutable: cfg.Version != "",
	}
	icon := "/web/icon.svg"
	h := &app.Handler{
		Name:                  "snapbridge",
		ShortName:             "snapbridge",
		Title:                 cfg.Title,
		Description:           "LinkedIn Sales Navigator for this CRM record.",
		Lang:                  "en",
		Icon:                  app.Icon{Default: icon, Large: icon, SVG: icon, Maskable: icon},
		BackgroundColor:       "#ffffff",
		ThemeColor:            "#0a66c2",
		LoadingLabel:          "Loading Sales Navigator… {progress}%",
		Styles:                []string{"/web/widget.css"},
		Scripts:               []string{"/web/storage-shim.js"}, // no defer: runs before app.js
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
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", "only GET and HEAD are served here")
		return
	}
	p := r.URL.Path
	switch {
	case p == "/embed.js":
		h.serveEmbedJS(w, r)
	case ui.IsPage(p):
		h.servePage(w, r)
	case goAppFiles[p], strings.HasPrefix(p, "/web/"), strings.HasPrefix(p, "/"+h.version+"/"):
		h.app.ServeHTTP(&statusWriter{ResponseWriter: w}, r)
	default:
		writeError(w, http.StatusNotFound, "not_found", "no such page")
	}
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
	r2.URL.RawQuery = q.Encode()
	h.app.ServeHTTP(&statusWriter{ResponseWriter: w, before: func(hd http.Header) {
		hd.Del("ETag")
		hd.Set("Cache-Control", "no-store")
		hd.Set("Content-Type", "text/html; charset=utf-8")
	}}, r2)
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
	before      func(http.Header)
	wroteHeader bool
}

func (s *statusWriter) WriteHeader(code int) {
	if s.wroteHeader {
		return
	}
	s.wroteHeader = true
	if s.before != nil && code != http.StatusNotModified {
		s.before(s.ResponseWriter.Header())
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if !s.wroteHeader {
		s.WriteHeader(http.StatusOK)
	}
	return s.ResponseWriter.Write(b)
}

// Unwrap gives http.ResponseController the underlying writer.
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// writeError writes the API's JSON error body.
func writeError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Del("ETag")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(wire.Error{Error: wire.ErrorDetail{Code: code, Message: message}}) //nolint:errcheck // the client went away
}
