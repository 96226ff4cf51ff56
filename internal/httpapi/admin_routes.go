package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/snapbridge/snapbridge/internal/admin"
	"github.com/snapbridge/snapbridge/internal/session"
	"github.com/snapbridge/snapbridge/internal/tenant"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// Admin is the tenant administration service; *admin.Service satisfies
// it. Actors are audit names ("viewer:<id>", "apikey:<id>", "operator").
type Admin interface {
	OperatorMatches(raw string) bool
	AuthenticateAPIKey(ctx context.Context, raw string) (admin.APIKey, error)
	CreateTenant(ctx context.Context, actor string, spec admin.TenantSpec) (*tenant.Tenant, error)
	// UpdateTenant saves spec only if the tenant is still at revision
	// (0: whatever is stored).
	UpdateTenant(ctx context.Context, actor, id string, spec admin.TenantSpec, revision int64) (*tenant.Tenant, error)
	AddContextKey(ctx context.Context, actor, tenantID string, key admin.KeySpec) (*tenant.Tenant, error)
	RemoveContextKey(ctx context.Context, actor, tenantID, kid string) (*tenant.Tenant, error)
	CreateAPIKey(ctx context.Context, actor, tenantID, name string) (admin.NewAPIKey, error)
	APIKeys(ctx context.Context, tenantID string) ([]admin.APIKeyView, error)
	RevokeAPIKey(ctx context.Context, actor, tenantID, id string) error
	TestConnection(ctx context.Context, actor, tenantID, recordID string) (admin.ConnectionReport, error)
	Health(ctx context.Context, tenantID string) (admin.Health, error)
	Audit(ctx context.Context, tenantID string, limit int) ([]admin.AuditEntry, error)
	// Record writes an admin action to the audit log (exports use it too).
	Record(ctx context.Context, tenantID, actor, action, detail string) error
	// RecordLinkedInError counts a LinkedIn failure for the health page.
	RecordLinkedInError(tenantID string, err error)
	// RememberViewer keeps the display name the CRM signed for a viewer;
	// ViewerNames answers the known ones, so answers can name people.
	RememberViewer(ctx context.Context, tenantID string, v wire.Viewer)
	ViewerNames(ctx context.Context, tenantID string, ids []string) map[string]string
}

// adminRoutes registers the tenant-administration API under /api/v1/admin
// (README "Admin API"). Without an Admin service only the platform routes
// exist.
func (a *API) adminRoutes(g *gin.RouterGroup) {
	if a.Admin == nil {
		return
	}
	g.POST("/tenants", a.createTenant)
	g.GET("/tenants", a.listTenants)
	tn := g.Group("/tenants/:tenant")
	tn.GET("", a.getTenant)
	tn.PUT("", a.updateTenant)
	tn.POST("/context-keys", a.addContextKey)
	// A catch-all, so a key id an older version let contain '/' can be
	// removed with its '/' percent-encoded.
	tn.DELETE("/context-keys/*kid", a.removeContextKey)
	tn.POST("/api-keys", a.createAPIKey)
	tn.GET("/api-keys", a.listAPIKeys)
	tn.DELETE("/api-keys/:id", a.revokeAPIKey)
	tn.POST("/test-connection", a.testConnection)
	tn.GET("/health", a.tenantHealth)
	tn.GET("/audit", a.audit)
}

var errAdminCredentials = &apiError{status: http.StatusUnauthorized, code: "admin_credentials_invalid",
	message: "this is not a console session, API key or operator key that this server accepts"}

var errAdminRequired = &apiError{status: http.StatusForbidden, code: "admin_required",
	message: "this needs a CRM context that gives you the admin role for the tenant"}

// requireAdmin admits the three admin principals: a tenant API key
// (Bearer sbk_…), the operator key, and console sessions (widget sessions
// whose host context carried the "admin" role). Tenant principals may act
// only on their own tenant (checked per route by adminTenant).
func (a *API) requireAdmin(c *gin.Context) {
	raw, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
	if !ok || raw == "" {
		a.fail(c, errNoSession)
		return
	}
	if a.Admin != nil && admin.IsAPIKey(raw) {
		key, err := a.Admin.AuthenticateAPIKey(c.Request.Context(), raw)
		if err != nil {
			a.fail(c, err)
			return
		}
		c.Set(ctxPrincipal, &Principal{Tenant: key.Tenant, Actor: "apikey:" + key.ID})
		c.Next()
		return
	}
	if a.Admin != nil && a.Admin.OperatorMatches(raw) {
		c.Set(ctxPrincipal, &Principal{Actor: "operator", Operator: true})
		c.Next()
		return
	}
	s, err := a.Sessions.Verify(c.Request.Context(), raw)
	if err != nil {
		// An expired console session says so; anything else was never
		// one of the three admin credentials.
		var se *session.Error
		if errors.As(err, &se) && se.Code == session.CodeSessionInvalid {
			err = errAdminCredentials
		}
		a.fail(c, err)
		return
	}
	if !s.HasRole(session.RoleAdmin) {
		a.fail(c, errAdminRequired)
		return
	}
	c.Set(ctxSession, s)
	c.Set(ctxPrincipal, &Principal{Tenant: s.Tenant, Actor: "viewer:" + s.Viewer.ID, Viewer: s.Viewer.ID})
	c.Next()
}

// requestTenant names the tenant a failing request acted for, from its
// session or admin principal; "" when neither is known (or the operator).
func requestTenant(c *gin.Context) string {
	if v, ok := c.Get(ctxSession); ok {
		if s, ok := v.(*session.Session); ok {
			return s.Tenant
		}
	}
	if v, ok := c.Get(ctxPrincipal); ok {
		if p, ok := v.(*Principal); ok {
			if p.Tenant != "" {
				return p.Tenant
			}
			return c.Param("tenant")
		}
	}
	return ""
}
