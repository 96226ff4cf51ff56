package telemetry

import (
	"context"
	"errors"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/snapbridge/snapbridge/internal/store"
)

// Store returns db with each call made within a traced request or job
// in a client span "store <Method>" (db.system.name engine, sqlite or
// postgresql; db.operation.name the method). Arguments never go into the
// span. Calls outside any span (the purger) make none. db itself when
// tracing is off.
func (t *Tracing) Store(db store.Store, engine string) store.Store {
	if t == nil || !t.on {
		return db
	}
	return store.Observe(db, storeSpans{t: t, engine: attribute.String("db.system.name", engine)})
}

// storeSpans is the store.Observer that puts store calls in spans.
type storeSpans struct {
	t      *Tracing
	engine attribute.KeyValue
}

// Begin starts the call's span when its caller is traced. A failed call
// marks it; not found and stale are answers, not failures, and no error's
// text is quoted (it may carry ids).
func (o storeSpans) Begin(ctx context.Context, method string) (context.Context, func(error)) {
	if !trace.SpanFromContext(ctx).IsRecording() {
		return ctx, endNothing
	}
	ctx, span := o.t.tracer.Start(ctx, "store "+method, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(o.engine, attribute.String("db.operation.name", method)))
	return ctx, func(err error) {
		if err != nil && !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrStale) {
			span.SetStatus(codes.Error, "store error")
		}
		span.End()
	}
}

// endNothing ends a call made outside any trace.
func endNothing(error) {}
