// Package shared is the state that instances of snapbridge share when
// they run side by side: a TTL cache of bytes, short locks with waiters,
// and change notifications. Local keeps it in the process (one instance,
// the default); Redis keeps it in a Redis server every instance reaches;
// Failover uses Redis and falls back to Local while Redis is down or slow.
//
// Values are stored as given: a service whose value is a secret seals it
// with the key ring (Seal, Open) before it stores it, so no secret reaches
// Redis in plaintext.
package shared

import (
	"context"
	"time"
)

// Cache is a cache of byte values that expire.
type Cache interface {
	// Get returns the value stored under key and true, or false when there
	// is none or it expired.
	Get(ctx context.Context, key string) ([]byte, bool, error)
	// Set stores value under key for ttl (at least a millisecond),
	// replacing any value stored before.
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error
	// Delete removes the value under key; removing nothing is no error.
	Delete(ctx context.Context, key string) error
}

// Locks hands out short locks that expire by themselves, so an instance
// that dies holding one blocks the others for ttl at most.
type Locks interface {
	// Take takes the lock key for ttl. When it was free, Take answers
	// taken and a release func: the holder does the work, stores its
	// result and calls release (calling it again, or after the lock
	// expired, does nothing). When another holds it, Take waits until it
	// is released or expires, or ctx ends, and answers not taken: the
	// caller then reads the result the holder stored, and may Take again
	// when there is none.
	Take(ctx context.Context, key string, ttl time.Duration) (release func(), taken bool, err error)
}

// Notifier passes short messages (a tenant id, say) on named channels to
// every subscriber, on this instance and the others. Delivery is at most
// once: a subscriber that must not miss a change also reloads on its own
// schedule.
type Notifier interface {
	// Publish sends message to the subscribers of channel.
	Publish(ctx context.Context, channel, message string) error
	// Subscribe calls fn with each message published on channel until
	// stop is called. fn must return quickly: Local calls it from the
	// publisher's goroutine, Redis from one goroutine per subscription.
	Subscribe(channel string, fn func(message string)) (stop func())
}

// MissedMessages is the message a subscriber hears when messages of its
// channel may have been missed (Redis was away and is back): it should
// read again whatever the channel tells it about.
const MissedMessages = "\x00missed"

// Counters are integer counters that expire, for figures several
// instances add to (health counts per tenant, say).
type Counters interface {
	// Add adds delta to the counter key, created at zero, and answers its
	// new value; the counter expires ttl after it was created.
	Add(ctx context.Context, key string, delta int64, ttl time.Duration) (int64, error)
}

// State is everything shared. Its Mode says where it is kept.
type State interface {
	Cache
	Locks
	Notifier
	Counters
	// Mode is ModeLocal, ModeRedis or ModeDegraded.
	Mode(ctx context.Context) string
}

// The answers of State.Mode, shown in /readyz.
const (
	// ModeLocal: no Redis configured; state is kept in this process.
	ModeLocal = "in-process"
	// ModeRedis: state is shared through Redis.
	ModeRedis = "redis"
	// ModeDegraded: Redis is configured but does not answer; state is
	// kept in this process until it does again.
	ModeDegraded = "degraded"
)
