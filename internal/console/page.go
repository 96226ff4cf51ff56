package console

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/snapbridge/snapbridge/internal/problem"
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
	// API is the tenant's admin API base; Links and ValidationLinks where
	// the download links of analytics and validation exports come from.
	API, Links, ValidationLinks string
}

// servePage verifies the context of GET /admin/<tenant>?ctx=…, issues the
// console session and renders the console. GET /admin/<tenant>?resume
// (a reload) renders it without a session. HEAD answers the page's
// headers without verifying the context, which would spend it.
func (c *Console) servePage(w http.ResponseWriter, r *http.Request, tenantID string) {
	t, ok := c.cfg.Tenants.Get(tenantID)
	if !ok {
		// The tenant id is not repeated on the page: it is whatever the
		// link said, and the page may be framed anywhere (problem.AnyFrame).
		c.refuse(w, r, nil, http.StatusNotFound, "unknown_tenant", "No such tenant",
			"This CRM is not set up for snapbridge yet, or its console link names the wrong tenant. Tell your CRM administrator, quoting the error code.")
		return
	}
	raw := r.URL.Query().Get("ctx")
	if raw == "" && r.URL.Query().Has("resume") {
		// A reload: admin.js left ?resume in the address bar for this and
		// takes the session it kept in sessionStorage; without one it says
		// to open the console from the CRM. The page holds no session.
		c.render(w, r, t, c.pageData(t, nil, ""))
		return
	}
	if raw == "" {
		c.refuse(w, r, t, http.StatusBadRequest, "ctx_required", "Open the console from your CRM",
			"The admin console opens from your CRM, which signs who you are. Use the “Admin console” link there.")
		return
	}
	if r.Method == http.MethodHead {
		c.writeHeaders(w, t)
		w.WriteHeader(http.StatusOK)
		return
	}
	hc, err := c.cfg.Contexts.Verify(r.Context(), raw)
	if err == nil && hc.Tenant.ID != t.ID {
		err = &session.Error{Code: session.CodeContextInvalid, Message: "the context belongs to another tenant"}
	}
	if err != nil {
		c.refuseContext(w, r, t, err)
		return
	}
	if !hasRole(hc.Roles, session.RoleAdmin) {
		c.refuse(w, r, t, http.StatusForbidden, "admin_required", "Administrators only",
			"Your CRM signed you in as "+viewerName(hc.Viewer)+" without the admin role for "+t.Name+
				". Ask your CRM administrator to give you the snapbridge admin role, then open the console again.")
		return
	}
	token, s, err := c.cfg.Sessions.Issue(hc)
	if err != nil {
		c.cfg.Logger.ErrorContext(r.Context(), "console session not issued", "tenant", t.ID, "err", err.Error())
		c.refuse(w, r, t, http.StatusInternalServerError, "internal", "Something went wrong",
			"The console could not start on our side. Open it again from your CRM; if it keeps failing, tell your operator.")
		return
	}
	if c.cfg.Viewers != nil {
		c.cfg.Viewers.RememberViewer(r.Context(), t.ID, s.Viewer)
	}
	c.render(w, r, t, c.pageData(t, s, token))
}

// pageData is the console of t for session s and its token; a nil s
// renders the page for a reload, which takes the session admin.js kept.
func (c *Console) pageData(t *tenant.Tenant, s *session.Session, token string) pageData {
	d := pageData{
		Tenant: t, Token: token,
		API:             c.cfg.APIPrefix + "/tenants/" + url.PathEscape(t.ID),
		Links:           pagePrefix + url.PathEscape(t.ID) + "/exports/",
		ValidationLinks: pagePrefix + url.PathEscape(t.ID) + "/validation-exports/",
	}
	if s != nil {
		d.Viewer, d.ExpiresAt = s.Viewer, s.ExpiresAt
	}
	return d
}

// refuseContext explains a refused context the way a CRM admin can act on.
func (c *Console) refuseContext(w http.ResponseWriter, r *http.Request, t *tenant.Tenant, err error) {
	var se *session.Error
	switch {
	case !errors.As(err, &se):
		c.cfg.Logger.ErrorContext(r.Context(), "console context check failed", "err", err.Error())
		c.refuse(w, r, t, http.StatusInternalServerError, "internal", "Something went wrong",
			"We could not check your sign-in on our side. Open the console again from your CRM.")
	case se.Code == session.CodeContextExpired || se.Code == session.CodeContextReplayed:
		c.refuse(w, r, t, http.StatusUnauthorized, se.Code, "This link has expired",
			"Console links from your CRM work once and for a few minutes. Open the console again from your CRM.")
	default:
		c.refuse(w, r, t, http.StatusUnauthorized, se.Code, "Your CRM's sign-in was not accepted",
			"snapbridge could not trust the sign-in your CRM sent. Check the tenant's context keys in the snapbridge set-up.")
	}
}

// refuse writes an error answer of the console: the error page for a
// browser navigation, framed like the tenant's console (anywhere when the
// tenant is unknown, see problem.AnyFrame), else the JSON body. An empty
// title leaves the page's words to problem.
func (c *Console) refuse(w http.ResponseWriter, r *http.Request, t *tenant.Tenant, status int, code, title, text string) {
	frame := problem.AnyFrame
	if t != nil {
		frame = t.AllowedOrigins
	}
	a := problem.Answer{Status: status, Detail: wire.ErrorDetail{Code: code, Message: text}, Frame: frame}
	if title != "" {
		a.Detail.Message = title + ": " + text
		a.Title, a.Text = title, text
	}
	problem.Write(w, r, a)
}

// writeHeaders sets the headers every console page carries: the tenant's
// own frame-ancestors (the CRM may frame it), no caching (the page holds a
// session) and scripts from our origin only.
func (c *Console) writeHeaders(w http.ResponseWriter, t *tenant.Tenant) {
	h := w.Header()
	h.Del("X-Frame-Options")
	h.Set("Content-Security-Policy", pageCSP(t))
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Type", "text/html; charset=utf-8")
}

// render writes the console page.
func (c *Console) render(w http.ResponseWriter, r *http.Request, t *tenant.Tenant, data pageData) {
	var b strings.Builder
	if err := pages.ExecuteTemplate(&b, "page", data); err != nil {
		c.cfg.Logger.ErrorContext(r.Context(), "console render", "err", err.Error())
		c.refuse(w, r, t, http.StatusInternalServerError, "internal", "Something went wrong",
			"The console page could not be shown. Open it again from your CRM; if it keeps failing, tell your operator.")
		return
	}
	c.writeHeaders(w, t)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(b.String()))
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
