package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// healthz says the process is up.
func (a *API) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// readyz says the server can serve: configuration loaded and database reachable.
func (a *API) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	if err := a.DB.Ping(ctx); err != nil {
		a.Logger.WarnContext(c.Request.Context(), "not ready", "err", err.Error())
		a.fail(c, &apiError{status: http.StatusServiceUnavailable, code: "not_ready", message: "the database does not answer"})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready", "tenants": len(a.Tenants.All())})
}
