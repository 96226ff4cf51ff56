package httpapi

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/snapbridge/snapbridge/internal/compliance"
	"github.com/snapbridge/snapbridge/internal/exports"
	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/session"
	"github.com/snapbridge/snapbridge/internal/store"
	"github.com/snapbridge/snapbridge/internal/tenant"
	"github.com/snapbridge/snapbridge/internal/tokens"
)

// Platform is the Sales Navigator platform behind the API: contracts,
// exports and compliance archiving. A nil service leaves its routes out.
type Platform struct {
	// Exports lists contracts and runs analytics and validation exports.
	Exports Exports
	// Compliance opts viewers in and out and exports their archive.
	Compliance Compliance
	// Connect makes connect handles that ask for a feature's scope.
	Connect ScopedConnector
}

// Exports is what the export routes call; *exports.Service satisfies it.
type Exports interface {
	Contracts(ctx context.Context, t *tenant.Tenant, viewer string) ([]linkedin.Contract, error)
	CreateAnalytics(ctx context.Context, t *tenant.Tenant, viewer, actor string, req exports.AnalyticsRequest) (store.AnalyticsExport, error)
	Analytics(ctx context.Context, tenantID string, id int64) (store.AnalyticsExport, error)
	AnalyticsList(ctx context.Context, tenantID string) ([]store.AnalyticsExport, error)
	DownloadURL(ctx context.Context, t *tenant.Tenant, id int64) (string, error)
	CreateValidation(ctx context.Context, t *tenant.Tenant, actor string, req exports.ValidationRequest) (store.ValidationExport, error)
	Validation(ctx context.Context, tenantID string, id int64) (store.ValidationExport, error)
	ValidationList(ctx context.Context, tenantID string) ([]store.ValidationExport, error)
	ValidationDownloadURL(ctx context.Context, tenantID string, id int64, n int) (store.ValidationExport, string, error)
	NextValidationStart(ctx context.Context, tenantID string) (at time.Time, ok bool, err error)
}

// Compliance is what the compliance routes call; *compliance.Service
// satisfies it.
type Compliance interface {
	OptIn(ctx context.Context, t *tenant.Tenant, viewer string) (compliance.Status, error)
	Status(ctx context.Context, t *tenant.Tenant, viewer string) (compliance.Status, error)
	OptOut(ctx context.Context, t *tenant.Tenant, viewer string) (compliance.Status, error)
	Viewers(ctx context.Context, tenantID string) ([]compliance.ViewerReport, error)
	Sync(ctx context.Context, tenantID, viewer string) (store.ComplianceRun, error)
	Runs(ctx context.Context, tenantID, viewer string, limit int) ([]store.ComplianceRun, error)
	Export(ctx context.Context, w io.Writer, q compliance.ExportQuery) error
	HasEvents(ctx context.Context, q compliance.ExportQuery) (bool, error)
}

// ScopedConnector makes connect handles whose consent adds scopes;
// *tokens.Connector satisfies it.
type ScopedConnector interface {
	NewScopedHandle(ctx context.Context, h tokens.Handle, scopes []string) (string, error)
}

// platformRoutes registers the Sales Navigator platform API: contracts and
// compliance for viewers (widget sessions), exports and archives for
// admins under /api/v1/admin/tenants/:tenant. Handlers pass services
// c.Request.Context(), not the gin.Context: gin recycles its contexts, and
// the SQLite driver watches Done() of the context it is given.
func (a *API) platformRoutes(viewer, admin *gin.RouterGroup) {
	tn := admin.Group("/tenants/:tenant")
	if a.Platform.Exports != nil {
		viewer.GET("/contracts", a.contracts)
		tn.GET("/contracts", a.adminContracts)
		tn.POST("/exports", a.createAnalyticsExport)
		tn.GET("/exports", a.listAnalyticsExports)
		tn.GET("/exports/:id", a.analyticsExport)
		tn.GET("/exports/:id/download", a.downloadAnalyticsExport)
		tn.POST("/validation-exports", a.createValidationExport)
		tn.GET("/validation-exports", a.listValidationExports)
		tn.GET("/validation-exports/:id", a.validationExport)
		tn.GET("/validation-exports/:id/download", a.downloadValidationExport)
	}
	if a.Platform.Compliance != nil {
		viewer.POST("/compliance/opt-in", a.complianceOptIn)
		viewer.GET("/compliance/status", a.complianceStatus)
		viewer.DELETE("/compliance/opt-in", a.complianceOptOut)
		tn.GET("/compliance/viewers", a.complianceViewers)
		tn.POST("/compliance/viewers/:viewer/sync", a.complianceSync)
		tn.GET("/compliance/viewers/:viewer/runs", a.complianceRuns)
		tn.GET("/compliance/archive", a.complianceArchive)
	}
}

