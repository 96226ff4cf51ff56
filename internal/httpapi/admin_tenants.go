package httpapi

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/snapbridge/snapbridge/internal/admin"
)

var errOperatorRequired = &apiError{status: http.StatusForbidden, code: "operator_required",
	message: "only the operator key may create tenants"}

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
	c.JSON(http.StatusCreated, admin.ViewOf(t))
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

// getTenant answers the tenant's settings, secrets only as "…Set" flags.
func (a *API) getTenant(c *gin.Context) {
	t, _, ok := a.adminTenant(c)
	if !ok {
		return
	}
	c.JSON(http.StatusOK, admin.ViewOf(t))
}

// updateTenant replaces the tenant's editable settings.
func (a *API) updateTenant(c *gin.Context) {
	t, p, ok := a.adminTenant(c)
	if !ok {
		return
	}
	var spec admin.TenantSpec
	if err := decodeJSON(c, &spec); err != nil {
		a.fail(c, err)
		return
	}
	updated, err := a.Admin.UpdateTenant(c.Request.Context(), p.Actor, t.ID, spec)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, admin.ViewOf(updated))
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
	c.JSON(http.StatusCreated, admin.ViewOf(updated))
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
	c.JSON(http.StatusOK, admin.ViewOf(updated))
}
