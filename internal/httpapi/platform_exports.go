package httpapi

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/snapbridge/snapbridge/internal/exports"
	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/store"
	"github.com/snapbridge/snapbridge/internal/tenant"
)

// contractJSON is one Sales Navigator contract in API answers.
type contractJSON struct {
	Contract           string `json:"contract"`
	Name               string `json:"name"`
	Description        string `json:"description,omitempty"`
	HasReportingAccess bool   `json:"hasReportingAccess"`
}

// analyticsJSON is an analytics export job in API answers.
type analyticsJSON struct {
	ID       int64     `json:"id"`
	Contract string    `json:"contract"`
	Action   string    `json:"action"`
	StartAt  time.Time `json:"startAt"`
	EndAt    time.Time `json:"endAt"`
	// Status is waiting, running, completed or failed; LinkedInStatus is
	// LinkedIn's own (ENQUEUED, PROCESSING, COMPLETED, FAILED_…).
	Status         string `json:"status"`
	LinkedInStatus string `json:"linkedinStatus,omitempty"`
	Message        string `json:"message"`
	// Progress is a rough percentage for the console's bar.
	Progress int    `json:"progress"`
	RowCount *int64 `json:"rowCount,omitempty"`
	// Download is our URL that redirects to a fresh LinkedIn link.
	Download string `json:"download,omitempty"`
	Viewer   string `json:"viewer"`
	// ViewerName is the viewer's display name as their CRM last signed
	// it; empty when unknown.
	ViewerName  string     `json:"viewerName,omitempty"`
	CreatedBy   string     `json:"createdBy"`
	CreatedAt   time.Time  `json:"createdAt"`
	SubmittedAt *time.Time `json:"submittedAt,omitempty"`
	FinishedAt  *time.Time `json:"finishedAt,omitempty"`
	UpdatedAt   time.Time  `json:"updatedAt"`
}

// validationJSON is a CRM data validation export job in API answers.
type validationJSON struct {
	ID                int64      `json:"id"`
	LinkedInJobID     int64      `json:"linkedinJobId"`
	CRMInstance       string     `json:"crmInstance"`
	Status            string     `json:"status"`
	LinkedInStatus    string     `json:"linkedinStatus,omitempty"`
	Message           string     `json:"message"`
	ExportStartAt     time.Time  `json:"exportStartAt"`
	ExportEndAt       *time.Time `json:"exportEndAt,omitempty"`
	NextExportStartAt *time.Time `json:"nextExportStartAt,omitempty"`
	// DownloadURLs are our absolute URLs of the completed export's files,
	// …/validation-exports/<id>/download?file=<n> on the public URL: each
	// is audited and redirects to the file at LinkedIn, whose own signed
	// links never appear in an answer.
	DownloadURLs []string `json:"downloadUrls,omitempty"`
	// DownloadExpiresAt is when LinkedIn stops serving the files.
	DownloadExpiresAt *time.Time `json:"downloadExpiresAt,omitempty"`
	CreatedBy         string     `json:"createdBy"`
	CreatedAt         time.Time  `json:"createdAt"`
	FinishedAt        *time.Time `json:"finishedAt,omitempty"`
	UpdatedAt         time.Time  `json:"updatedAt"`
}

// contracts lists the session viewer's contracts.
func (a *API) contracts(c *gin.Context) {
	s := sessionOf(c)
	t, _ := a.Tenants.Get(s.Tenant)
	a.answerContracts(c, t, s.Viewer.ID)
}

// adminContracts lists the console viewer's contracts, to pick one to export.
func (a *API) adminContracts(c *gin.Context) {
	t, p, ok := a.adminTenant(c)
	if !ok {
		return
	}
	a.answerContracts(c, t, p.Viewer)
}

func (a *API) answerContracts(c *gin.Context, t *tenant.Tenant, viewer string) {
	cs, err := a.Platform.Exports.Contracts(c.Request.Context(), t, viewer)
	if err != nil {
		a.failLinkedIn(c, t, viewer, linkedin.ScopeAnalytics, err)
		return
	}
	out := make([]contractJSON, 0, len(cs))
	for _, k := range cs {
		out = append(out, contractJSON{Contract: k.URN, Name: k.Name, Description: k.Description, HasReportingAccess: k.HasReportingAccess})
	}
	c.JSON(http.StatusOK, gin.H{"contracts": out})
}

