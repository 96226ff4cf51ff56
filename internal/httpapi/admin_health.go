package httpapi

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/snapbridge/snapbridge/internal/admin"
	"github.com/snapbridge/snapbridge/internal/metrics"
	"github.com/snapbridge/snapbridge/internal/store"
)

// testConnectionRequest is the optional body of POST …/test-connection.
type testConnectionRequest struct {
	// RecordID is a CRM record to look up; default a made-up one.
	RecordID string `json:"recordId"`
}

// testConnection proves the tenant's LinkedIn set-up: 200 {ok, steps}.
// The body is optional.
func (a *API) testConnection(c *gin.Context) {
	t, p, ok := a.adminTenant(c)
	if !ok {
		return
	}
	var req testConnectionRequest
	if c.Request.ContentLength != 0 {
		if err := decodeJSON(c, &req); err != nil {
			a.fail(c, err)
			return
		}
	}
	rep, err := a.Admin.TestConnection(c.Request.Context(), p.Actor, t.ID, req.RecordID)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, rep)
}

// tenantHealth answers the tenant's health at a glance.
func (a *API) tenantHealth(c *gin.Context) {
	t, _, ok := a.adminTenant(c)
	if !ok {
		return
	}
	h, err := a.Admin.Health(c.Request.Context(), t.ID)
	if err != nil {
		a.fail(c, err)
		return
	}
	ans := tenantHealthAnswer{Health: h}
	if st, ok, err := a.Metrics.TenantState(c.Request.Context(), t.ID); err != nil {
		a.fail(c, err)
		return
	} else if ok {
		ans.Cluster = &st
	}
	c.JSON(http.StatusOK, ans)
}

// tenantHealthAnswer is the tenant's health with, under "cluster", the
// store-backed figures the metrics report (read with the same code, so
// the console and Prometheus agree, across every instance).
type tenantHealthAnswer struct {
	admin.Health
	Cluster *metrics.TenantState `json:"cluster,omitempty"`
}

// audit lists the tenant's audit log, newest first (?limit=1..500, default 100).
func (a *API) audit(c *gin.Context) {
	t, _, ok := a.adminTenant(c)
	if !ok {
		return
	}
	limit := 100
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > store.MaxAuditLimit {
			a.fail(c, badRequest("invalid_limit", "limit must be a number from 1 to "+strconv.Itoa(store.MaxAuditLimit)))
			return
		}
		limit = n
	}
	entries, err := a.Admin.Audit(c.Request.Context(), t.ID, limit)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"entries": entries})
}
