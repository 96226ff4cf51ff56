package console

import (
	"io/fs"
	"log/slog"
	"net/http"
	"strings"

	"github.com/snapbridge/snapbridge/internal/problem"
	"github.com/snapbridge/snapbridge/web"
)

// OperatorConfig is what the operator page needs, injected by cmd/server.
type OperatorConfig struct {
	// Enabled says whether the server has an operator key configured
	// (operatorKey, SNAPBRIDGE_OPERATOR_KEY). The page only renders its
	// whether-or-not; the key itself never reaches it. Default: false, and
	// the page explains how to configure one.
	Enabled bool
	// APIPrefix is where the admin API lives. Default: "/api/v1/admin".
	APIPrefix string
	// Logger logs failures; never a key. Default: slog.Default().
	Logger *slog.Logger
}

// Operator is the http.Handler of the operator page, where the holder of
// the server's operator key lists and creates tenants from a browser.
// Mount it for "/operator" and "/web/operator.js"; the page's stylesheet
// is the console's /web/admin.css.
type Operator struct {
	cfg OperatorConfig
}

// NewOperator returns the operator page for cfg, filling in its defaults.
func NewOperator(cfg OperatorConfig) *Operator {
	if cfg.APIPrefix == "" {
		cfg.APIPrefix = "/api/v1/admin"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Operator{cfg: cfg}
}

// Paths of the operator page and its script.
const (
	operatorPath       = "/operator"
	operatorScriptPath = "/web/operator.js"
)

// operatorData is what the operator template renders.
type operatorData struct {
	Enabled bool
	// API is the admin API base the script calls.
	API string
}

// ServeHTTP answers GET /operator (the page) and GET /web/operator.js.
func (o *Operator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != operatorPath && r.URL.Path != operatorScriptPath {
		problem.Error(w, r, http.StatusNotFound, "not_found", "no such page")
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		problem.Error(w, r, http.StatusMethodNotAllowed, "method_not_allowed", "this method is not allowed on this path")
		return
	}
	if r.URL.Path == operatorPath {
		o.servePage(w, r)
	} else {
		o.serveScript(w, r)
	}
}

// servePage renders the page. It is never framed (no CRM embeds it) and
// never cached: it is where the operator types the key.
func (o *Operator) servePage(w http.ResponseWriter, r *http.Request) {
	var b strings.Builder
	data := operatorData{Enabled: o.cfg.Enabled, API: o.cfg.APIPrefix}
	if err := operatorPage.Execute(&b, data); err != nil {
		o.cfg.Logger.ErrorContext(r.Context(), "operator page render", "err", err.Error())
		problem.Error(w, r, http.StatusInternalServerError, "internal", "the operator page could not be rendered")
		return
	}
	h := w.Header()
	h.Set("Content-Security-Policy", pageCSP(nil))
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write([]byte(b.String()))
	}
}

// serveScript serves web/operator.js, revalidated on every load like the
// console's assets.
func (o *Operator) serveScript(w http.ResponseWriter, r *http.Request) {
	body, err := fs.ReadFile(web.Files, "operator.js")
	if err != nil {
		o.cfg.Logger.ErrorContext(r.Context(), "operator script missing from the build", "err", err.Error())
		problem.Error(w, r, http.StatusInternalServerError, "internal", "the operator script is missing from this build")
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write(body)
	}
}
