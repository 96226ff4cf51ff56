package shared

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// DefaultRetryEvery is how often Failover tries Redis again while it is
// away.
const DefaultRetryEvery = time.Second

// Failover is State kept in Redis while Redis answers, and in the process
// (Local) while it does not: caches and locks are then per instance, which
// costs extra LinkedIn calls but no answer. One failed call switches it
// to the process; one call every RetryEvery then tries Redis again, and
// the first that succeeds switches it back. Each switch is logged once.
// It is safe for concurrent use.
type Failover struct {
	redis      *Redis
	local      *Local
	logger     *slog.Logger
	now        func() time.Time
	retryEvery time.Duration

	mu       sync.Mutex
	down     bool
	nextTry  time.Time
	channels map[string]bool // subscribed to: told MissedMessages on recovery
}

// FailoverConfig configures a Failover.
type FailoverConfig struct {
	// Redis is the shared state; required.
	Redis *Redis
	// Local answers while Redis is away. Default: NewLocal(0, Now).
	Local *Local
	// Logger hears each switch. Default: slog.Default().
	Logger *slog.Logger
	// RetryEvery is how often Redis is tried while away. Default: DefaultRetryEvery.
	RetryEvery time.Duration
	// Now is the clock. Default: time.Now.
	Now func() time.Time
}

// NewFailover returns a Failover that starts on Redis.
func NewFailover(cfg FailoverConfig) *Failover {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Local == nil {
		cfg.Local = NewLocal(0, cfg.Now)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.RetryEvery <= 0 {
		cfg.RetryEvery = DefaultRetryEvery
	}
	return &Failover{redis: cfg.Redis, local: cfg.Local, logger: cfg.Logger, now: cfg.Now, retryEvery: cfg.RetryEvery}
}

// Close closes the Redis connections.
func (f *Failover) Close() error { return f.redis.Close() }

// Mode answers ModeRedis or ModeDegraded; while degraded and a retry is
// due, it tries Redis first (so /readyz shows a recovery at once).
func (f *Failover) Mode(ctx context.Context) string {
	if f.onRedis() {
		f.observe(ctx, f.redis.Ping(ctx))
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return ModeDegraded
	}
	return ModeRedis
}

// Degraded reports, without calling Redis, whether f answers from the
// process because Redis failed at the last call: notifications published
// on other instances do not reach this one meanwhile.
func (f *Failover) Degraded() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.down
}

// onRedis says whether this call goes to Redis: always while Redis is up,
// and while it is away one call per retryEvery (the first to ask).
func (f *Failover) onRedis() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.down {
		return true
	}
	now := f.now()
	if now.Before(f.nextTry) {
		return false
	}
	f.nextTry = now.Add(f.retryEvery)
	return true
}

// observe records the outcome of a Redis call and answers whether the
// call failed for Redis's sake (then the caller answers from Local). A
// call that failed because the caller's own context ended says nothing
// about Redis.
func (f *Failover) observe(ctx context.Context, err error) (failed bool) {
	if err != nil && ctx.Err() != nil {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case err == nil && f.down:
		f.down = false
		f.logger.Info("Redis answers again: state is shared across instances again")
		// What other instances published while Redis was away never
		// reached this one: tell its subscribers, so they read again.
		for ch := range f.channels {
			go f.local.Publish(context.Background(), ch, MissedMessages) //nolint:errcheck // in-process
		}
	case err != nil && !f.down:
		f.down = true
		f.nextTry = f.now().Add(f.retryEvery)
		f.logger.Warn("Redis does not answer: caches and locks are per instance until it does (degraded)", "err", err.Error())
	}
	return err != nil
}

// Get implements Cache.
func (f *Failover) Get(ctx context.Context, key string) ([]byte, bool, error) {
	if f.onRedis() {
		v, ok, err := f.redis.Get(ctx, key)
		if !f.observe(ctx, err) {
			return v, ok, err
		}
	}
	return f.local.Get(ctx, key)
}

// Set implements Cache.
func (f *Failover) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if f.onRedis() {
		err := f.redis.Set(ctx, key, value, ttl)
		if !f.observe(ctx, err) {
			return err
		}
	}
	return f.local.Set(ctx, key, value, ttl)
}

// Delete implements Cache. The value is deleted from the process too, so
// that one stored while Redis was away does not come back.
func (f *Failover) Delete(ctx context.Context, key string) error {
	_ = f.local.Delete(ctx, key)
	if f.onRedis() {
		err := f.redis.Delete(ctx, key)
		if !f.observe(ctx, err) {
			return err
		}
	}
	return nil
}

// Add implements Counters; while Redis is away the figures are this
// instance's.
func (f *Failover) Add(ctx context.Context, key string, delta int64, ttl time.Duration) (int64, error) {
	if f.onRedis() {
		n, err := f.redis.Add(ctx, key, delta, ttl)
		if !f.observe(ctx, err) {
			return n, err
		}
	}
	return f.local.Add(ctx, key, delta, ttl)
}

// Take implements Locks; while Redis is away the lock is this instance's.
func (f *Failover) Take(ctx context.Context, key string, ttl time.Duration) (func(), bool, error) {
	if f.onRedis() {
		release, taken, err := f.redis.Take(ctx, key, ttl)
		if !f.observe(ctx, err) {
			return release, taken, err
		}
	}
	return f.local.Take(ctx, key, ttl)
}

// Publish implements Notifier; while Redis is away only this instance's
// subscribers hear it.
func (f *Failover) Publish(ctx context.Context, channel, message string) error {
	if f.onRedis() {
		err := f.redis.Publish(ctx, channel, message)
		if !f.observe(ctx, err) {
			return err
		}
	}
	return f.local.Publish(ctx, channel, message)
}

// Subscribe implements Notifier: fn hears what Redis carries and, while
// Redis is away, what this instance publishes; when Redis answers again
// after being away, fn hears MissedMessages.
func (f *Failover) Subscribe(channel string, fn func(string)) func() {
	f.mu.Lock()
	if f.channels == nil {
		f.channels = map[string]bool{}
	}
	f.channels[channel] = true
	f.mu.Unlock()
	stopRedis := f.redis.Subscribe(channel, fn)
	stopLocal := f.local.Subscribe(channel, fn)
	return func() { stopRedis(); stopLocal() }
}
