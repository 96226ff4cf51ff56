package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/snapbridge/snapbridge/internal/config"
	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/sandbox"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// spanWatch records ended spans (tracetest's recorder) and says when one
// ended, so a test waits for the spans of work that ends after the answer
// (a look-up batch) without sleeping.
type spanWatch struct {
	*tracetest.SpanRecorder
	changed chan struct{}
}

func newSpanWatch() *spanWatch {
	return &spanWatch{SpanRecorder: tracetest.NewSpanRecorder(), changed: make(chan struct{}, 1)}
}

func (w *spanWatch) OnEnd(s sdktrace.ReadOnlySpan) {
	w.SpanRecorder.OnEnd(s)
	select {
	case w.changed <- struct{}{}:
	default:
	}
}

// waitFor returns the ended spans once ok accepts them, failing the test
// after 10s.
func (w *spanWatch) waitFor(t *testing.T, what string, ok func([]sdktrace.ReadOnlySpan) bool) []sdktrace.ReadOnlySpan {
	t.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	for {
		spans := w.Ended()
		if ok(spans) {
			return spans
		}
		select {
		case <-w.changed:
		case <-deadline.C:
			t.Fatalf("never saw %s; spans: %v", what, spanNames(spans))
		}
	}
}

func spanNames(spans []sdktrace.ReadOnlySpan) []string {
	var out []string
	for _, s := range spans {
		out = append(out, s.Name())
	}
	return out
}

// tracedProduct starts snapbridge tracing into a span watch, trusting the
// traceparent of the given proxies.
func tracedProduct(t *testing.T, trusted ...string) (*product, *spanWatch) {
	t.Helper()
	w := newSpanWatch()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(w))
	t.Cleanup(func() { tp.Shutdown(context.Background()) })
	addr := freeAddr(t)
	li := startLinkedIn(t, "http://"+addr+"/oauth/linkedin/callback")
	p := startProduct(t, li, t.TempDir(), addr, nil, func(c *config.Config) {
		c.Tracing.Provider = tp
		c.Tracing.TrustedProxies = trusted
	})
	return p, w
}

// descendants returns the spans below root in the trace, root excluded.
func descendants(spans []sdktrace.ReadOnlySpan, root trace.SpanContext) []sdktrace.ReadOnlySpan {
	below := map[trace.SpanID]bool{root.SpanID(): true}
	var out []sdktrace.ReadOnlySpan
	for grew := true; grew; {
		grew = false
		for _, s := range spans {
			if s.SpanContext().TraceID() == root.TraceID() && below[s.Parent().SpanID()] && !below[s.SpanContext().SpanID()] {
				below[s.SpanContext().SpanID()] = true
				out = append(out, s)
				grew = true
			}
		}
	}
	return out
}

func findSpan(spans []sdktrace.ReadOnlySpan, name string) sdktrace.ReadOnlySpan {
	for _, s := range spans {
		if s.Name() == name {
			return s
		}
	}
	return nil
}

func attr(s sdktrace.ReadOnlySpan, key string) string {
	for _, a := range s.Attributes() {
		if string(a.Key) == key {
			return a.Value.String()
		}
	}
	return ""
}

// hasLinkedInCall reports whether a LinkedIn call span to endpoint ended
// below root.
func hasLinkedInCall(spans []sdktrace.ReadOnlySpan, root trace.SpanContext, endpoint string) bool {
	return findSpan(descendants(spans, root), "linkedin "+endpoint) != nil
}

const testTraceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

// TestOneWidgetLoadIsOneTrace: an operator following one widget load in
// their tracing backend sees the widget page request with the store and
// LinkedIn calls it made below it, and the associations look-up request
// with its LinkedIn call; every span says what it is (route template,
// status, endpoint, attempt, tenant) and nothing about who (no record,
// viewer, email, name or token).
func TestOneWidgetLoadIsOneTrace(t *testing.T) {
	p, w := tracedProduct(t)
	records := p.demoRecords("demo", "matched")
	page, looked := records[0], records[1]
	const viewer = "crm-user-trace-7"

	resp, body := p.do("GET", p.srv.URL+"/w/demo/card?ctx="+url.QueryEscape(p.signedContext("demo", viewer, page)), "", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("widget page: %d: %s", resp.StatusCode, body)
	}
	spans := w.waitFor(t, "the widget page's span and its LinkedIn look-up", func(spans []sdktrace.ReadOnlySpan) bool {
		s := findSpan(spans, "GET /w/:tenant/card")
		return s != nil && hasLinkedInCall(spans, s.SpanContext(), "salesNavigatorProfileAssociations")
	})
	pageSpan := findSpan(spans, "GET /w/:tenant/card")
	if pageSpan.SpanKind() != trace.SpanKindServer || attr(pageSpan, "http.route") != "/w/:tenant/card" ||
		attr(pageSpan, "http.response.status_code") != "200" || attr(pageSpan, "snapbridge.tenant") != "demo" ||
		attr(pageSpan, "snapbridge.request_id") != resp.Header.Get("X-Request-Id") {
		t.Errorf("widget page span %q: attributes %v", pageSpan.Name(), pageSpan.Attributes())
	}
	below := descendants(spans, pageSpan.SpanContext())
	var store, linkedinCall sdktrace.ReadOnlySpan
	for _, s := range below {
		switch {
		case strings.HasPrefix(s.Name(), "store ") && store == nil:
			store = s
		case s.Name() == "linkedin salesNavigatorProfileAssociations":
			linkedinCall = s
		}
	}
	if store == nil || attr(store, "db.system.name") == "" || attr(store, "db.operation.name") == "" {
		t.Errorf("widget page: no store span with its engine and operation below it: %v", spanNames(below))
	}
	if linkedinCall == nil || linkedinCall.SpanKind() != trace.SpanKindClient ||
		attr(linkedinCall, "snapbridge.linkedin.endpoint") != "salesNavigatorProfileAssociations" ||
		attr(linkedinCall, "snapbridge.linkedin.attempt") != "1" || attr(linkedinCall, "http.response.status_code") != "200" {
		t.Errorf("widget page: LinkedIn call span missing or without endpoint, attempt and status: %v", linkedinCall)
	}

	s := p.newSession("demo", viewer, looked)
	var got wire.Associations
	p.call("GET", "/api/v1/associations", s.Token, nil, http.StatusOK, &got)
	spans = w.waitFor(t, "the look-up request's span and its LinkedIn call", func(spans []sdktrace.ReadOnlySpan) bool {
		s := findSpan(spans, "GET /api/v1/associations")
		return s != nil && hasLinkedInCall(spans, s.SpanContext(), "salesNavigatorProfileAssociations")
	})
	lookup := findSpan(spans, "GET /api/v1/associations")
	if attr(lookup, "http.route") != "/api/v1/associations" || attr(lookup, "snapbridge.tenant") != "demo" ||
		attr(lookup, "http.response.status_code") != "200" {
		t.Errorf("look-up span attributes: %v", lookup.Attributes())
	}
	if lookup.SpanContext().TraceID() == pageSpan.SpanContext().TraceID() {
		t.Error("two requests share a trace")
	}

	// Nothing personal anywhere: no record id, name or email, no viewer,
	// no token, no query string.
	personal := []string{viewer, s.Token, "?"}
	for _, r := range []wire.Record{page, looked} {
		personal = append(personal, r.ID, r.Email, r.FirstName, r.LastName)
	}
	for _, sp := range w.Ended() {
		texts := []string{sp.Name(), sp.Status().Description}
		for _, a := range sp.Attributes() {
			texts = append(texts, a.Value.String())
		}
		for _, text := range texts {
			for _, p := range personal {
				if p != "" && strings.Contains(text, p) {
					t.Errorf("span %q carries %q: %q", sp.Name(), p, text)
				}
			}
		}
	}
}

