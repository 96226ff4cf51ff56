package httpapi

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/snapbridge/snapbridge/internal/problem"
	"github.com/snapbridge/snapbridge/internal/store"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// healthz says the process is up.
func (a *API) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// readyz says the server can serve: configuration loaded and the
// database file still the one opened and writable. Its "shared" field
// says where shared state is kept (see SharedState). A change of answer
// is logged once, not on every probe.
func (a *API) readyz(c *gin.Context) {
	reason, changed, err := a.ready.probe(c.Request.Context(), a.Now(), a.DB.Ready)
	if changed {
		if err != nil {
			a.Logger.WarnContext(c.Request.Context(), "not ready", "reason", reason, "err", err.Error())
		} else {
			a.Logger.InfoContext(c.Request.Context(), "ready again")
		}
	}
	if err != nil {
		// Written here, not through fail: a failing probe is logged once
		// per change above, not once per probe.
		problem.Write(c.Writer, c.Request, problem.Answer{Status: http.StatusServiceUnavailable,
			Detail: wire.ErrorDetail{Code: "not_ready", Message: reason, RequestID: c.GetString(ctxRequestID)}})
		c.Abort()
		return
	}
	body := gin.H{"status": "ready", "tenants": len(a.Tenants.All())}
	if a.Shared != nil {
		// Redis away only degrades the service (per-instance caches and
		// locks), so it shows here without taking the server out of rotation.
		body["shared"] = a.Shared.Mode(c.Request.Context())
	}
	c.JSON(http.StatusOK, body)
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

// readinessEvery is how long a successful readiness check answers for.
// Probes are unauthenticated and each check writes to the database, so a
// flood of /readyz on a healthy server costs one write per interval. A
// failed check is not reused: the next probe checks again, so recovery
// shows at once.
const readinessEvery = time.Second

// readiness remembers the last check and the last logged reason ("" for
// ready), so that probes share a recent successful check and only a
// change of answer is logged.
type readiness struct {
	mu     sync.Mutex
	okAt   time.Time // when the last check succeeded; zero after a failure
	reason string
}

// probe answers from a successful check made less than readinessEvery
// ago, or runs check (bounded by 2 s). changed reports an answer that
// differs from the previous check's.
func (r *readiness) probe(ctx context.Context, now time.Time, check func(context.Context) error) (reason string, changed bool, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.okAt.IsZero() && now.Sub(r.okAt) >= 0 && now.Sub(r.okAt) < readinessEvery {
		return "", false, nil
	}
	cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	err = check(cctx)
	reason = notReadyReason(cctx, err)
	changed, r.reason = reason != r.reason, reason
	r.okAt = time.Time{}
	if err == nil {
		r.okAt = now
	}
	return reason, changed, err
}
