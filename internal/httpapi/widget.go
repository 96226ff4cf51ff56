package httpapi

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/snapbridge/snapbridge/internal/metrics"
	"github.com/snapbridge/snapbridge/internal/problem"
	"github.com/snapbridge/snapbridge/internal/tenant"
)

// widgetOrNotFound serves the widget pages and their assets; anything
// else under /api or /oauth is a 404. Every answer under /w/<tenant>/ is
// shown in the tenant's CRM iframe, so its error pages may be framed there.
func (a *API) widgetOrNotFound(c *gin.Context) {
	p := c.Request.URL.Path
	if a.Widget == nil || strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/oauth/") {
		a.fail(c, errNotFound)
		return
	}
	read := c.Request.Method == http.MethodGet || c.Request.Method == http.MethodHead
	if tenantID, page, ok := widgetPath(p); ok {
		t, found := a.Tenants.Get(tenantID)
		if !found {
			// The CRM that frames an unknown tenant's widget is unknown
			// too; the page is fixed text, so any site may show it (see
			// problem.AnyFrame) and the seller reads what is wrong instead
			// of a refused frame.
			c.Request = problem.WithFrame(c.Request, problem.AnyFrame)
			if page && read {
				a.fail(c, errUnknownTenant)
				return
			}
		} else {
			c.Request = problem.WithFrame(c.Request, t.Origins())
		}
		if found && page && read {
			h := c.Writer.Header()
			h.Del("X-Frame-Options")
			h.Set("Content-Security-Policy", a.widgetCSP(t))
			h.Set("Cache-Control", "no-store")
			if c.Request.Method == http.MethodHead {
				// A link checker's HEAD must not spend the one-time context
				// (rendering verifies it and opens a session).
				h.Set("Content-Type", "text/html; charset=utf-8")
				c.Status(http.StatusOK)
				return
			}
		}
	}
	// Gin presets 404 before NoRoute handlers and go-app never calls
	// WriteHeader for the pages it renders.
	c.Status(http.StatusOK)
	a.Widget.ServeHTTP(c.Writer, c.Request)
}

// frameForTenant lets the tenant's origins frame an error page answered
// under /w/<tenant>/ before its handler runs (a Canvas POST too large),
// as the handler's own answers may be.
func (a *API) frameForTenant(c *gin.Context) {
	if id, _, ok := widgetPath(c.Request.URL.Path); ok && a.Tenants != nil {
		if t, found := a.Tenants.Get(id); found {
			c.Request = problem.WithFrame(c.Request, t.Origins())
		}
	}
}

// widgetPath returns the tenant of a /w/<tenant>/… path and whether the
// path is one of its pages, /w/<tenant>/card or /w/<tenant>/list.
func widgetPath(p string) (tenantID string, page, ok bool) {
	rest, ok := strings.CutPrefix(p, "/w/")
	if !ok {
		return "", false, false
	}
	id, sub, _ := strings.Cut(rest, "/")
	return id, sub == "card" || sub == "list", true
}

// widgetCSP lets exactly the tenant's CRM origins frame the widget, and
// lets the widget frame LinkedIn's Display Services and show its photos.
func (a *API) widgetCSP(t *tenant.Tenant) string {
	if a.WidgetCSP != nil {
		return a.WidgetCSP(t)
	}
	return "frame-ancestors " + t.FrameAncestors()
}

// WidgetCSP returns the standard widget page policy: frame-ancestors from
// the tenant's origins, scripts from our origin plus WebAssembly, frames
// from LinkedIn's Display Services origin, images from LinkedIn's media.
func WidgetCSP(displayURL string, mediaOrigins []string) func(t *tenant.Tenant) string {
	frame := displayURL
	if u, err := url.Parse(displayURL); err == nil {
		frame = u.Scheme + "://" + u.Host
	}
	img := strings.Join(append([]string{"'self'", "data:"}, mediaOrigins...), " ")
	return func(t *tenant.Tenant) string {
		return strings.Join([]string{
			"default-src 'self'",
			"script-src 'self' 'wasm-unsafe-eval'",
			"style-src 'self' 'unsafe-inline'",
			"img-src " + img,
			"frame-src " + frame,
			"connect-src 'self'",
			"base-uri 'none'",
			"form-action 'none'",
			"frame-ancestors " + t.FrameAncestors(),
		}, "; ")
	}
}

// unmatchedRoute is the route template counted for a request no Gin route
// matched (widgetOrNotFound answers it): /w/:tenant/* for a tenant's
// widget paths, "widget" for the widget's other assets when it is served,
// metrics.Unmatched otherwise.
func (a *API) unmatchedRoute(r *http.Request) string {
	p := r.URL.Path
	switch _, _, ok := widgetPath(p); {
	case ok:
		return "/w/:tenant/*"
	case a.Widget != nil && !strings.HasPrefix(p, "/api/") && !strings.HasPrefix(p, "/oauth/"):
		return "widget"
	}
	return metrics.Unmatched
}