// errOtherTenant refuses a principal acting on a tenant not its own.
var errOtherTenant = &apiError{http.StatusForbidden, "tenant_forbidden", "you may only manage your own tenant", ""}

// adminTenant returns the tenant named in the path, refusing principals
// of another tenant; the operator may act on every tenant.
func (a *API) adminTenant(c *gin.Context) (*tenant.Tenant, *Principal, bool) {
	p := principalOf(c)
	id := c.Param("tenant")
	if !p.Operator && p.Tenant != id {
		a.fail(c, errOtherTenant)
		return nil, nil, false
	}
	t, ok := a.Tenants.Get(id)
	if !ok {
		a.fail(c, errUnknownTenant)
		return nil, nil, false
	}
	return t, p, true
}

// scopeReasons says why each on-demand scope is asked for, in the words
// the 409 carries to the person who must consent.
var scopeReasons = map[string]string{
	linkedin.ScopeAnalytics:  "Listing your Sales Navigator contracts and running analytics exports needs LinkedIn's permission to read your Sales Navigator reporting data (r_sales_nav_analytics). Connect LinkedIn again to grant it.",
	linkedin.ScopeCompliance: "Compliance archiving needs LinkedIn's permission to share your Sales Navigator messages with your company's compliance archive (r_compliance_sales_nav). Connect LinkedIn again to grant it.",
}

// scopeReason returns the why-message for a missing scope.
func scopeReason(scope string) string {
	if r, ok := scopeReasons[scope]; ok {
		return r
	}
	return "This feature needs the LinkedIn permission " + scope + ". Connect LinkedIn again to grant it."
}

// failLinkedIn answers a member-token failure: a viewer who is not
// connected, or whose authorization lacks scope, gets a 409 whose
// connectUrl starts a consent asking for it (and for every scope already
// granted). Other errors go to fail.
func (a *API) failLinkedIn(c *gin.Context, t *tenant.Tenant, viewer, scope string, err error) {
	code := ""
	switch {
	case errors.Is(err, tokens.ErrScopeMissing):
		code = "linkedin_scope_required"
	case errors.Is(err, tokens.ErrNotConnected):
		code = "linkedin_not_connected"
	}
	if code == "" || a.Platform.Connect == nil || viewer == "" {
		a.fail(c, err)
		return
	}
	h := tokens.Handle{Tenant: t.ID, Viewer: viewer, SessionID: "console:" + viewer}
	if s, ok := c.Get(ctxSession); ok {
		if s, ok := s.(*session.Session); ok {
			h.SessionID, h.ExpiresAt = s.ID, s.ExpiresAt
		}
	}
	handle, herr := a.Platform.Connect.NewScopedHandle(c.Request.Context(), h, []string{scope})
	if herr != nil {
		a.fail(c, herr)
		return
	}
	q := url.Values{"tenant": {t.ID}, "h": {handle}}
	msg := scopeReason(scope)
	if code == "linkedin_not_connected" {
		msg = "Connect your LinkedIn account first. " + msg
	}
	a.fail(c, &apiError{status: http.StatusConflict, code: code, message: msg,
		connect: a.PublicURL + "/oauth/linkedin/start?" + q.Encode()})
}

// adminJob is adminTenant for a route naming one job by its :id; on
// false the answer is sent.
func (a *API) adminJob(c *gin.Context) (*tenant.Tenant, *Principal, int64, bool) {
	t, p, ok := a.adminTenant(c)
	if !ok {
		return nil, nil, 0, false
	}
	id, err := pathID(c, "id")
	if err != nil {
		a.fail(c, err)
		return nil, nil, 0, false
	}
	return t, p, id, true
}

// pathID reads a positive numeric id from the path.
func pathID(c *gin.Context, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 || strings.TrimSpace(c.Param(name)) != c.Param(name) {
		return 0, badRequest("invalid_id", name+" must be a positive number")
	}
	return id, nil
}
