// Package telemetry is snapbridge's tracing and log correlation: the
// OpenTelemetry tracer provider built from the standard OTEL_* environment
// variables, the spans of HTTP requests, LinkedIn calls, store and Redis
// calls and background jobs, and the slog handler that puts the request
// id and trace id on every log line of a request.
//
// Nothing personal goes into a span: no token, secret, viewer or record
// id, email or name; the tenant id and route templates are fine.
package telemetry

import (
	"context"
	"fmt"
	"net/netip"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// instrumentation names snapbridge's tracer.
const instrumentation = "github.com/snapbridge/snapbridge"

// Attribute keys snapbridge sets besides the OpenTelemetry semantic ones.
const (
	AttrTenant    = attribute.Key("snapbridge.tenant")
	AttrRequestID = attribute.Key("snapbridge.request_id")
	AttrEndpoint  = attribute.Key("snapbridge.linkedin.endpoint")
	AttrAttempt   = attribute.Key("snapbridge.linkedin.attempt")
	AttrOperation = attribute.Key("snapbridge.store.operation")
	AttrJob       = attribute.Key("snapbridge.job")
	AttrRecords   = attribute.Key("snapbridge.records")
)

// Tracing makes snapbridge's spans. A nil *Tracing makes none; every
// method may be called on it.
type Tracing struct {
	tracer  trace.Tracer
	on      bool // false with a no-op provider: requests skip the span
	trusted []netip.Prefix
	prop    propagation.TraceContext
}

// New returns the Tracing that makes its spans with provider (nil: none)
// and accepts a W3C traceparent only from the peers in trustedProxies
// (CIDRs such as 10.0.0.0/8, or single addresses); from anyone else a
// request starts a new trace. Default: no trusted proxy.
func New(provider trace.TracerProvider, trustedProxies []string) (*Tracing, error) {
	if provider == nil {
		provider = noop.NewTracerProvider()
	}
	_, off := provider.(noop.TracerProvider)
	t := &Tracing{tracer: provider.Tracer(instrumentation), on: !off}
	for i, p := range trustedProxies {
		prefix, err := ParseProxy(p)
		if err != nil {
			return nil, fmt.Errorf("tracing.trustedProxies[%d]: %w", i, err)
		}
		t.trusted = append(t.trusted, prefix)
	}
	return t, nil
}

// ParseProxy reads a trusted proxy: a CIDR (10.0.0.0/8) or one address.
func ParseProxy(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%q is not a CIDR such as 10.0.0.0/8", s)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not an address or a CIDR such as 10.0.0.0/8", s)
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// trusts reports whether the peer at remoteAddr (host:port) is a trusted
// proxy.
func (t *Tracing) trusts(remoteAddr string) bool {
	if len(t.trusted) == 0 {
		return false
	}
	ap, err := netip.ParseAddrPort(remoteAddr)
	if err != nil {
		return false
	}
	a := ap.Addr().Unmap()
	for _, p := range t.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// noopSpan is the span of work not traced.
var noopSpan trace.Span = noop.Span{}

// Provider is a tracer provider built from the environment with the
// function that flushes and stops it.
type Provider struct {
	trace.TracerProvider
	// Shutdown flushes the spans not yet sent and stops the exporter; it
	// does nothing when tracing is off.
	Shutdown func(context.Context) error
	// Enabled is true when spans are exported.
	Enabled bool
}

// FromEnv builds the tracer provider the standard OpenTelemetry variables
// ask for. Tracing is off (a no-op provider: no exporter, no goroutine)
// unless OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT
// is set, and stays off with OTEL_SDK_DISABLED=true or
// OTEL_TRACES_EXPORTER=none. Spans go over OTLP/HTTP (protobuf); the
// exporter reads the other OTEL_EXPORTER_OTLP_* variables (headers,
// timeout, certificates), the resource reads OTEL_SERVICE_NAME (default
// snapbridge) and OTEL_RESOURCE_ATTRIBUTES, the sampler
// OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG (default
// parentbased_always_on). OTEL_EXPORTER_OTLP_PROTOCOL=grpc is refused:
// only http/protobuf is built in.
func FromEnv(ctx context.Context, getenv func(string) string, version string) (Provider, error) {
	off := Provider{TracerProvider: noop.NewTracerProvider(), Shutdown: func(context.Context) error { return nil }}
	if getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") == "" && getenv("OTEL_EXPORTER_OTLP_ENDPOINT") == "" {
		return off, nil
	}
	if strings.EqualFold(getenv("OTEL_SDK_DISABLED"), "true") || strings.EqualFold(getenv("OTEL_TRACES_EXPORTER"), "none") {
		return off, nil
	}
	protocol := getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
	if protocol == "" {
		protocol = getenv("OTEL_EXPORTER_OTLP_PROTOCOL")
	}
	if protocol != "" && protocol != "http/protobuf" {
		return off, fmt.Errorf("OTEL_EXPORTER_OTLP_PROTOCOL: %q is not supported; snapbridge sends traces over OTLP/HTTP (http/protobuf, port 4318 by default)", protocol)
	}
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return off, fmt.Errorf("OTLP trace exporter: %w", err)
	}
	// Later detectors win: OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES
	// override the defaults.
	res, err := resource.New(ctx,
		resource.WithAttributes(attribute.String("service.name", "snapbridge"), attribute.String("service.version", version)),
		resource.WithTelemetrySDK(),
		resource.WithFromEnv())
	if err != nil {
		return off, fmt.Errorf("OTEL_RESOURCE_ATTRIBUTES: %w", err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	return Provider{TracerProvider: tp, Shutdown: tp.Shutdown, Enabled: true}, nil
}
