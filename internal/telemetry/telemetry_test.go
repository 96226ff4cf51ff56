package telemetry

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace/noop"
)

// TestTracingIsOffUntilAnEndpointIsSet: an operator who sets nothing gets
// no exporter and no goroutine; naming an OTLP endpoint turns tracing on;
// a protocol snapbridge cannot speak is refused at start, not ignored.
func TestTracingIsOffUntilAnEndpointIsSet(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		env      map[string]string
		enabled  bool
		err      string
	}{
		{scenario: "nothing set"},
		{scenario: "only a service name", env: map[string]string{"OTEL_SERVICE_NAME": "snapbridge-eu"}},
		{scenario: "an endpoint", env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}, enabled: true},
		{scenario: "a traces endpoint", env: map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:4318/v1/traces"}, enabled: true},
		{scenario: "an endpoint with http/protobuf", env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318",
			"OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"}, enabled: true},
		{scenario: "an endpoint, SDK disabled", env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318",
			"OTEL_SDK_DISABLED": "true"}},
		{scenario: "an endpoint, exporter none", env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318",
			"OTEL_TRACES_EXPORTER": "none"}},
		{scenario: "gRPC asked for", env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4317",
			"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, err: "OTEL_EXPORTER_OTLP_PROTOCOL"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			p, err := FromEnv(context.Background(), func(k string) string { return tc.env[k] }, "test")
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one naming %s", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer p.Shutdown(context.Background())
			_, noopProvider := p.TracerProvider.(noop.TracerProvider)
			if p.Enabled != tc.enabled || noopProvider == tc.enabled {
				t.Errorf("enabled %v (provider %T), want %v", p.Enabled, p.TracerProvider, tc.enabled)
			}
		})
	}
}

// TestLinkedInEndpointNamesCarryNoIDs: a LinkedIn span is named for the
// endpoint, never for the ids or URNs in its path.
func TestLinkedInEndpointNamesCarryNoIDs(t *testing.T) {
	for _, tc := range []struct{ path, want string }{
		{"/v2/salesAccessTokens", "salesAccessTokens"},
		{"/v2/salesNavigatorProfileAssociations/(instanceId:x,partner:MS,recordId:003-a)", "salesNavigatorProfileAssociations"},
		{"/v2/salesNavigatorProfileAssociations", "salesNavigatorProfileAssociations"},
		{"/v2/salesAnalyticsExportJobs/1234", "salesAnalyticsExportJobs"},
		{"/rest/complianceEvents", "complianceEvents"},
		{"/oauth/v2/accessToken", "accessToken"},
		{"/v2/urn:li:member:42", "other"},
		{"/", "other"},
	} {
		if got := Endpoint(tc.path); got != tc.want {
			t.Errorf("Endpoint(%q) = %q, want %q", tc.path, got, tc.want)
		}
	}
}

// TestLogLinesOfARequestCarryItsRequestAndTraceIDs: a line logged with a
// request's context names the request and the trace; a line without one
// names neither.
func TestLogLinesOfARequestCarryItsRequestAndTraceIDs(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(LogHandler(slog.NewJSONHandler(&buf, nil))).With("component", "test")
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(tracetest.NewSpanRecorder()))
	ctx, span := tp.Tracer("test").Start(WithRequestID(context.Background(), "req-1"), "work")
	logger.InfoContext(ctx, "inside")
	span.End()
	logger.Info("outside")

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("log lines: %q", lines)
	}
	var inside, outside map[string]any
	if json.Unmarshal([]byte(lines[0]), &inside) != nil || json.Unmarshal([]byte(lines[1]), &outside) != nil {
		t.Fatalf("not JSON: %q", lines)
	}
	sc := span.SpanContext()
	if inside["requestId"] != "req-1" || inside["trace_id"] != sc.TraceID().String() || inside["span_id"] != sc.SpanID().String() ||
		inside["component"] != "test" {
		t.Errorf("line within the request: %v", inside)
	}
	for _, k := range []string{"requestId", "trace_id", "span_id"} {
		if _, ok := outside[k]; ok {
			t.Errorf("line outside any request carries %s: %v", k, outside)
		}
	}
}

// TestTrustedProxiesAreCIDRsOrAddresses: a trusted proxy is a CIDR or one
// address; anything else is refused with the setting's name.
func TestTrustedProxiesAreCIDRsOrAddresses(t *testing.T) {
	tr, err := New(nil, []string{"10.0.0.0/8", "192.168.1.7", "::1"})
	if err != nil {
		t.Fatal(err)
	}
	for addr, want := range map[string]bool{"10.1.2.3:5000": true, "192.168.1.7:1": true, "192.168.1.8:1": false,
		"[::1]:80": true, "[::ffff:10.0.0.1]:80": true, "127.0.0.1:80": false, "not an address": false} {
		if got := tr.trusts(addr); got != want {
			t.Errorf("trusts(%q) = %v, want %v", addr, got, want)
		}
	}
	if _, err := New(nil, []string{"10.0.0.0/33"}); err == nil || !strings.Contains(err.Error(), "tracing.trustedProxies[0]") {
		t.Errorf("a bad CIDR: %v", err)
	}
	if _, err := New(nil, []string{"proxy.internal"}); err == nil {
		t.Error("a host name is accepted as a trusted proxy")
	}
}
