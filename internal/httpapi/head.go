package httpapi

import (
	"context"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// headKey marks a HEAD request routed as GET.
type headKey struct{}

// headAsGet routes HEAD like GET (RFC 9110 §9.3.2) outside /api/, so every page
// answers HEAD without registering it twice; restoreHead gives handlers
// back the method HEAD once routing is done. Handlers whose GET changes
// state (spends a one-time context, takes a connect handle, completes a
// consent) answer HEAD with the page's headers and do nothing else; the
// body of any other is dropped by net/http.
type headAsGet struct {
	engine *gin.Engine
}

func (h headAsGet) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// The API is for scripts, not link checkers: a HEAD there would still
	// read and spend what the GET does (a download written to the audit
	// log, a forced look-up, a streamed archive), so it is 405 like any
	// method a route does not take.
	if r.Method != http.MethodHead || strings.HasPrefix(r.URL.Path, "/api/") {
		h.engine.ServeHTTP(w, r)
		return
	}
	r = r.WithContext(context.WithValue(r.Context(), headKey{}, true))
	r.Method = http.MethodGet
	h.engine.ServeHTTP(w, r)
}

// restoreHead is the first middleware: handlers see the method the client sent.
func (a *API) restoreHead(c *gin.Context) {
	if head, _ := c.Request.Context().Value(headKey{}).(bool); head {
		c.Request.Method = http.MethodHead
	}
	c.Next()
}
