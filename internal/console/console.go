// Package console serves the tenant admin console: a server-rendered page
// that a CRM opens for its administrators like it opens the widget, with a
// host context granting the "admin" role. The page holds a console session
// (a widget session carrying that role) and web/admin.js drives the admin
// JSON API with it. No go-app here: the console is plain HTML, CSS and a
// small script, so it needs no WebAssembly in the CRM's browser.
package console

import (
	"context"
	"log/slog"
	"net/http"
	"strings"

	"github.com/snapbridge/snapbridge/internal/session"
	"github.com/snapbridge/snapbridge/internal/store"
	"github.com/snapbridge/snapbridge/internal/tenant"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// ContextVerifier verifies host context tokens signed by a CRM;
// *session.ContextVerifier satisfies it.
type ContextVerifier interface {
	Verify(ctx context.Context, raw string) (*session.HostContext, error)
}

// Sessions issues console sessions and verifies them on later calls;
// *session.Issuer satisfies it.
type Sessions interface {
	Issue(hc *session.HostContext) (string, *session.Session, error)
	Verify(ctx context.Context, token string) (*session.Session, error)
}

// ExportLinks gives the file links of completed exports; *exports.Service
// satisfies it.
type ExportLinks interface {
	// Analytics returns an analytics export job, to name it in the audit log.
	Analytics(ctx context.Context, tenantID string, id int64) (store.AnalyticsExport, error)
	// DownloadURL gives the file link of a completed analytics export,
	// fetching a fresh one from LinkedIn when the stored one has expired.
	DownloadURL(ctx context.Context, t *tenant.Tenant, id int64) (string, error)
	// ValidationDownloadURL gives the link of file n (from 1) of a
	// completed CRM data validation export, with its job.
	ValidationDownloadURL(ctx context.Context, tenantID string, id int64, n int) (store.ValidationExport, string, error)
}

// Auditor writes the tenant's audit log; *admin.Service satisfies it.
type Auditor interface {
	Record(ctx context.Context, tenantID, actor, action, detail string) error
}

// Viewers remembers the display names CRMs sign for their viewers;
// *admin.Service satisfies it.
type Viewers interface {
	RememberViewer(ctx context.Context, tenantID string, v wire.Viewer)
}

// Config is what the console needs, injected by cmd/server.
type Config struct {
	// Tenants are the tenants whose consoles exist. Required.
	Tenants *tenant.Registry
	// Contexts verifies the context the CRM opens the console with. Required.
	Contexts ContextVerifier
	// Sessions issues the console session. Required.
	Sessions Sessions
	// Links resolves export downloads. Default: nil, which answers 404
	// to download link requests.
	Links ExportLinks
	// Audit records every download link the console hands out, before
	// it does; a link whose entry cannot be written is refused. Default:
	// nil, which answers 404 to download link requests like a nil Links.
	Audit Auditor
	// Viewers remembers the name of each admin who opens the console, so
	// the audit log and the export list show it. Default: nil, names
	// are not remembered.
	Viewers Viewers
	// APIPrefix is where the admin API lives. Default: "/api/v1/admin".
	APIPrefix string
	// Logger logs failures; never tokens. Default: slog.Default().
	Logger *slog.Logger
}

// Console is the http.Handler of the admin console. Mount it for
// "/admin/…" (every method) and for the two assets "/web/admin.js" and
// "/web/admin.css".
type Console struct {
	cfg Config
}

// New returns the console for cfg, filling in its defaults.
func New(cfg Config) *Console {
	if cfg.APIPrefix == "" {
		cfg.APIPrefix = "/api/v1/admin"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Console{cfg: cfg}
}

// Paths the console answers besides the page itself.
const (
	scriptPath = "/web/admin.js"
	stylePath  = "/web/admin.css"
	pagePrefix = "/admin/"
)

// ServeHTTP routes the console's requests: GET /admin/<tenant> (the page),
// POST /admin/<tenant>/exports/<id>/link and
// POST /admin/<tenant>/validation-exports/<id>/link?file=<n> (a download
// link as JSON) and the two assets.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case p == scriptPath || p == stylePath:
		c.serveAsset(w, r, strings.TrimPrefix(p, "/web/"))
	case strings.HasPrefix(p, pagePrefix):
		c.route(w, r, strings.TrimPrefix(p, pagePrefix))
	default:
		c.notFound(w, r, "")
	}
}

// route dispatches /admin/<rest>.
func (c *Console) route(w http.ResponseWriter, r *http.Request, rest string) {
	tenantID, sub, _ := strings.Cut(rest, "/")
	switch {
	case sub == "" && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		c.servePage(w, r, tenantID)
	case sub == "":
		c.refuseMethod(w, r, tenantID, "GET, HEAD")
	case strings.HasPrefix(sub, "exports/") && strings.HasSuffix(sub, "/link"):
		if r.Method != http.MethodPost {
			c.refuseMethod(w, r, tenantID, "POST")
			return
		}
		id := strings.TrimSuffix(strings.TrimPrefix(sub, "exports/"), "/link")
		c.serveLink(w, r, tenantID, id)
	case strings.HasPrefix(sub, "validation-exports/") && strings.HasSuffix(sub, "/link"):
		if r.Method != http.MethodPost {
			c.refuseMethod(w, r, tenantID, "POST")
			return
		}
		id := strings.TrimSuffix(strings.TrimPrefix(sub, "validation-exports/"), "/link")
		c.serveValidationLink(w, r, tenantID, id)
	default:
		c.notFound(w, r, tenantID)
	}
}

// refuseMethod answers 405 for a console path, framed like the tenant's
// console ("" for no tenant).
func (c *Console) refuseMethod(w http.ResponseWriter, r *http.Request, tenantID, allow string) {
	w.Header().Set("Allow", allow)
	c.refuse(w, r, c.tenant(tenantID), http.StatusMethodNotAllowed, "method_not_allowed", "", "this method is not allowed on this path")
}

// notFound answers 404 for a console path, framed like the tenant's
// console ("" for no tenant).
func (c *Console) notFound(w http.ResponseWriter, r *http.Request, tenantID string) {
	c.refuse(w, r, c.tenant(tenantID), http.StatusNotFound, "not_found", "", "no such page")
}

func (c *Console) tenant(id string) *tenant.Tenant {
	t, _ := c.cfg.Tenants.Get(id)
	return t
}
