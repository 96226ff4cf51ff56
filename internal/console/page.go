package console

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/snapbridge/snapbridge/internal/session"
	"github.com/snapbridge/snapbridge/internal/tenant"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// pageData is what the console template renders.
type pageData struct {
	Tenant    *tenant.Tenant
	Viewer    wire.Viewer
	Token     string
	ExpiresAt time.Time
	// API is the tenant's admin API base; Links where download links come from.
	API, Links string
}

// problem is what an error page says.
type problem struct {
	Status  int
	Title   string
	Message string
}

// servePage verifies the context of GET /admin/<tenant>?ctx=…, issues the
// console session and renders the console.
func (c *Console) servePage(w http.ResponseWriter, r *http.Request, tenantID string) {
	t, ok := c.cfg.Tenants.Get(tenantID)
	if !ok {
		c.renderProblem(w, nil, problem{http.StatusNotFound, "No such tenant",
			"There is no snapbridge tenant called “" + tenantID + "”. Check the console link in your CRM."})
		return
	}
	raw := r.URL.Query().Get("ctx")
	if raw == "" {
		c.renderProblem(w, t, problem{http.StatusBadRequest, "Open the console from your CRM",
			"The admin console opens from your CRM, which signs who you are. Use the “Admin console” link there."})
		return
	}
	hc, err := c.cfg.Contexts.Verify(r.Context(), raw)
	if err == nil && hc.Tenant.ID != t.ID {
		err = &session.Error{Code: session.CodeContextInvalid, Message: "the context belongs to another tenant"}
	}
	if err != nil {
		c.renderProblem(w, t, c.contextProblem(r, err))
		return
	}
	if !hasRole(hc.Roles, session.RoleAdmin) {
		c.renderProblem(w, t, problem{http.StatusForbidden, "Administrators only",
			"Your CRM signed you in as " + viewerName(hc.Viewer) + " without the admin role for " + t.Name +
				". Ask your CRM administrator to give you the snapbridge admin role, then open the console again."})
		return
	}
	token, s, err := c.cfg.Sessions.Issue(hc)
	if err != nil {
		c.cfg.Logger.ErrorContext(r.Context(), "console session not issued", "tenant", t.ID, "err", err.Error())
		c.renderProblem(w, t, problem{http.StatusInternalServerError, "Something went wrong",
			"The console could not start on our side. Open it again from your CRM; if it keeps failing, tell your operator."})
		return
	}
	c.render(w, t, http.StatusOK, "page", pageData{
		Tenant: t, Viewer: s.Viewer, Token: token, ExpiresAt: s.ExpiresAt,
		API:   c.cfg.APIPrefix + "/tenants/" + url.PathEscape(t.ID),
		Links: pagePrefix + url.PathEscape(t.ID) + "/exports/",
	})
}

// contextProblem explains a refused context the way a CRM admin can act on.
func (c *Console) contextProblem(r *http.Request, err error) problem {
	var se *session.Error
	if !errors.As(err, &se) {
		c.cfg.Logger.ErrorContext(r.Context(), "console context check failed", "err", err.Error())
		return problem{http.StatusInternalServerError, "Something went wrong",
			"We could not check your sign-in on our side. Open the console again from your CRM."}
	}
	if se.Code == session.CodeContextExpired || se.Code == session.CodeContextReplayed {
		return problem{http.StatusUnauthorized, "This link has expired",
			"Console links from your CRM work once and for a few minutes. Open the console again from your CRM."}
	}
	return problem{http.StatusUnauthorized, "Your CRM's sign-in was not accepted",
		"snapbridge could not trust the sign-in your CRM sent (" + se.Code + "). Check the tenant's context keys in the snapbridge set-up."}
}

// render writes a console template with the headers every console page
// carries: the tenant's own frame-ancestors (the CRM may frame it), no
// caching (the page holds a session) and scripts from our origin only.
func (c *Console) render(w http.ResponseWriter, t *tenant.Tenant, status int, name string, data any) {
	h := w.Header()
	h.Del("X-Frame-Options")
	h.Set("Content-Security-Policy", pageCSP(t))
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Type", "text/html; charset=utf-8")
	var b strings.Builder
	if err := pages.ExecuteTemplate(&b, name, data); err != nil {
		c.cfg.Logger.Error("console render", "template", name, "err", err.Error())
		http.Error(w, "the console page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

func (c *Console) renderProblem(w http.ResponseWriter, t *tenant.Tenant, p problem) {
	c.render(w, t, p.Status, "problem", p)
}

// pageCSP is the console's Content-Security-Policy. Forms are submitted by
// admin.js, never by the browser, so form-action is 'none'.
func pageCSP(t *tenant.Tenant) string {
	return strings.Join([]string{
		"default-src 'none'",
		"script-src 'self'",
		"style-src 'self'",
		"img-src 'self' data:",
		"connect-src 'self'",
		"base-uri 'none'",
		"form-action 'none'",
		"frame-ancestors " + t.FrameAncestors(),
	}, "; ")
}

func hasRole(roles []string, role string) bool {
	for _, r := range roles {
		if r == role {
			return true
		}
	}
	return false
}

func viewerName(v wire.Viewer) string {
	if v.Name != "" {
		return v.Name + " (" + v.ID + ")"
	}
	return v.ID
}
