package metrics

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/snapbridge/snapbridge/internal/store"
)

// Store wraps db so every call is timed and every failure counted by
// operation (the method's name), and the leases this instance holds are
// reported by kind. When m is nil it returns db unchanged.
func (m *Registry) Store(db store.Store) store.Store {
	if m == nil || db == nil {
		return db
	}
	return leaseWatch{Store: store.Observe(db, storeTimer{m}), m: m}
}

// storeTimer is the store.Observer that times store calls.
type storeTimer struct{ m *Registry }

// Begin times the call; a failure is counted, not found and stale are
// answers.
func (o storeTimer) Begin(ctx context.Context, op string) (context.Context, func(error)) {
	start := time.Now()
	return ctx, func(err error) {
		o.m.storeDuration.WithLabelValues(op).Observe(time.Since(start).Seconds())
		if err != nil && !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrStale) {
			o.m.storeErrors.WithLabelValues(op).Inc()
		}
	}
}

// leaseWatch follows the leases this instance takes and gives back.
type leaseWatch struct {
	store.Store
	m *Registry
}

// AcquireLease reports the lease held when the store granted it.
func (s leaseWatch) AcquireLease(ctx context.Context, name, owner string, ttl time.Duration, now time.Time) (bool, error) {
	held, err := s.Store.AcquireLease(ctx, name, owner, ttl, now)
	if err == nil {
		s.m.leaseHeld(name, held)
	}
	return held, err
}

// ReleaseLease reports the lease no longer held.
func (s leaseWatch) ReleaseLease(ctx context.Context, name, owner string) error {
	err := s.Store.ReleaseLease(ctx, name, owner)
	if err == nil {
		s.m.leaseHeld(name, false)
	}
	return err
}

// leaseHeld records whether this instance holds the lease name, and
// updates the gauge of its kind (the name up to its first ':').
func (m *Registry) leaseHeld(name string, held bool) {
	kind, _, _ := strings.Cut(name, ":")
	m.leaseMu.Lock()
	defer m.leaseMu.Unlock()
	if held == m.leases[name] {
		return
	}
	if held {
		m.leases[name] = true
		m.leasesHeld.WithLabelValues(kind).Inc()
	} else {
		delete(m.leases, name)
		m.leasesHeld.WithLabelValues(kind).Dec()
	}
}
