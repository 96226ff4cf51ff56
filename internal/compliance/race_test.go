package compliance

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/store"
)

// racingStore is the real store of an archiving instance whose first
// write to a viewer's row is preceded by before: another instance's
// action landing between what the archiver read and what it writes, the
// worst moment.
type racingStore struct {
	Store
	once   sync.Once
	before func()
	fired  bool
}

func (r *racingStore) race() {
	r.once.Do(func() { r.fired = true; r.before() })
}

func (r *racingStore) PutComplianceViewer(ctx context.Context, v store.ComplianceViewer) error {
	r.race()
	return r.Store.PutComplianceViewer(ctx, v)
}

func (r *racingStore) RecordComplianceAttempt(ctx context.Context, tenant, viewer string, at time.Time, errText string) error {
	r.race()
	return r.Store.RecordComplianceAttempt(ctx, tenant, viewer, at, errText)
}

func (r *racingStore) RecordComplianceCheck(ctx context.Context, tenant, viewer string, at time.Time, errText string) error {
	r.race()
	return r.Store.RecordComplianceCheck(ctx, tenant, viewer, at, errText)
}

func (r *racingStore) SwapComplianceStatus(ctx context.Context, tenant, viewer, from, to string, at, regulatedAt time.Time) (bool, error) {
	r.race()
	return r.Store.SwapComplianceStatus(ctx, tenant, viewer, from, to, at, regulatedAt)
}

// TestOptOutDuringArchivingStaysOptedOut: a viewer who opts out on one
// instance while another instance syncs their archive (a console "sync
// now" or the scheduled run) or re-checks their authorization stays
// opted out: the archiver never writes the opt-in back.
func TestOptOutDuringArchivingStaysOptedOut(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		scenario string
		archive  func(e *env, archiver *Service)
	}{
		{scenario: "a sync records its run", archive: func(e *env, archiver *Service) {
			e.li.add(testNow, time.Minute, 2*time.Minute)
			e.clock.advance(time.Minute)
			if _, err := archiver.Sync(ctx, "acme", "v1"); err != nil {
				t.Fatal(err)
			}
		}},
		{scenario: "the scheduled run records an authorization check", archive: func(e *env, archiver *Service) {
			e.clock.advance(7 * time.Hour)
			archiver.pass(ctx)
		}},
		{scenario: "the scheduled run records a failed authorization check", archive: func(e *env, archiver *Service) {
			e.clock.advance(7 * time.Hour)
			archiver.members = &fakeMembers{err: errors.New("token store unavailable")}
			archiver.pass(ctx)
		}},
		{scenario: "the console reads the status", archive: func(e *env, archiver *Service) {
			if _, err := archiver.Status(ctx, acme, "v1"); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			e := newEnv(t)
			if _, err := e.svc.OptIn(ctx, acme, "v1"); err != nil {
				t.Fatal(err)
			}
			// e.svc is the instance the viewer opts out on; archiver another.
			rs := &racingStore{Store: e.db, before: func() {
				if _, err := e.svc.OptOut(ctx, acme, "v1"); err != nil {
					t.Errorf("opt-out: %v", err)
				}
			}}
			archiver := New(Config{SyncInterval: time.Hour, StatusInterval: 6 * time.Hour, PageSize: 3, Now: e.clock.Now},
				rs, e.li, e.members, tenants{"acme": acme})
			tc.archive(e, archiver)
			if !rs.fired {
				t.Fatal("the archiver wrote nothing to the viewer's row: the opt-out never raced it")
			}
			v, err := e.db.ComplianceViewerOf(ctx, "acme", "v1")
			if err != nil {
				t.Fatal(err)
			}
			if v.Status != store.ComplianceOptedOut {
				t.Fatalf("status %s after the archiver finished, want %s: the opt-out was undone", v.Status, store.ComplianceOptedOut)
			}
		})
	}
}