// TestTraceparentIsFollowedOnlyFromATrustedProxy: a request through the
// operator's trusted proxy continues the proxy's trace; the same header
// from anyone else starts a trace of its own, so a client cannot pick the
// trace a request lands in.
func TestTraceparentIsFollowedOnlyFromATrustedProxy(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		trusted  []string
		follows  bool
	}{
		{scenario: "from a trusted proxy", trusted: []string{"127.0.0.0/8"}, follows: true},
		{scenario: "from a single trusted address", trusted: []string{"127.0.0.1"}, follows: true},
		{scenario: "from a peer that is not a trusted proxy", trusted: []string{"10.0.0.0/8"}},
		{scenario: "with no trusted proxy (the default)"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			p, w := tracedProduct(t, tc.trusted...)
			req, err := http.NewRequest("GET", p.srv.URL+"/healthz", nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("traceparent", testTraceparent)
			resp, err := p.http.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			spans := w.waitFor(t, "the request's span", func(spans []sdktrace.ReadOnlySpan) bool {
				return findSpan(spans, "GET /healthz") != nil
			})
			s := findSpan(spans, "GET /healthz")
			followed := s.SpanContext().TraceID().String() == "4bf92f3577b34da6a3ce929d0e0e4736" &&
				s.Parent().SpanID().String() == "00f067aa0ba902b7" && s.Parent().IsRemote()
			if followed != tc.follows {
				t.Errorf("trace %s parent %s: followed the traceparent %v, want %v",
					s.SpanContext().TraceID(), s.Parent().SpanID(), followed, tc.follows)
			}
			if !tc.follows && s.Parent().IsValid() {
				t.Errorf("an untrusted request's span has a parent %s", s.Parent().SpanID())
			}
		})
	}
}

// TestExportJobLinksToTheRequestThatStartedIt: the export poller's pass
// that takes up a new export is a trace of its own (a periodic job),
// linked to the admin's request that created the export, so an operator
// can follow the export from the click to LinkedIn.
func TestExportJobLinksToTheRequestThatStartedIt(t *testing.T) {
	p, w := tracedProduct(t)
	admin := p.adminSession("demo", "crm-admin-trace")
	end := time.Now().Add(-24 * time.Hour)
	body := exportBody(sandbox.ContractURN(sandbox.DemoEnterpriseContract), "seat", end.Add(-30*24*time.Hour), end)
	var e wire.Error
	p.call("POST", "/api/v1/admin/tenants/demo/exports", admin, body, http.StatusConflict, &e)
	p.connectAsking(e.Error.ConnectURL, firstMember(p.li), admin, linkedin.ScopeAnalytics)
	resp := p.call("POST", "/api/v1/admin/tenants/demo/exports", admin, body, http.StatusCreated, nil)
	requestID := resp.Header.Get("X-Request-Id")

	var created sdktrace.ReadOnlySpan
	w.waitFor(t, "a poller pass linked to the export's request", func(spans []sdktrace.ReadOnlySpan) bool {
		for _, s := range spans {
			if s.Name() == "POST /api/v1/admin/tenants/:tenant/exports" && attr(s, "snapbridge.request_id") == requestID {
				created = s
			}
		}
		if created == nil {
			return false
		}
		for _, s := range spans {
			for _, l := range s.Links() {
				if s.Name() == "job exports" && l.SpanContext.SpanID() == created.SpanContext().SpanID() {
					if s.Parent().IsValid() {
						t.Errorf("the poller's pass is a child of %s, want a root span", s.Parent().SpanID())
					}
					return true
				}
			}
		}
		return false
	})
}
