package shared

import (
	"context"
	"sync"
	"time"
)

// DefaultLocalEntries bounds the cache entries (and counters) Local keeps.
const DefaultLocalEntries = 100_000

// Local is State kept in this process: what one instance needs, and what
// Failover falls back to while Redis is away. It is safe for concurrent
// use; the zero value is not usable, call NewLocal.
type Local struct {
	now func() time.Time
	max int

	mu       sync.Mutex
	values   map[string]localValue
	counters map[string]localCounter
	locks    map[string]*localLock
	subs     map[string]map[*localSub]struct{}
}

type localValue struct {
	value   []byte
	expires time.Time
}

type localCounter struct {
	n       int64
	expires time.Time
}

type localLock struct {
	done chan struct{}
	once sync.Once
}

type localSub struct{ fn func(string) }

// NewLocal returns an empty Local keeping at most max cache entries and
// as many counters (DefaultLocalEntries when max is zero); past that,
// expired entries are swept and then arbitrary ones dropped. now is the
// clock; nil means time.Now.
func NewLocal(max int, now func() time.Time) *Local {
	if max <= 0 {
		max = DefaultLocalEntries
	}
	if now == nil {
		now = time.Now
	}
	return &Local{now: now, max: max, values: map[string]localValue{}, counters: map[string]localCounter{},
		locks: map[string]*localLock{}, subs: map[string]map[*localSub]struct{}{}}
}

// Mode answers ModeLocal.
func (l *Local) Mode(context.Context) string { return ModeLocal }

// Get implements Cache.
func (l *Local) Get(_ context.Context, key string) ([]byte, bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	v, ok := l.values[key]
	if !ok {
		return nil, false, nil
	}
	if !l.now().Before(v.expires) {
		delete(l.values, key)
		return nil, false, nil
	}
	return append([]byte(nil), v.value...), true, nil
}

// Set implements Cache.
func (l *Local) Set(_ context.Context, key string, value []byte, ttl time.Duration) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.values[key] = localValue{value: append([]byte(nil), value...), expires: now.Add(max(ttl, time.Millisecond))}
	if len(l.values) > l.max {
		trim(l.values, l.max, func(v localValue) bool { return !now.Before(v.expires) })
	}
	return nil
}

// Delete implements Cache.
func (l *Local) Delete(_ context.Context, key string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.values, key)
	return nil
}

// Add implements Counters.
func (l *Local) Add(_ context.Context, key string, delta int64, ttl time.Duration) (int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	c, ok := l.counters[key]
	if !ok || !now.Before(c.expires) {
		c = localCounter{expires: now.Add(max(ttl, time.Millisecond))}
	}
	c.n += delta
	l.counters[key] = c
	if len(l.counters) > l.max {
		trim(l.counters, l.max, func(c localCounter) bool { return !now.Before(c.expires) })
	}
	return c.n, nil
}

// trim drops the expired entries of m, then arbitrary ones, until it
// holds at most max.
func trim[V any](m map[string]V, max int, expired func(V) bool) {
	for k, v := range m {
		if expired(v) {
			delete(m, k)
		}
	}
	for k := range m {
		if len(m) <= max {
			return
		}
		delete(m, k)
	}
}

// Take implements Locks.
func (l *Local) Take(ctx context.Context, key string, ttl time.Duration) (func(), bool, error) {
	l.mu.Lock()
	if held, ok := l.locks[key]; ok {
		l.mu.Unlock()
		select {
		case <-held.done:
			return nil, false, nil
		case <-ctx.Done():
			return nil, false, ctx.Err()
		}
	}
	lk := &localLock{done: make(chan struct{})}
	l.locks[key] = lk
	l.mu.Unlock()
	expiry := time.AfterFunc(max(ttl, time.Millisecond), func() { l.unlock(key, lk) })
	return func() { expiry.Stop(); l.unlock(key, lk) }, true, nil
}

func (l *Local) unlock(key string, lk *localLock) {
	l.mu.Lock()
	if l.locks[key] == lk {
		delete(l.locks, key)
	}
	l.mu.Unlock()
	lk.once.Do(func() { close(lk.done) })
}

// Publish implements Notifier: the subscribers of this process are
// called before it returns.
func (l *Local) Publish(_ context.Context, channel, message string) error {
	l.mu.Lock()
	subs := make([]*localSub, 0, len(l.subs[channel]))
	for s := range l.subs[channel] {
		subs = append(subs, s)
	}
	l.mu.Unlock()
	for _, s := range subs {
		s.fn(message)
	}
	return nil
}

// Subscribe implements Notifier.
func (l *Local) Subscribe(channel string, fn func(string)) func() {
	s := &localSub{fn: fn}
	l.mu.Lock()
	if l.subs[channel] == nil {
		l.subs[channel] = map[*localSub]struct{}{}
	}
	l.subs[channel][s] = struct{}{}
	l.mu.Unlock()
	return func() {
		l.mu.Lock()
		delete(l.subs[channel], s)
		l.mu.Unlock()
	}
}
