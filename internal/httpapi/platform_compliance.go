package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/snapbridge/snapbridge/internal/compliance"
	"github.com/snapbridge/snapbridge/internal/exports"
	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/store"
	"github.com/snapbridge/snapbridge/internal/tenant"
)

// complianceOptIn opts the session viewer in to compliance archiving,
// remembering their display name for the admins' viewer list.
func (a *API) complianceOptIn(c *gin.Context) {
	if s := sessionOf(c); a.Admin != nil {
		a.Admin.RememberViewer(c.Request.Context(), s.Tenant, s.Viewer)
	}
	a.viewerCompliance(c, http.StatusOK, a.Platform.Compliance.OptIn)
}

// complianceStatus shows the session viewer's compliance status.
func (a *API) complianceStatus(c *gin.Context) {
	a.viewerCompliance(c, http.StatusOK, a.Platform.Compliance.Status)
}

// complianceOptOut opts the session viewer out; the archive is kept.
func (a *API) complianceOptOut(c *gin.Context) {
	a.viewerCompliance(c, http.StatusOK, a.Platform.Compliance.OptOut)
}

type complianceCall func(ctx context.Context, t *tenant.Tenant, viewer string) (compliance.Status, error)

func (a *API) viewerCompliance(c *gin.Context, status int, call complianceCall) {
	s := sessionOf(c)
	t, _ := a.Tenants.Get(s.Tenant)
	st, err := call(c.Request.Context(), t, s.Viewer.ID)
	if err != nil {
		a.failLinkedIn(c, t, s.Viewer.ID, linkedin.ScopeCompliance, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(status, st)
}

// complianceViewers reports every viewer's archive: status, last sync,
// events archived and any gap.
func (a *API) complianceViewers(c *gin.Context) {
	t, _, ok := a.adminTenant(c)
	if !ok {
		return
	}
	vs, err := a.Platform.Compliance.Viewers(c.Request.Context(), t.ID)
	if err != nil {
		a.fail(c, err)
		return
	}
	ids := make([]string, len(vs))
	for i, v := range vs {
		ids[i] = v.Viewer
	}
	names := a.viewerNames(c, t.ID, ids)
	out := make([]viewerReportJSON, len(vs))
	for i, v := range vs {
		out[i] = viewerReportJSON{ViewerReport: v, Name: names[v.Viewer]}
	}
	c.JSON(http.StatusOK, gin.H{"viewers": out})
}

// viewerReportJSON is a viewer's archive report with their display name
// as their CRM last signed it ("" when unknown).
type viewerReportJSON struct {
	compliance.ViewerReport
	Name string `json:"name,omitempty"`
}

// viewerNames answers the known display names of ids (none without an
// Admin service).
func (a *API) viewerNames(c *gin.Context, tenantID string, ids []string) map[string]string {
	if a.Admin == nil || len(ids) == 0 {
		return map[string]string{}
	}
	return a.Admin.ViewerNames(c.Request.Context(), tenantID, ids)
}

// complianceSync runs the viewer's archive now and answers the run.
func (a *API) complianceSync(c *gin.Context) {
	t, p, ok := a.adminTenant(c)
	if !ok {
		return
	}
	run, err := a.Platform.Compliance.Sync(c.Request.Context(), t.ID, c.Param("viewer"))
	if err != nil && run.At.IsZero() {
		a.fail(c, err)
		return
	}
	outcome := fmt.Sprintf("fetched %d event(s), archived %d new", run.Fetched, run.Archived)
	if !run.OK {
		outcome = "failed"
	}
	a.recordAudit(c, t.ID, p.Actor, auditComplianceSync, fmt.Sprintf("compliance sync of viewer %s: %s", c.Param("viewer"), outcome))
	c.JSON(http.StatusOK, runView(run))
}

// complianceRuns lists the viewer's recent archive runs, newest first.
func (a *API) complianceRuns(c *gin.Context) {
	t, _, ok := a.adminTenant(c)
	if !ok {
		return
	}
	limit := 20
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			a.fail(c, badRequest("invalid_limit", "limit must be a number from 1 to 200"))
			return
		}
		limit = n
	}
	runs, err := a.Platform.Compliance.Runs(c.Request.Context(), t.ID, c.Param("viewer"), limit)
	if err != nil {
		a.fail(c, err)
		return
	}
	out := make([]gin.H, 0, len(runs))
	for _, r := range runs {
		out = append(out, runView(r))
	}
	c.JSON(http.StatusOK, gin.H{"runs": out})
}

// complianceArchive streams the archive as JSON Lines or CSV, for as long
// as the client keeps reading (see streamWriter). A range without events
// answers 204 No Content rather than an empty file; the read is audited
// either way.
func (a *API) complianceArchive(c *gin.Context) {
	t, p, ok := a.adminTenant(c)
	if !ok {
		return
	}
	q, err := compliance.ParseExportQuery(t.ID, c.Query("viewer"), c.Query("from"), c.Query("to"), c.Query("format"))
	if err != nil {
		a.fail(c, err)
		return
	}
	name, whose := "compliance-"+t.ID, "every viewer"
	if q.Viewer != "" {
		name += "-" + strings.Map(safeFileRune, q.Viewer)
		whose = "viewer " + q.Viewer
	}
	if !a.auditRead(c, t.ID, p.Actor, auditArchiveDownload,
		fmt.Sprintf("compliance archive of %s, %s, as %s", whose, exports.Period(q.From, q.To), q.Format)) {
		return
	}
	found, err := a.Platform.Compliance.HasEvents(c.Request.Context(), q)
	if err != nil {
		a.fail(c, err)
		return
	}
	h := c.Writer.Header()
	if !found {
		h.Set("Cache-Control", "no-store")
		c.Status(http.StatusNoContent)
		return
	}
	name += "." + q.Format
	h.Set("Content-Type", compliance.ContentType(q.Format))
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	h.Set("Cache-Control", "no-store")
	c.Status(http.StatusOK)
	if err := a.Platform.Compliance.Export(c.Request.Context(), newStreamWriter(c.Writer), q); err != nil {
		// The status is sent; all that is left is to cut the answer short
		// so the client sees a broken transfer, not a short archive.
		a.Logger.ErrorContext(c, "compliance archive export failed", "requestId", c.GetString(ctxRequestID), "err", err.Error())
		panic(http.ErrAbortHandler)
	}
}

func safeFileRune(r rune) rune {
	if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
		return r
	}
	return '_'
}

func runView(r store.ComplianceRun) gin.H {
	h := gin.H{"viewer": r.Viewer, "at": r.At, "ok": r.OK, "fetched": r.Fetched, "archived": r.Archived}
	if r.Error != "" {
		h["error"] = r.Error
	}
	return h
}
