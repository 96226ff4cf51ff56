package telemetry

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// Transport returns base (http.DefaultTransport when nil) sending each
// attempt of a LinkedIn call in a client span "linkedin <endpoint>" with
// the endpoint's name (salesAccessTokens, crmProfileAssociations,
// accessToken, …, never its ids or query), the attempt number (1 for the
// first; see CountAttempts) and the answer's status. It sends no trace
// context to LinkedIn.
func (t *Tracing) Transport(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	if t == nil || !t.on {
		return base
	}
	return &transport{t: t, base: base}
}

type transport struct {
	t    *Tracing
	base http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (tr *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	endpoint := Endpoint(req.URL.Path)
	attrs := []attribute.KeyValue{AttrEndpoint.String(endpoint), attribute.String("http.request.method", req.Method),
		attribute.String("server.address", req.URL.Hostname())}
	if n, ok := req.Context().Value(attemptsKey{}).(*atomic.Int32); ok {
		attrs = append(attrs, AttrAttempt.Int(int(n.Add(1))))
	}
	ctx, span := tr.t.tracer.Start(req.Context(), "linkedin "+endpoint, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attrs...))
	defer span.End()
	resp, err := tr.base.RoundTrip(req.WithContext(ctx))
	if err != nil {
		// The error's text quotes the URL, whose query may carry record
		// ids: only its kind goes into the span.
		span.SetStatus(codes.Error, transportFailure(err))
		return resp, err
	}
	span.SetAttributes(attribute.Int("http.response.status_code", resp.StatusCode))
	if resp.StatusCode >= 400 {
		span.SetStatus(codes.Error, http.StatusText(resp.StatusCode))
	}
	return resp, nil
}

// transportFailure names a transport error without quoting it.
func transportFailure(err error) string {
	var timeout interface{ Timeout() bool }
	switch {
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &timeout) && timeout.Timeout():
		return "timeout"
	default:
		return "connection failed"
	}
}

// Endpoint names the LinkedIn endpoint of a URL path: its first segment
// made only of letters past the version prefixes (/v2/salesAccessTokens →
// salesAccessTokens, /rest/complianceEvents → complianceEvents,
// /oauth/v2/accessToken → accessToken), so ids never appear; "other"
// when there is none.
func Endpoint(path string) string {
	for seg := range strings.SplitSeq(path, "/") {
		switch seg {
		case "", "v2", "rest", "oauth":
			continue
		}
		if strings.IndexFunc(seg, func(r rune) bool { return (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') }) < 0 {
			return seg
		}
		return "other"
	}
	return "other"
}

// attemptsKey keys the attempt counter of a LinkedIn call.
type attemptsKey struct{}

// CountAttempts returns ctx counting the attempts (retries) of one
// LinkedIn call, so that each attempt's span says which it is. Call it
// once per call, before the first attempt.
func CountAttempts(ctx context.Context) context.Context {
	return context.WithValue(ctx, attemptsKey{}, new(atomic.Int32))
}
