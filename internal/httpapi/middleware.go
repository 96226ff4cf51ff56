package httpapi

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/snapbridge/snapbridge/internal/session"
)

const (
	ctxRequestID = "requestId"
	ctxSession   = "session"
	// maxBodyBytes bounds JSON bodies; a context token is at most 16 KiB.
	maxBodyBytes = 64 << 10
)

// requestID tags each request with an id, echoed in X-Request-Id, so a
// seller can quote it and an operator can find the log line.
func (a *API) requestID(c *gin.Context) {
	id := c.GetHeader("X-Request-Id")
	if len(id) == 0 || len(id) > 64 || strings.ContainsFunc(id, func(r rune) bool { return r < 0x21 || r > 0x7e }) {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		id = hex.EncodeToString(b)
	}
	c.Set(ctxRequestID, id)
	c.Header("X-Request-Id", id)
	c.Next()
}

// accessLog logs one line per request. It logs the path only: query
// strings carry context tokens and OAuth codes.
func (a *API) accessLog(c *gin.Context) {
	start := time.Now()
	c.Next()
	a.Logger.InfoContext(c, "http",
		"method", c.Request.Method,
		"path", c.Request.URL.Path,
		"status", c.Writer.Status(),
		"ms", time.Since(start).Milliseconds(),
		"requestId", c.GetString(ctxRequestID))
}

// recover turns a panic into a 500 JSON answer carrying the request id.
func (a *API) recover(c *gin.Context) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			a.fail(c, fmt.Errorf("panic: %v", v))
		}
	}()
	c.Next()
}

// securityHeaders sets what every answer carries. Framing is refused
// everywhere; the widget handler replaces the CSP with the tenant's own.
func (a *API) securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	h.Set("Content-Security-Policy", "frame-ancestors 'none'")
	h.Set("X-Frame-Options", "DENY")
	c.Next()
}

// cors lets the widget call the API from any origin, including the
// "null" origin of sandboxed frames, and answers preflights. It is safe
// because the API uses bearer tokens, never cookies, and never allows
// credentials.
func (a *API) cors(c *gin.Context) {
	if !strings.HasPrefix(c.Request.URL.Path, "/api/") {
		c.Next()
		return
	}
	h := c.Writer.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Expose-Headers", "X-Request-Id, X-RateLimit-Limit, X-RateLimit-Used, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After")
	if c.Request.Method == http.MethodOptions {
		h.Set("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS")
		h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
		h.Set("Access-Control-Max-Age", "600")
		c.AbortWithStatus(http.StatusNoContent)
		return
	}
	c.Next()
}

// requireSession admits only requests with a valid widget session token.
func (a *API) requireSession(c *gin.Context) {
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
	if _, ok := a.Tenants.Get(s.Tenant); !ok {
		a.fail(c, errUnknownTenant)
		return
	}
	c.Set(ctxSession, s)
	c.Next()
}

func sessionOf(c *gin.Context) *session.Session {
	return c.MustGet(ctxSession).(*session.Session)
}
