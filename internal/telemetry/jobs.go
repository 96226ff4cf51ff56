package telemetry

import (
	"context"
	"sync"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// maxLinks bounds the requests one piece of background work links to.
const maxLinks = 32

// Job starts the root span "job <name>" of one pass of a periodic
// background job (export poller, compliance archiver), linked to the
// requests that asked for work since the previous pass (see Requests).
func (t *Tracing) Job(ctx context.Context, name string, from []trace.SpanContext, attrs ...attribute.KeyValue) (context.Context, trace.Span) {
	if t == nil || !t.on {
		return ctx, noopSpan
	}
	links := make([]trace.Link, len(from))
	for i, sc := range from {
		links[i] = trace.Link{SpanContext: sc}
	}
	return t.tracer.Start(ctx, "job "+name, trace.WithNewRoot(), trace.WithLinks(links...),
		trace.WithAttributes(append(attrs, AttrJob.String(name))...))
}

// Continue starts the span name of work a request queued and another
// goroutine does (a batch of look-ups): a child of the first request in
// from, so it shows in that request's trace, and linked to the others
// that share it; a root span when from is empty.
func (t *Tracing) Continue(ctx context.Context, name string, from []trace.SpanContext, attrs ...attribute.KeyValue) (context.Context, trace.Span) {
	if t == nil || !t.on {
		return ctx, noopSpan
	}
	opts := []trace.SpanStartOption{trace.WithAttributes(attrs...)}
	if len(from) > 0 {
		ctx = trace.ContextWithSpanContext(ctx, from[0])
		links := make([]trace.Link, 0, len(from)-1)
		for _, sc := range from[1:] {
			links = append(links, trace.Link{SpanContext: sc})
		}
		opts = append(opts, trace.WithLinks(links...))
	}
	return t.tracer.Start(ctx, name, opts...)
}

// Requests collects the spans of the requests that queued background
// work, for the span of the work to link to. The zero value is ready; it
// is safe for concurrent use.
type Requests struct {
	mu   sync.Mutex
	from []trace.SpanContext
}

// Add notes the request span ctx carries, if any (at most 32 are kept
// until Take).
func (r *Requests) Add(ctx context.Context) {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() || !sc.IsSampled() {
		return
	}
	r.mu.Lock()
	if len(r.from) < maxLinks {
		r.from = append(r.from, sc)
	}
	r.mu.Unlock()
}

// Take returns the spans noted since the last Take and forgets them.
func (r *Requests) Take() []trace.SpanContext {
	r.mu.Lock()
	defer r.mu.Unlock()
	from := r.from
	r.from = nil
	return from
}
