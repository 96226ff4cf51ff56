package telemetry

import (
	"context"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// HTTP returns the Gin middleware that puts the request id (requestID
// reads it from the Gin context) into the request's context, for the log
// lines of the request, and runs the request in a server span named
// "METHOD route" with the route template (never the raw path, which may
// carry ids), the status and the tenant once known. The span continues
// the caller's trace (W3C traceparent) only when the peer is a trusted
// proxy. Register it after the request id middleware and before the
// access log.
func (t *Tracing) HTTP(requestID func(*gin.Context) string) gin.HandlerFunc {
	return func(c *gin.Context) {
		id := requestID(c)
		ctx := WithRequestID(c.Request.Context(), id)
		if t == nil || !t.on {
			c.Request = c.Request.WithContext(ctx)
			c.Next()
			return
		}
		if t.trusts(c.Request.RemoteAddr) {
			ctx = t.prop.Extract(ctx, propagation.HeaderCarrier(c.Request.Header))
		}
		route := Route(c)
		ctx, span := t.tracer.Start(ctx, c.Request.Method+" "+route, trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(
				attribute.String("http.request.method", c.Request.Method),
				attribute.String("http.route", route),
				AttrRequestID.String(id)))
		c.Request = c.Request.WithContext(ctx)
		defer span.End()
		c.Next()
		status := c.Writer.Status()
		span.SetAttributes(attribute.Int("http.response.status_code", status))
		if status >= 500 {
			span.SetStatus(codes.Error, http.StatusText(status))
		}
	}
}

// Route is the request's route template: Gin's (/api/v1/exports/:id),
// or for the pages Gin does not route itself the widget's
// (/w/:tenant/card, /w/:tenant/list, /w/:tenant/*), else "unmatched".
func Route(c *gin.Context) string {
	if r := c.FullPath(); r != "" {
		return r
	}
	rest, ok := strings.CutPrefix(c.Request.URL.Path, "/w/")
	if !ok {
		return "unmatched"
	}
	switch _, sub, _ := strings.Cut(rest, "/"); sub {
	case "card", "list":
		return "/w/:tenant/" + sub
	}
	return "/w/:tenant/*"
}

// SetTenant records the tenant a request or job is for on its span.
func SetTenant(ctx context.Context, tenantID string) {
	if span := trace.SpanFromContext(ctx); span.IsRecording() {
		span.SetAttributes(AttrTenant.String(tenantID))
	}
}

// requestIDKey keys the request id in a context.
type requestIDKey struct{}

// WithRequestID returns ctx carrying the request id the log lines of the
// request show.
func WithRequestID(ctx context.Context, id string) context.Context {
	if id == "" {
		return ctx
	}
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the request id ctx carries, "" when none.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}
