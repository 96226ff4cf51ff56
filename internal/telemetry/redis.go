package telemetry

import (
	"context"
	"net"

	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// RedisHook returns the go-redis hook that runs each command (and each
// pipeline) of a traced request or job in a client span "redis <command>"
// with the command's name only: keys name tenants' viewers and records.
// A command outside any span (heartbeats, subscriptions) makes none. Nil
// on a nil Tracing or with tracing off.
func (t *Tracing) RedisHook() redis.Hook {
	if t == nil || !t.on {
		return nil
	}
	return redisHook{t}
}

type redisHook struct{ t *Tracing }

// DialHook implements redis.Hook.
func (redisHook) DialHook(next redis.DialHook) redis.DialHook { return next }

// ProcessHook implements redis.Hook.
func (h redisHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if !trace.SpanFromContext(ctx).IsRecording() || connectionSetup[cmd.Name()] {
			return next(ctx, cmd)
		}
		ctx, span := h.start(ctx, cmd.Name(), 1)
		defer span.End()
		err := next(ctx, cmd)
		h.end(span, err)
		return err
	}
}

// ProcessPipelineHook implements redis.Hook.
func (h redisHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if !trace.SpanFromContext(ctx).IsRecording() || setupOnly(cmds) {
			return next(ctx, cmds)
		}
		ctx, span := h.start(ctx, "pipeline", len(cmds))
		defer span.End()
		err := next(ctx, cmds)
		h.end(span, err)
		return err
	}
}

// connectionSetup are the commands go-redis sends on a new connection:
// they belong to no request's work.
var connectionSetup = map[string]bool{"hello": true, "client": true, "auth": true, "select": true, "readonly": true}

func setupOnly(cmds []redis.Cmder) bool {
	for _, c := range cmds {
		if !connectionSetup[c.Name()] {
			return false
		}
	}
	return true
}

func (h redisHook) start(ctx context.Context, op string, n int) (context.Context, trace.Span) {
	return h.t.tracer.Start(ctx, "redis "+op, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(
		attribute.String("db.system.name", "redis"), attribute.String("db.operation.name", op),
		attribute.Int("db.operation.batch.size", n)))
}

// end marks a failed command; a missing key (redis.Nil) is an answer,
// not a failure, and a failure's text is not quoted (it may name a key).
func (redisHook) end(span trace.Span, err error) {
	if err == nil || err == redis.Nil {
		return
	}
	msg := "redis error"
	if _, ok := err.(net.Error); ok {
		msg = "connection failed"
	}
	span.SetStatus(codes.Error, msg)
}
