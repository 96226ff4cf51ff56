package httpapi

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/snapbridge/snapbridge/internal/admin"
	"github.com/snapbridge/snapbridge/internal/tenant"
)

var errOperatorRequired = &apiError{status: http.StatusForbidden, code: "operator_required",
	message: "only the operator key may create tenants"}

var errIfMatchInvalid = &apiError{status: http.StatusPreconditionFailed, code: "precondition_failed",
	message: `If-Match must be the one ETag a GET of this tenant answered, like "3", or *`}

// tenantETag is the ETag of a tenant's admin view: its stored revision,
// quoted (a strong validator).
func tenantETag(t *tenant.Tenant) string { return `"` + strconv.FormatInt(t.Revision, 10) + `"` }

// ifMatchRevision reads a PUT's If-Match: 0 when absent or "*" (save
// whatever is stored), otherwise the revision its one strong ETag names.
// Anything else (a weak or foreign tag, several tags) can never match and
// is errIfMatchInvalid.
func ifMatchRevision(c *gin.Context) (int64, error) {
	h := strings.TrimSpace(c.GetHeader("If-Match"))
	if h == "" || h == "*" {
		return 0, nil
	}
	if len(h) < 2 || h[0] != '"' || h[len(h)-1] != '"' {
		return 0, errIfMatchInvalid
	}
	digits := h[1 : len(h)-1]
	rev, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || rev < 1 {
		return 0, errIfMatchInvalid
	}
	return rev, nil
}

// answerTenant answers a tenant's view with its ETag.
func answerTenant(c *gin.Context, status int, t *tenant.Tenant) {
	c.Header("ETag", tenantETag(t))
	c.JSON(status, admin.ViewOf(t))
}

// createTenant stores a new tenant (operator only): 201 with its view.
func (a *API) createTenant(c *gin.Context) {
	p := principalOf(c)
	if !p.Operator {
		a.fail(c, errOperatorRequired)
		return
	}
	var spec admin.TenantSpec
	if err := decodeJSON(c, &spec); err != nil {
		a.fail(c, err)
		return
	}
	t, err := a.Admin.CreateTenant(c.Request.Context(), p.Actor, spec)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.Header("Location", "/api/v1/admin/tenants/"+t.ID)
	answerTenant(c, http.StatusCreated, t)
}

// listTenants answers every tenant to the operator and its own to others.
func (a *API) listTenants(c *gin.Context) {
	p := principalOf(c)
	out := []admin.TenantView{}
	for _, t := range a.Tenants.All() {
		if p.Operator || t.ID == p.Tenant {
			out = append(out, admin.ViewOf(t))
		}
	}
	c.JSON(http.StatusOK, gin.H{"tenants": out})
}

// getTenant answers the tenant's settings, secrets only as "…Set" flags,
// with its revision as ETag.
func (a *API) getTenant(c *gin.Context) {
	t, _, ok := a.adminTenant(c)
	if !ok {
		return
	}
	answerTenant(c, http.StatusOK, t)
}

// updateTenant replaces the tenant's editable settings. With If-Match
// (the ETag a GET answered) a tenant saved since is refused with 412
// tenant_changed instead of overwritten.
func (a *API) updateTenant(c *gin.Context) {
	t, p, ok := a.adminTenant(c)
	if !ok {
		return
	}
	revision, err := ifMatchRevision(c)
	if err != nil {
		a.fail(c, err)
		return
	}
	var spec admin.TenantSpec
	if err := decodeJSON(c, &spec); err != nil {
		a.fail(c, err)
		return
	}
	updated, err := a.Admin.UpdateTenant(c.Request.Context(), p.Actor, t.ID, spec, revision)
	if err != nil {
		a.fail(c, err)
		return
	}
	answerTenant(c, http.StatusOK, updated)
}

// addContextKey adds a second context key for rotation: 201 with the
// tenant's view.
func (a *API) addContextKey(c *gin.Context) {
	t, p, ok := a.adminTenant(c)
	if !ok {
		return
	}
	var key admin.KeySpec
	if err := decodeJSON(c, &key); err != nil {
		a.fail(c, err)
		return
	}
	updated, err := a.Admin.AddContextKey(c.Request.Context(), p.Actor, t.ID, key)
	if err != nil {
		a.fail(c, err)
		return
	}
	answerTenant(c, http.StatusCreated, updated)
}

// removeContextKey stops accepting a context key: 200 with the view.
func (a *API) removeContextKey(c *gin.Context) {
	t, p, ok := a.adminTenant(c)
	if !ok {
		return
	}
	kid := strings.TrimPrefix(c.Param("kid"), "/")
	updated, err := a.Admin.RemoveContextKey(c.Request.Context(), p.Actor, t.ID, kid)
	if err != nil {
		a.fail(c, err)
		return
	}
	answerTenant(c, http.StatusOK, updated)
}
