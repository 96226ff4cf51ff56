package metrics

import (
	"context"
	"errors"
	"net"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisHook returns a go-redis hook timing every command and pipeline and
// counting failures (redis.Nil, a missing key, is not one). nil when m is
// nil.
func (m *Registry) RedisHook() redis.Hook {
	if m == nil {
		return nil
	}
	return redisHook{m}
}

type redisHook struct{ m *Registry }

func (h redisHook) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		start := time.Now()
		conn, err := next(ctx, network, addr)
		h.observe("dial", start, err)
		return conn, err
	}
}

func (h redisHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		start := time.Now()
		err := next(ctx, cmd)
		h.observe(commandName(cmd), start, err)
		return err
	}
}

func (h redisHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		start := time.Now()
		err := next(ctx, cmds)
		h.observe(pipelineName(cmds), start, err)
		return err
	}
}

func (h redisHook) observe(command string, start time.Time, err error) {
	h.m.redisDuration.WithLabelValues(command).Observe(time.Since(start).Seconds())
	// go-redis itself tolerates a connection handshake a Redis older than
	// 7.2 answers in part (CLIENT SETINFO is unknown there).
	if err != nil && !errors.Is(err, redis.Nil) && command != "handshake" && command != "client" {
		h.m.redisErrors.WithLabelValues(command).Inc()
	}
}

// redisCommands bounds the command label to the commands snapbridge sends.
var redisCommands = map[string]bool{
	"get": true, "set": true, "del": true, "incrby": true, "expire": true, "pexpire": true, "publish": true,
	"subscribe": true, "evalsha": true, "eval": true, "ping": true, "setnx": true, "mget": true, "exists": true,
	"ttl": true, "pttl": true, "hello": true, "client": true, "script": true, "incr": true, "getex": true,
}

// handshakeCommands are what go-redis sends when it opens a connection.
var handshakeCommands = map[string]bool{"hello": true, "client": true, "auth": true, "select": true, "ping": true}

// pipelineName is "handshake" for a connection's opening pipeline,
// "pipeline" for any other.
func pipelineName(cmds []redis.Cmder) string {
	for _, c := range cmds {
		if !handshakeCommands[strings.ToLower(c.Name())] {
			return "pipeline"
		}
	}
	return "handshake"
}

func commandName(cmd redis.Cmder) string {
	name := strings.ToLower(cmd.Name())
	if redisCommands[name] {
		return name
	}
	return "other"
}
