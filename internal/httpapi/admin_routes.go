package httpapi

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/snapbridge/snapbridge/internal/session"
)

// adminRoutes registers the tenant-administration API under /api/v1/admin.
// Tenant management, API keys, the audit log and health pages are not
// built yet (issue 4); the platform routes share the admin group.
func (a *API) adminRoutes(admin *gin.RouterGroup) {}

var errAdminRequired = &apiError{status: http.StatusForbidden, code: "admin_required",
	message: "this needs a CRM context that gives you the admin role for the tenant"}

// requireAdmin admits console sessions: widget sessions whose host
// context carried the "admin" role. The principal may act only on the
// session's own tenant (checked per route by adminTenant).
func (a *API) requireAdmin(c *gin.Context) {
	raw, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
	if !ok || raw == "" {
		a.fail(c, errNoSession)
		return
	}
	s, err := a.Sessions.Verify(raw)
	if err != nil {
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