// recordAudit records an admin action; a failure to record is logged, not
// turned into a failed request, because the action already happened.
func (a *API) recordAudit(c *gin.Context, tenantID, actor, action, detail string) {
	if a.Admin == nil {
		return
	}
	if err := a.Admin.Record(c.Request.Context(), tenantID, actor, action, detail); err != nil {
		a.Logger.ErrorContext(c.Request.Context(), "audit record failed", "tenant", tenantID, "action", action, "err", err.Error())
	}
}

func (a *API) createAnalyticsExport(c *gin.Context) {
	t, p, ok := a.adminTenant(c)
	if !ok {
		return
	}
	var req exports.AnalyticsRequest
	if err := decodeJSON(c, &req); err != nil {
		a.fail(c, err)
		return
	}
	j, err := a.Platform.Exports.CreateAnalytics(c.Request.Context(), t, p.Viewer, p.Actor, req)
	if err != nil {
		a.failLinkedIn(c, t, p.Viewer, linkedin.ScopeAnalytics, err)
		return
	}
	a.recordAudit(c, t.ID, p.Actor, "export.create", fmt.Sprintf("analytics export %d: %s of %s", j.ID, req.Action, req.Contract))
	c.Header("Location", a.exportPath(t.ID, j.ID))
	c.JSON(http.StatusCreated, a.analyticsView(j))
}

func (a *API) listAnalyticsExports(c *gin.Context) {
	t, _, ok := a.adminTenant(c)
	if !ok {
		return
	}
	js, err := a.Platform.Exports.AnalyticsList(c.Request.Context(), t.ID)
	if err != nil {
		a.fail(c, err)
		return
	}
	ids := make([]string, len(js))
	for i, j := range js {
		ids[i] = j.Viewer
	}
	names := a.viewerNames(c, t.ID, slices.Compact(slices.Sorted(slices.Values(ids))))
	out := make([]analyticsJSON, 0, len(js))
	for _, j := range js {
		v := a.analyticsView(j)
		v.ViewerName = names[j.Viewer]
		out = append(out, v)
	}
	c.JSON(http.StatusOK, gin.H{"exports": out})
}

func (a *API) analyticsExport(c *gin.Context) {
	t, _, id, ok := a.adminJob(c)
	if !ok {
		return
	}
	j, err := a.Platform.Exports.Analytics(c.Request.Context(), t.ID, id)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, a.analyticsView(j))
}

// downloadAnalyticsExport redirects to the file at LinkedIn, fetching a
// fresh link when the stored one has expired.
func (a *API) downloadAnalyticsExport(c *gin.Context) {
	t, p, id, ok := a.adminJob(c)
	if !ok {
		return
	}
	j, err := a.Platform.Exports.Analytics(c.Request.Context(), t.ID, id)
	if err != nil {
		a.fail(c, err)
		return
	}
	link, err := a.Platform.Exports.DownloadURL(c.Request.Context(), t, id)
	if err != nil {
		a.failLinkedIn(c, t, j.Viewer, linkedin.ScopeAnalytics, err)
		return
	}
	if !a.auditRead(c, t.ID, p.Actor, auditExportDownload, exports.AnalyticsDownloadDetail(j)) {
		return
	}
	c.Header("Cache-Control", "no-store")
	redirect(c, link)
}

// downloadValidationExport redirects to file ?file=<n> (default 1) of a
// completed CRM data validation export at LinkedIn.
func (a *API) downloadValidationExport(c *gin.Context) {
	t, p, id, ok := a.adminJob(c)
	if !ok {
		return
	}
	n, err := exports.FileNumber(c.Request.URL.Query()["file"])
	if err != nil {
		a.fail(c, err)
		return
	}
	j, link, err := a.Platform.Exports.ValidationDownloadURL(c.Request.Context(), t.ID, id, n)
	if err != nil {
		a.fail(c, err)
		return
	}
	if !a.auditRead(c, t.ID, p.Actor, auditValidationDownload, exports.ValidationDownloadDetail(j, n)) {
		return
	}
	c.Header("Cache-Control", "no-store")
	redirect(c, link)
}

