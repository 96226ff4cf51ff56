package shared

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultRedisTimeout bounds every Redis call, so that a slow Redis costs
// the widget at most this much before Failover answers from the process.
const DefaultRedisTimeout = 200 * time.Millisecond

// lockPoll is how often a waiter looks whether a Redis lock was released.
const lockPoll = 10 * time.Millisecond

// keyPrefix namespaces snapbridge's keys and channels in a shared Redis.
const keyPrefix = "snapbridge:"

// DefaultLockHeartbeat is how long a Redis lock outlives a holder that
// died: the holder keeps it for up to the ttl it asked for by renewing
// it every third of this, so an instance killed mid-fetch blocks the
// others for seconds, not for the whole ttl.
const DefaultLockHeartbeat = 3 * time.Second

// renewScript extends a lock only while it still holds the taker's token.
var renewScript = redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("PEXPIRE", KEYS[1], ARGV[2]) end return 0`)

// releaseScript deletes a lock only while it still holds the taker's
// token: a lock that expired and was taken by another stays theirs.
var releaseScript = redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end return 0`)

// Redis is State kept in a Redis server that every instance reaches. Each
// call is bounded by its timeout (DefaultRedisTimeout) and fails rather
// than waits when Redis is away; Failover turns such failures into
// in-process answers. It is safe for concurrent use.
type Redis struct {
	client    *redis.Client
	timeout   time.Duration
	heartbeat time.Duration // DefaultLockHeartbeat; shorter in tests
}

// ParseRedisURL checks a redis:// or rediss:// URL (user, password,
// database number and options as go-redis reads them).
func ParseRedisURL(raw string) (*redis.Options, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
		return nil, fmt.Errorf("%q is not a redis:// or rediss:// URL", redactURL(raw))
	}
	opts, err := redis.ParseURL(raw)
	if err != nil {
		return nil, fmt.Errorf("%q: %w", redactURL(raw), err)
	}
	return opts, nil
}

// redactURL hides a password so that a refused URL can be quoted.
func redactURL(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Redacted()
	}
	return "(unparsable URL)"
}

// NewRedis connects lazily to the Redis at rawURL (redis:// or rediss://)
// with every call bounded by timeout (DefaultRedisTimeout when zero). It
// does not dial: an unreachable Redis shows on the first call.
func NewRedis(rawURL string, timeout time.Duration) (*Redis, error) {
	opts, err := ParseRedisURL(rawURL)
	if err != nil {
		return nil, err
	}
	if timeout <= 0 {
		timeout = DefaultRedisTimeout
	}
	opts.DialTimeout, opts.ReadTimeout, opts.WriteTimeout = timeout, timeout, timeout
	opts.PoolTimeout = timeout
	opts.MaxRetries = -1 // a retry would double the time a caller waits on a Redis that is away
	opts.ContextTimeoutEnabled = true
	return &Redis{client: redis.NewClient(opts), timeout: timeout, heartbeat: DefaultLockHeartbeat}, nil
}

// AddHook runs every command through h (tracing, metrics); a nil h adds
// none. Call it before r is used.
func (r *Redis) AddHook(h redis.Hook) {
	if h != nil {
		r.client.AddHook(h)
	}
}

// Close closes the connections.
func (r *Redis) Close() error { return r.client.Close() }

// Mode answers ModeRedis when Redis answers a PING, ModeDegraded if not.
func (r *Redis) Mode(ctx context.Context) string {
	if r.Ping(ctx) != nil {
		return ModeDegraded
	}
	return ModeRedis
}

// Ping checks that Redis answers.
func (r *Redis) Ping(ctx context.Context) error {
	ctx, cancel := r.bound(ctx)
	defer cancel()
	return r.client.Ping(ctx).Err()
}

func (r *Redis) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, r.timeout)
}

// Get implements Cache.
func (r *Redis) Get(ctx context.Context, key string) ([]byte, bool, error) {
	ctx, cancel := r.bound(ctx)
	defer cancel()
	v, err := r.client.Get(ctx, keyPrefix+"cache:"+key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("redis get: %w", err)
	}
	return v, true, nil
}

// Set implements Cache.
func (r *Redis) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	ctx, cancel := r.bound(ctx)
	defer cancel()
	if err := r.client.Set(ctx, keyPrefix+"cache:"+key, value, max(ttl, time.Millisecond)).Err(); err != nil {
		return fmt.Errorf("redis set: %w", err)
	}
	return nil
}

