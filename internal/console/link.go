package console

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/snapbridge/snapbridge/internal/exports"
	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/problem"
	"github.com/snapbridge/snapbridge/internal/session"
	"github.com/snapbridge/snapbridge/internal/store"
	"github.com/snapbridge/snapbridge/internal/tenant"
	"github.com/snapbridge/snapbridge/internal/tokens"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// serveLink answers POST /admin/<tenant>/exports/<id>/link with
// {"url": …}, the export's file at LinkedIn. The admin API's download
// route answers a redirect, which a script holding a bearer token cannot
// follow across origins (LinkedIn's file host sends no CORS headers) and a
// plain link cannot authenticate; so admin.js asks here and opens the URL.
// The download is audited like the admin API's (export.download).
func (c *Console) serveLink(w http.ResponseWriter, r *http.Request, tenantID, rawID string) {
	s, t, id, ok := c.linkRequest(w, r, tenantID, rawID)
	if !ok {
		return
	}
	j, err := c.cfg.Links.Analytics(r.Context(), t.ID, id)
	link := ""
	if err == nil {
		link, err = c.cfg.Links.DownloadURL(r.Context(), t, id)
	}
	if err != nil {
		c.failLink(w, r, t, id, err)
		return
	}
	c.answerLink(w, r, s, t, exports.AuditAnalyticsDownload, exports.AnalyticsDownloadDetail(j), link)
}

// serveValidationLink answers POST
// /admin/<tenant>/validation-exports/<id>/link?file=<n> (default 1) with
// {"url": …}, file n of a completed CRM data validation export at
// LinkedIn, audited like the admin API's download
// (validation_export.download).
func (c *Console) serveValidationLink(w http.ResponseWriter, r *http.Request, tenantID, rawID string) {
	s, t, id, ok := c.linkRequest(w, r, tenantID, rawID)
	if !ok {
		return
	}
	n, err := exports.FileNumber(r.URL.Query()["file"])
	var j store.ValidationExport
	link := ""
	if err == nil {
		j, link, err = c.cfg.Links.ValidationDownloadURL(r.Context(), t.ID, id, n)
	}
	if err != nil {
		c.failLink(w, r, t, id, err)
		return
	}
	c.answerLink(w, r, s, t, exports.AuditValidationDownload, exports.ValidationDownloadDetail(j, n), link)
}

// linkRequest admits a download link request: downloads enabled, an admin
// session of the tenant, a positive export id. Otherwise the answer is sent.
func (c *Console) linkRequest(w http.ResponseWriter, r *http.Request, tenantID, rawID string) (*session.Session, *tenant.Tenant, int64, bool) {
	w.Header().Set("Cache-Control", "no-store")
	if c.cfg.Links == nil || c.cfg.Audit == nil {
		problem.Error(w, r, http.StatusNotFound, "not_found", "downloads are not available on this server")
		return nil, nil, 0, false
	}
	s, ok := c.adminSession(w, r, tenantID)
	if !ok {
		return nil, nil, 0, false
	}
	id, err := strconv.ParseInt(rawID, 10, 64)
	if err != nil || id <= 0 {
		problem.Error(w, r, http.StatusBadRequest, "invalid_id", "id must be a positive number")
		return nil, nil, 0, false
	}
	t, _ := c.cfg.Tenants.Get(s.Tenant)
	return s, t, id, true
}

// answerLink writes the download to the audit log, as the console
// session's viewer, and only then answers {"url": link}: a link whose
// entry cannot be written is refused, so no file leaves untraced.
func (c *Console) answerLink(w http.ResponseWriter, r *http.Request, s *session.Session, t *tenant.Tenant, action, detail, link string) {
	if err := c.cfg.Audit.Record(r.Context(), t.ID, "viewer:"+s.Viewer.ID, action, detail); err != nil {
		c.cfg.Logger.ErrorContext(r.Context(), "download not audited, link refused", "tenant", t.ID, "action", action, "err", err.Error())
		problem.Error(w, r, http.StatusInternalServerError, "internal", "the download could not be written to the audit log, so it is not given out; try again")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{"url": link})
}

// failLink answers a download link that could not be given.
func (c *Console) failLink(w http.ResponseWriter, r *http.Request, t *tenant.Tenant, id int64, err error) {
	var fe *exports.FieldError
	if errors.As(err, &fe) {
		problem.Write(w, r, problem.Answer{Status: http.StatusBadRequest,
			Detail: wire.ErrorDetail{Code: "invalid_field", Field: fe.Field, Message: fe.Message}})
		return
	}
	status, code, msg := linkError(err)
	if status >= 500 {
		c.cfg.Logger.ErrorContext(r.Context(), "export download link failed", "tenant", t.ID, "export", id, "err", err.Error())
	}
	problem.Error(w, r, status, code, msg)
}

// adminSession admits a console session of tenantID with the admin role.
func (c *Console) adminSession(w http.ResponseWriter, r *http.Request, tenantID string) (*session.Session, bool) {
	raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || raw == "" {
		problem.Error(w, r, http.StatusUnauthorized, "session_required", "send the console session token as Authorization: Bearer <token>")
		return nil, false
	}
	s, err := c.cfg.Sessions.Verify(r.Context(), raw)
	if err != nil {
		problem.Error(w, r, http.StatusUnauthorized, "session_invalid", "the console session has expired or is not valid; open the console again from your CRM")
		return nil, false
	}
	if !s.HasRole(session.RoleAdmin) {
		problem.Error(w, r, http.StatusForbidden, "admin_required", "this needs a CRM context that gives you the admin role for the tenant")
		return nil, false
	}
	if _, known := c.cfg.Tenants.Get(s.Tenant); !known || s.Tenant != tenantID {
		problem.Error(w, r, http.StatusForbidden, "tenant_forbidden", "you may only manage your own tenant")
		return nil, false
	}
	return s, true
}

// linkError maps a download failure to what the console shows.
func linkError(err error) (int, string, string) {
	switch {
	case errors.Is(err, exports.ErrNotFound):
		return http.StatusNotFound, "export_not_found", "no such export job for this tenant"
	case errors.Is(err, exports.ErrNotReady):
		return http.StatusConflict, "export_not_ready", "the export has not completed, so there is nothing to download yet"
	case errors.Is(err, tokens.ErrNotConnected), errors.Is(err, tokens.ErrScopeMissing):
		return http.StatusConflict, "linkedin_not_connected",
			"the LinkedIn connection of the person who created this export no longer allows a download; they need to connect LinkedIn again"
	case linkedin.IsThrottled(err):
		return http.StatusTooManyRequests, "throttled", "LinkedIn is limiting requests right now; try again later"
	default:
		if _, ok := linkedin.AsError(err); ok {
			return http.StatusBadGateway, "linkedin_unavailable", "LinkedIn did not give a download link; try again later"
		}
		return http.StatusInternalServerError, "internal", "something went wrong on our side; try again"
	}
}
