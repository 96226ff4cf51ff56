package console

import (
	"encoding/json"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"

	"github.com/snapbridge/snapbridge/internal/problem"
	"github.com/snapbridge/snapbridge/internal/wire"
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
	// SignCommand starts the `snapbridge context sign` command the page
	// prints for a new tenant; it must find the server's stored tenants.
	// Default: "snapbridge context sign" (run with the server's
	// configuration). In sandbox mode the server passes its binary and
	// database by absolute path, so the printed command runs as is.
	SignCommand string
	// StandInURL is the LinkedIn stand-in's origin in sandbox mode, where
	// the page links a new tenant's generated records; "" (the default)
	// otherwise.
	StandInURL string
	// SampleRecord returns a CRM record of the tenant that the stand-in
	// matches, for the printed command; nil (the default) outside sandbox
	// mode, where the command names a made-up record.
	SampleRecord func(tenantID string) (wire.Record, bool)
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
	if cfg.SignCommand == "" {
		cfg.SignCommand = "snapbridge context sign"
	}
	return &Operator{cfg: cfg}
}

// Paths of the operator page, its script and, in sandbox mode, the
// stand-in's sample record for a CRM instance.
const (
	operatorPath       = "/operator"
	operatorScriptPath = "/web/operator.js"
	// OperatorSampleRecordPath answers {"record": …} for ?tenant=<id>.
	OperatorSampleRecordPath = "/operator/sample-record"
)

// operatorData is what the operator template renders.
type operatorData struct {
	Enabled bool
	// API is the admin API base the script calls.
	API string
	// Sign, StandIn and Sample are OperatorConfig's SignCommand,
	// StandInURL and whether SampleRecord is set.
	Sign, StandIn string
	Sample        bool
}

// ServeHTTP answers GET /operator (the page), GET /web/operator.js and,
// with a SampleRecord, GET /operator/sample-record.
func (o *Operator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	sample := r.URL.Path == OperatorSampleRecordPath && o.cfg.SampleRecord != nil
	if r.URL.Path != operatorPath && r.URL.Path != operatorScriptPath && !sample {
		problem.Error(w, r, http.StatusNotFound, "not_found", "no such page")
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		problem.Error(w, r, http.StatusMethodNotAllowed, "method_not_allowed", "this method is not allowed on this path")
		return
	}
	switch {
	case sample:
		o.serveSample(w, r)
	case r.URL.Path == operatorPath:
		o.servePage(w, r)
	default:
		o.serveScript(w, r)
	}
}

// serveSample answers a record of tenant ?tenant= that the stand-in
// matches: generated demo data, no secret.
func (o *Operator) serveSample(w http.ResponseWriter, r *http.Request) {
	rec, ok := o.cfg.SampleRecord(r.URL.Query().Get("tenant"))
	if !ok {
		problem.Error(w, r, http.StatusNotFound, "not_found", "the stand-in has no matched record for this tenant")
		return
	}
	body, err := json.Marshal(map[string]wire.Record{"record": rec})
	if err != nil {
		problem.Error(w, r, http.StatusInternalServerError, "internal", "the record could not be encoded")
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write(body)
	}
}

// servePage renders the page. It is never framed (no CRM embeds it) and
// never cached: it is where the operator types the key.
func (o *Operator) servePage(w http.ResponseWriter, r *http.Request) {
	var b strings.Builder
	data := operatorData{Enabled: o.cfg.Enabled, API: o.cfg.APIPrefix, Sign: o.cfg.SignCommand,
		StandIn: o.cfg.StandInURL, Sample: o.cfg.SampleRecord != nil}
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
