package console

import (
	"html/template"
	"log/slog"
	"net/http"
	"strings"

	"github.com/snapbridge/snapbridge/internal/problem"
)

// HomeConfig is what the server's root page shows, injected by cmd/server.
type HomeConfig struct {
	// Version is the server's version, shown at the foot. Default: none.
	Version string
	// DemoURL is the demo CRM's origin; "" (the default) when it is not
	// running, and the page leaves it out.
	DemoURL string
	// StandInURL is the LinkedIn stand-in's origin; "" (the default)
	// outside sandbox mode.
	StandInURL string
	// Operator says whether the operator page can be signed in to (an
	// operator key is configured). Default: false.
	Operator bool
	// DocsURL is where the README is read, its sections linked as
	// DocsURL#anchor. Default: DefaultDocsURL.
	DocsURL string
	// Logger logs failures. Default: slog.Default().
	Logger *slog.Logger
}

// DefaultDocsURL is the README the root page links when HomeConfig.DocsURL
// is empty: the project's repository.
const DefaultDocsURL = "https://github.com/snapbridge/snapbridge"

// Home is the http.Handler of the server's root page, "/": where a
// newcomer lands from the URL `make run` prints. A browser gets a small
// page of links (no script); any other client gets the JSON 404 every
// unknown path answers, as before.
type Home struct {
	cfg HomeConfig
}

// NewHome returns the root page for cfg, filling in its defaults.
func NewHome(cfg HomeConfig) *Home {
	if cfg.DocsURL == "" {
		cfg.DocsURL = DefaultDocsURL
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Home{cfg: cfg}
}

// ServeHTTP answers GET and HEAD of "/".
func (h *Home) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" || !problem.IsNavigation(r) {
		problem.Error(w, r, http.StatusNotFound, "not_found", "no such page")
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		problem.Error(w, r, http.StatusMethodNotAllowed, "method_not_allowed", "this method is not allowed on this path")
		return
	}
	var b strings.Builder
	if err := homePage.Execute(&b, h.cfg); err != nil {
		h.cfg.Logger.ErrorContext(r.Context(), "root page render", "err", err.Error())
		problem.Error(w, r, http.StatusInternalServerError, "internal", "the page could not be rendered")
		return
	}
	hd := w.Header()
	hd.Set("Content-Security-Policy", strings.Join([]string{"default-src 'none'", "style-src 'self'", "img-src 'self'",
		"base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'"}, "; "))
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Cache-Control", "no-cache")
	hd.Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write([]byte(b.String()))
	}
}

// homePage is the root page: links only, readable without script.
var homePage = template.Must(template.New("home").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>snapbridge</title>
<link rel="icon" href="/web/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/web/admin.css">
</head>
<body class="home">
<header class="top"><span class="brand">snap<b>bridge</b></span><span class="tenant">LinkedIn Sales Navigator inside CRM record pages</span></header>
<main id="main">
<section class="panel" aria-labelledby="try-h">
<h1 id="try-h">snapbridge is running</h1>
<p class="lede">This server answers the widget, the admin consoles and the APIs. Start here:</p>
<ul class="links">
{{if .DemoURL}}<li><a href="{{.DemoURL}}/">Demo CRM</a> — a CRM with the widget on every contact page; press <b>Connect LinkedIn</b> and approve in the stand-in. Its <b>Admin console</b> link opens the demo tenant's console.</li>{{end}}
<li><a href="/operator">Operator page</a> — {{if .Operator}}create a tenant of your own{{if .StandInURL}} and try it offline{{end}}; sign in with the operator key (under <code>make run</code> it is in <code>var/operator.key</code>).{{else}}create tenants; this server has no operator key yet (the page says how to set one).{{end}}</li>
{{if .StandInURL}}<li><a href="{{.StandInURL}}/_sandbox/records?tenant=demo">LinkedIn stand-in</a> — the demo records and what LinkedIn answers for each.</li>{{end}}
<li><a href="/readyz">Readiness</a> and <a href="/healthz">health</a> (JSON).</li>
</ul>
</section>
<section class="panel" aria-labelledby="docs-h">
<h2 id="docs-h">Read next</h2>
<p class="lede">Sections of the README:</p>
<ul class="links">
<li><a href="{{.DocsURL}}#quickstart">Quickstart</a> — what <code>make run</code> starts and what to try first.</li>
<li><a href="{{.DocsURL}}#try-your-own-tenant-offline">Try your own tenant offline</a> — create a tenant, embed its widget in a page of your own, sign its context and connect, step by step.</li>
<li><a href="{{.DocsURL}}#embedding-the-widget-for-crm-administrators">Embedding the widget</a> — the context token, the iframe, embed.js.</li>
<li><a href="{{.DocsURL}}#operator-page">Operator page reference</a> and <a href="{{.DocsURL}}#admin-api">Admin API</a>.</li>
<li><a href="{{.DocsURL}}#configuration">Configuration</a> and <a href="{{.DocsURL}}#deployment">Deployment</a>.</li>
</ul>
</section>
{{if .Version}}<p class="foot">snapbridge {{.Version}}</p>{{end}}
</main>
</body></html>
`))
