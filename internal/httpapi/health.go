package httpapi

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/snapbridge/snapbridge/internal/store"
)

// healthz says the process is up.
func (a *API) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// readyz says the server can serve: configuration loaded and the
// database file still the one opened and writable. A change of answer
// is logged once, not on every probe.
func (a *API) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	err := a.DB.Ready(ctx)
	reason := notReadyReason(ctx, err)
	if a.ready.changed(reason) {
		if err != nil {
			a.Logger.WarnContext(c.Request.Context(), "not ready", "reason", reason, "err", err.Error())
		} else {
			a.Logger.InfoContext(c.Request.Context(), "ready again")
		}
	}
	if err != nil {
		a.fail(c, &apiError{status: http.StatusServiceUnavailable, code: "not_ready", message: reason})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready", "tenants": len(a.Tenants.All())})
}

// notReadyReason says what is wrong with the database for the answer's
// message ("" when nothing is). Paths stay in the log.
func notReadyReason(ctx context.Context, err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, store.ErrFileReplaced):
		return "the database file was replaced or deleted"
	case errors.Is(err, store.ErrReadOnly):
		return "the database is read-only"
	case ctx.Err() != nil: // SQLite reports an interrupted statement, not the deadline
		return "the database does not answer"
	default:
		return "the database cannot be written"
	}
}

// readinessLog remembers the last readiness reason ("" for ready) so
// that only a change is logged; load balancers probe every few seconds.
type readinessLog struct {
	mu   sync.Mutex
	last string
}

// changed records reason and reports whether it differs from the last.
func (r *readinessLog) changed(reason string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if reason == r.last {
		return false
	}
	r.last = reason
	return true
}
