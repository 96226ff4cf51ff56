package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
)

// Unmatched is the route label of a request no route template matched.
const Unmatched = "unmatched"

// knownMethods are the methods counted by name; any other is "other".
var knownMethods = map[string]bool{
	http.MethodGet: true, http.MethodHead: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodPatch: true, http.MethodDelete: true, http.MethodOptions: true,
}

// HTTP returns Gin middleware counting every request by route template
// (c.FullPath(), never the raw path), method and status, and timing it.
// A request no route matched is labelled by unmatched, which must answer
// a fixed template (such as "/w/:tenant/*") or Unmatched; nil labels
// them all Unmatched.
func (m *Registry) HTTP(unmatched func(*http.Request) string) gin.HandlerFunc {
	return func(c *gin.Context) {
		if m == nil {
			c.Next()
			return
		}
		start := time.Now()
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = Unmatched
			if unmatched != nil {
				route = unmatched(c.Request)
			}
		}
		method := c.Request.Method
		if !knownMethods[method] {
			method = "other"
		}
		m.httpRequests.WithLabelValues(route, method, strconv.Itoa(c.Writer.Status())).Inc()
		m.httpDuration.WithLabelValues(route, method).Observe(time.Since(start).Seconds())
	}
}
