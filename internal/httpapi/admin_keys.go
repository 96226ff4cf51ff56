package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// apiKeyRequest is the body of POST …/api-keys.
type apiKeyRequest struct {
	Name string `json:"name"`
}

// createAPIKey makes a tenant API key: 201 with the key, shown this once.
func (a *API) createAPIKey(c *gin.Context) {
	t, p, ok := a.adminTenant(c)
	if !ok {
		return
	}
	var req apiKeyRequest
	if err := decodeJSON(c, &req); err != nil {
		a.fail(c, err)
		return
	}
	key, err := a.Admin.CreateAPIKey(c.Request.Context(), p.Actor, t.ID, req.Name)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, key)
}

// listAPIKeys lists the tenant's keys without their secrets.
func (a *API) listAPIKeys(c *gin.Context) {
	t, _, ok := a.adminTenant(c)
	if !ok {
		return
	}
	keys, err := a.Admin.APIKeys(c.Request.Context(), t.ID)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"apiKeys": keys})
}

// revokeAPIKey revokes a key at once: 204.
func (a *API) revokeAPIKey(c *gin.Context) {
	t, p, ok := a.adminTenant(c)
	if !ok {
		return
	}
	if err := a.Admin.RevokeAPIKey(c.Request.Context(), p.Actor, t.ID, c.Param("id")); err != nil {
		a.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
