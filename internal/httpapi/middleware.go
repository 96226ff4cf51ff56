package httpapi

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/snapbridge/snapbridge/internal/session"
	"github.com/snapbridge/snapbridge/internal/telemetry"
)

const (
	ctxRequestID = "requestId"
	ctxSession   = "session"
	// maxBodyBytes bounds every request body; a context token is at most 16 KiB.
	maxBodyBytes = 64 << 10
)

// errBodyTooLarge answers a body over maxBodyBytes.
var errBodyTooLarge = &apiError{status: http.StatusRequestEntityTooLarge, code: "body_too_large", message: "the body is larger than 64 KiB"}

// limitBody bounds every request body to maxBodyBytes. A body announced
// larger (Content-Length) is refused before anything reads it: Go's server
// sends "100 Continue" only when a handler first reads the body, so a
// client that waits for it gets 413 at once instead of a go-ahead for an
// upload that would be refused (or a wait for the read timeout). The
// connection closes after the answer since the unread body may still be on
// its way. A body of unannounced length (chunked) is cut at the limit by
// the reader, and decodeJSON answers 413.
func (a *API) limitBody(c *gin.Context) {
	if c.Request.ContentLength > maxBodyBytes {
		c.Header("Connection", "close")
		a.frameForTenant(c)
		a.fail(c, errBodyTooLarge)
		return
	}
	if c.Request.Body != nil && c.Request.Body != http.NoBody {
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxBodyBytes)
	}
	c.Next()
}

// requestIDs makes request ids: a random per-process prefix and a
// counter, unique across instances without a random read per request.
type requestIDs struct {
	prefix string
	n      atomic.Uint64
}

func newRequestIDs() *requestIDs {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return &requestIDs{prefix: hex.EncodeToString(b) + "-"}
}

func (r *requestIDs) next() string {
	var buf [32]byte // one allocation per id: the string
	return string(strconv.AppendUint(append(buf[:0], r.prefix...), r.n.Add(1), 36))
}

// requestID tags each request with an id, echoed in X-Request-Id, so a
// seller can quote it and an operator can find the log line. A proxy's
// id is kept when it is printable and short. It also lends the request
// the map c.Set keeps values in (the request id, the session), taken
// back cleared when the request is done.
func (a *API) requestID(c *gin.Context) {
	id := c.GetHeader("X-Request-Id")
	if len(id) == 0 || len(id) > 64 || strings.ContainsFunc(id, func(r rune) bool { return r < 0x21 || r > 0x7e }) {
		id = a.ids.next()
	}
	keys := requestKeys.Get().(map[any]any)
	c.Keys = keys
	c.Set(ctxRequestID, id)
	c.Writer.Header()["X-Request-Id"] = []string{id}
	c.Next()
	c.Keys = nil
	clear(keys)
	requestKeys.Put(keys)
}

// requestKeys holds the maps requests keep their values in (gin makes a
// new one per request otherwise). A panic leaves its map to the collector.
var requestKeys = sync.Pool{New: func() any { return make(map[any]any, 4) }}

// accessLog logs one line per request: at info for failures, at debug
// for successes (request rates are metrics, not log lines). It logs the
// path only: query strings carry context tokens and OAuth codes. The
// request id and trace id come from the context (telemetry.LogHandler).
func (a *API) accessLog(c *gin.Context) {
	start := time.Now()
	c.Next()
	level := slog.LevelDebug
	if c.Writer.Status() >= 400 {
		level = slog.LevelInfo
	}
	if a.Logger.Enabled(c.Request.Context(), level) {
		a.logRequest(c, level, start)
	}
}

// logRequest writes accessLog's line. It is a function of its own so
// that its attributes take stack space only when a line is written: the
// middleware's frame is below every handler's.
//
//go:noinline
func (a *API) logRequest(c *gin.Context, level slog.Level, start time.Time) {
	a.Logger.LogAttrs(c.Request.Context(), level, "http",
		slog.String("method", c.Request.Method),
		slog.String("path", c.Request.URL.Path),
		slog.Int("status", c.Writer.Status()),
		slog.Int64("us", time.Since(start).Microseconds()))
}

// requestIDOf is the request's id (for the log lines and the span).
func requestIDOf(c *gin.Context) string { return c.GetString(ctxRequestID) }

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

// securityHeaders sets what every answer carries: nosniff, and framing
// refused (the widget handler replaces the CSP with the tenant's own).
// Pages also get a Referer policy and X-Frame-Options for browsers older
// than frame-ancestors. API answers are JSON, never a document that could
// send a Referer or be framed by such a browser, and carry only the first
// two: with the request id, the rate limit and Content-Type that keeps a
// look-up's answer within the 8 headers Go's header map holds without
// growing.
func (a *API) securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	// Canonical keys assigned directly: this runs on every request. The
	// shared value slices are never appended to in place (len == cap).
	h["X-Content-Type-Options"] = hdrNosniff
	h["Content-Security-Policy"] = hdrNoFraming
	if !strings.HasPrefix(c.Request.URL.Path, "/api/") {
		h["Referrer-Policy"] = hdrReferrer
		h["X-Frame-Options"] = hdrDeny
	}
	c.Next()
}

var (
	hdrNosniff      = []string{"nosniff"}
	hdrReferrer     = []string{"strict-origin-when-cross-origin"}
	hdrNoFraming    = []string{"frame-ancestors 'none'"}
	hdrDeny         = []string{"DENY"}
	hdrAnyOrigin    = []string{"*"}
	hdrExposed      = []string{"X-Request-Id, X-RateLimit-Limit, X-RateLimit-Used, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After"}
	hdrAllowMethods = []string{"GET, POST, PUT, DELETE, OPTIONS"}
	hdrAllowHeaders = []string{"Authorization, Content-Type"}
	hdrMaxAge       = []string{"600"}
)

// cors lets the widget call the API from any origin, including the
// "null" origin of sandboxed frames, and answers preflights. It is safe
// because the API uses bearer tokens, never cookies, and never allows
// credentials. A request without Origin is not a cross-origin one
// (browsers send Origin on every CORS request; the widget's own GETs to
// its origin carry none), so its answer goes without the CORS headers.
func (a *API) cors(c *gin.Context) {
	if !strings.HasPrefix(c.Request.URL.Path, "/api/") {
		c.Next()
		return
	}
	h := c.Writer.Header()
	if c.Request.Method == http.MethodOptions {
		h["Access-Control-Allow-Origin"] = hdrAnyOrigin
		h["Access-Control-Expose-Headers"] = hdrExposed
		h["Access-Control-Allow-Methods"] = hdrAllowMethods
		h["Access-Control-Allow-Headers"] = hdrAllowHeaders
		h["Access-Control-Max-Age"] = hdrMaxAge
		c.AbortWithStatus(http.StatusNoContent)
		return
	}
	if _, cross := c.Request.Header["Origin"]; cross {
		h["Access-Control-Allow-Origin"] = hdrAnyOrigin
		h["Access-Control-Expose-Headers"] = hdrExposed
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
	s, err := a.Sessions.Verify(c.Request.Context(), raw)
	if err != nil {
		a.fail(c, err)
		return
	}
	if _, ok := a.Tenants.Get(s.Tenant); !ok {
		a.fail(c, errUnknownTenant)
		return
	}
	c.Set(ctxSession, s)
	telemetry.SetTenant(c.Request.Context(), s.Tenant)
	c.Next()
}

func sessionOf(c *gin.Context) *session.Session {
	return c.MustGet(ctxSession).(*session.Session)
}