// Delete implements Cache.
func (r *Redis) Delete(ctx context.Context, key string) error {
	ctx, cancel := r.bound(ctx)
	defer cancel()
	if err := r.client.Del(ctx, keyPrefix+"cache:"+key).Err(); err != nil {
		return fmt.Errorf("redis delete: %w", err)
	}
	return nil
}

// Add implements Counters.
func (r *Redis) Add(ctx context.Context, key string, delta int64, ttl time.Duration) (int64, error) {
	ctx, cancel := r.bound(ctx)
	defer cancel()
	k := keyPrefix + "count:" + key
	var incr *redis.IntCmd
	_, err := r.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		incr = p.IncrBy(ctx, k, delta)
		p.ExpireNX(ctx, k, max(ttl, time.Millisecond))
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("redis add: %w", err)
	}
	return incr.Val(), nil
}

// Take implements Locks. Each Redis call is bounded by the timeout; the
// wait for another holder is bounded by ctx and the lock's ttl. A lock
// longer than the heartbeat is stored for one heartbeat and renewed by
// its holder until release or ttl, so it outlives a dead holder by one
// heartbeat at most.
func (r *Redis) Take(ctx context.Context, key string, ttl time.Duration) (func(), bool, error) {
	k := keyPrefix + "lock:" + key
	token := randomToken()
	ttl = max(ttl, time.Millisecond)
	cctx, cancel := r.bound(ctx)
	taken, err := r.client.SetNX(cctx, k, token, min(ttl, r.heartbeat)).Result()
	cancel()
	if err != nil {
		return nil, false, fmt.Errorf("redis lock: %w", err)
	}
	if taken {
		stop := r.renew(k, token, ttl)
		var once sync.Once
		return func() {
			once.Do(func() {
				stop()
				// Released even when the caller's request ended meanwhile.
				rctx, cancel := context.WithTimeout(context.Background(), r.timeout)
				defer cancel()
				releaseScript.Run(rctx, r.client, []string{k}, token)
			})
		}, true, nil
	}
	tick := time.NewTicker(lockPoll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil, false, ctx.Err()
		case <-tick.C:
		}
		cctx, cancel := r.bound(ctx)
		n, err := r.client.Exists(cctx, k).Result()
		cancel()
		if err != nil {
			if err := callerEnded(ctx); err != nil {
				// The caller's deadline, not Redis, ended the wait.
				return nil, false, err
			}
			return nil, false, fmt.Errorf("redis lock wait: %w", err)
		}
		if n == 0 {
			return nil, false, nil
		}
	}
}

// renew keeps the lock k (held under token) alive one heartbeat at a time
// until ttl from now or until the returned stop is called. A renewal
// Redis refuses or misses leaves the lock to expire: at worst a second
// holder does the same work, never a wrong answer.
func (r *Redis) renew(k, token string, ttl time.Duration) (stop func()) {
	if ttl <= r.heartbeat {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		deadline := time.Now().Add(ttl)
		tick := time.NewTicker(r.heartbeat / 3)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			left := time.Until(deadline)
			if left <= 0 {
				return
			}
			ctx, cancel := context.WithTimeout(context.Background(), r.timeout)
			n, err := renewScript.Run(ctx, r.client, []string{k}, token, min(left, r.heartbeat).Milliseconds()).Int()
			cancel()
			if err == nil && n == 0 {
				return // expired meanwhile and perhaps taken by another: theirs now
			}
		}
	}()
	return func() { close(done) }
}

func randomToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Publish implements Notifier.
func (r *Redis) Publish(ctx context.Context, channel, message string) error {
	ctx, cancel := r.bound(ctx)
	defer cancel()
	if err := r.client.Publish(ctx, keyPrefix+"chan:"+channel, message).Err(); err != nil {
		return fmt.Errorf("redis publish: %w", err)
	}
	return nil
}

// Subscribe implements Notifier. The subscription is confirmed before it
// returns when Redis answers within the timeout; otherwise go-redis
// subscribes again each time it reconnects.
func (r *Redis) Subscribe(channel string, fn func(string)) func() {
	ps := r.client.Subscribe(context.Background(), keyPrefix+"chan:"+channel)
	ctx, cancel := context.WithTimeout(context.Background(), r.timeout)
	_, _ = ps.Receive(ctx)
	cancel()
	msgs := ps.Channel()
	go func() {
		for m := range msgs {
			fn(m.Payload)
		}
	}()
	return func() { ps.Close() }
}

// callerEnded is ctx's error, or DeadlineExceeded once its deadline has
// passed: a Redis call bounded by that deadline times out at the same
// instant, possibly a moment before the context itself says so.
func callerEnded(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
		return context.DeadlineExceeded
	}
	return nil
}