func (a *API) createValidationExport(c *gin.Context) {
	t, p, ok := a.adminTenant(c)
	if !ok {
		return
	}
	var req exports.ValidationRequest
	if err := decodeJSON(c, &req); err != nil {
		a.fail(c, err)
		return
	}
	j, err := a.Platform.Exports.CreateValidation(c.Request.Context(), t, p.Actor, req)
	if err != nil {
		a.fail(c, err)
		return
	}
	a.recordAudit(c, t.ID, p.Actor, "validation_export.create", fmt.Sprintf("CRM data validation export %d", j.ID))
	c.Header("Location", a.validationPath(t.ID, j.ID))
	c.JSON(http.StatusCreated, a.validationView(j))
}

func (a *API) listValidationExports(c *gin.Context) {
	t, _, ok := a.adminTenant(c)
	if !ok {
		return
	}
	js, err := a.Platform.Exports.ValidationList(c.Request.Context(), t.ID)
	if err != nil {
		a.fail(c, err)
		return
	}
	out := make([]validationJSON, 0, len(js))
	for _, j := range js {
		out = append(out, a.validationView(j))
	}
	next, known, err := a.Platform.Exports.NextValidationStart(c.Request.Context(), t.ID)
	if err != nil {
		a.fail(c, err)
		return
	}
	answer := gin.H{"exports": out}
	if known {
		answer["nextExportStartAt"] = next
	}
	c.JSON(http.StatusOK, answer)
}

func (a *API) validationExport(c *gin.Context) {
	t, _, id, ok := a.adminJob(c)
	if !ok {
		return
	}
	j, err := a.Platform.Exports.Validation(c.Request.Context(), t.ID, id)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, a.validationView(j))
}

func (a *API) exportPath(tenantID string, id int64) string {
	return "/api/v1/admin/tenants/" + tenantID + "/exports/" + strconv.FormatInt(id, 10)
}

func (a *API) analyticsView(j store.AnalyticsExport) analyticsJSON {
	v := analyticsJSON{
		ID: j.ID, Contract: j.Contract, Action: exports.ActionName(j.Action), StartAt: j.StartAt, EndAt: j.EndAt,
		Status: j.Status, LinkedInStatus: j.LinkedInStatus, Message: j.Message, Progress: progress(j),
		Viewer: j.Viewer, CreatedBy: j.Actor, CreatedAt: j.CreatedAt,
		SubmittedAt: optTime(j.SubmittedAt), FinishedAt: optTime(j.FinishedAt), UpdatedAt: j.UpdatedAt,
	}
	if j.Status == store.JobCompleted {
		rows := j.RowCount
		v.RowCount = &rows
		v.Download = a.exportPath(j.Tenant, j.ID) + "/download"
	}
	return v
}

// progress maps a job's state onto a percentage; LinkedIn reports stages,
// not fractions, so this is what the console's bar can honestly show.
func progress(j store.AnalyticsExport) int {
	switch {
	case j.Status == store.JobCompleted || j.Status == store.JobFailed:
		return 100
	case j.Status == store.JobWaiting:
		return 0
	case j.LinkedInStatus == "PROCESSING":
		return 60
	default:
		return 20
	}
}

func (a *API) validationPath(tenantID string, id int64) string {
	return "/api/v1/admin/tenants/" + tenantID + "/validation-exports/" + strconv.FormatInt(id, 10)
}

// validationView shows a validation export; its files are our audited
// download URLs, never LinkedIn's links (see downloadValidationExport).
func (a *API) validationView(j store.ValidationExport) validationJSON {
	var files []string
	for n := range j.DownloadURLs {
		files = append(files, a.PublicURL+a.validationPath(j.Tenant, j.ID)+"/download?file="+strconv.Itoa(n+1))
	}
	return validationJSON{
		ID: j.ID, LinkedInJobID: j.LinkedInID, CRMInstance: j.CRMInstance, Status: j.Status,
		LinkedInStatus: j.LinkedInStatus, Message: j.Message, ExportStartAt: j.ExportStartAt,
		ExportEndAt: optTime(j.ExportEndAt), NextExportStartAt: optTime(j.NextExportStartAt),
		DownloadURLs: files, DownloadExpiresAt: optTime(j.URLExpiresAt),
		CreatedBy: j.Actor, CreatedAt: j.CreatedAt, FinishedAt: optTime(j.FinishedAt), UpdatedAt: j.UpdatedAt,
	}
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
