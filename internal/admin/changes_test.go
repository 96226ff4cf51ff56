package admin

import (
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/shared"
	"github.com/snapbridge/snapbridge/internal/shared/redistest"
	"github.com/snapbridge/snapbridge/internal/tenant"
)

// TestTenantEditOnOneInstanceAppliesOnEveryInstanceWithinASecond: two
// instances on one database and one Redis; a tenant created and then
// edited on one is served with its new settings by the other within a
// second.
func TestTenantEditOnOneInstanceAppliesOnEveryInstanceWithinASecond(t *testing.T) {
	f := newFixture(t)
	url := redistest.Start(t).URL
	instance := func() *Service {
		r, err := shared.NewRedis(url, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close() })
		reg, err := tenant.NewRegistry(nil)
		if err != nil {
			t.Fatal(err)
		}
		svc := New(Deps{Store: f.db, Ring: f.ring, Tenants: reg, AppTokens: f.apps, LinkedIn: f.li,
			Now: func() time.Time { return f.now }, Changes: r})
		if _, err := svc.Load(t.Context(), f.seeds); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(svc.FollowChanges())
		return svc
	}
	a, b := instance(), instance()

	within := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within a second", what)
			}
		}
	}
	if _, err := a.CreateTenant(t.Context(), "operator", spec("acme")); err != nil {
		t.Fatal(err)
	}
	within("the created tenant is served by the other instance", func() bool { _, ok := b.Tenants.Get("acme"); return ok })

	edit := spec("acme")
	edit.Name = "Acme, renamed"
	edit.DailyLookupBudget = 77
	if _, err := a.UpdateTenant(t.Context(), "operator", "acme", edit, 0); err != nil {
		t.Fatal(err)
	}
	within("the edit is in force on the other instance", func() bool {
		got, ok := b.Tenants.Get("acme")
		return ok && got.Name == "Acme, renamed" && got.DailyLookupBudget == 77
	})
}

// TestHealthCountsAreTheClusters: LinkedIn failures met on any instance
// show on every instance's health page.
func TestHealthCountsAreTheClusters(t *testing.T) {
	url := redistest.Start(t).URL
	stats := func() *ErrorStats {
		r, err := shared.NewRedis(url, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close() })
		return NewErrorStats(nil).Share(r)
	}
	a, b := stats(), stats()
	a.Record("acme", &linkedin.Error{Status: 429, Message: "Too many requests"})
	b.Record("acme", &linkedin.Error{Status: 503, Message: "unavailable"})
	b.Record("acme", &linkedin.Error{Status: 400, ServiceErrorCode: linkedin.CodeCRMSyncDisabled})
	for _, s := range []*ErrorStats{a, b} {
		c := s.Counts("acme")
		if c.Throttled != 1 || c.ServerErrors != 1 || c.Last == nil || c.Last.Kind != "5xx" {
			t.Fatalf("counts %+v, want the cluster's 429 and 5xx, the 5xx last", c)
		}
		if got := s.CRMSync("acme"); got != CRMSyncDisabled {
			t.Fatalf("crmSync = %s, want disabled as another instance saw", got)
		}
		if other := s.Counts("globex"); other != (ErrorCounts{}) {
			t.Fatalf("another tenant counts %+v", other)
		}
	}
}

// TestEditsMissedWhileRedisWasAwayApplyWhenItReturns: an instance that
// could not hear other instances (Redis away) reads every tenant again
// when told it may have missed messages, so edits made meanwhile apply.
func TestEditsMissedWhileRedisWasAwayApplyWhenItReturns(t *testing.T) {
	f := newFixture(t)
	bus := shared.NewLocal(0, nil)
	instance := func(changes Changes) *Service {
		reg, err := tenant.NewRegistry(nil)
		if err != nil {
			t.Fatal(err)
		}
		svc := New(Deps{Store: f.db, Ring: f.ring, Tenants: reg, AppTokens: f.apps, LinkedIn: f.li,
			Now: func() time.Time { return f.now }, Changes: changes})
		if _, err := svc.Load(t.Context(), f.seeds); err != nil {
			t.Fatal(err)
		}
		return svc
	}
	listener := instance(bus)
	t.Cleanup(listener.FollowChanges())
	// Another instance edits while this one hears nothing of it.
	editor := instance(nil)
	if _, err := editor.CreateTenant(t.Context(), "operator", spec("acme")); err != nil {
		t.Fatal(err)
	}
	if _, ok := listener.Tenants.Get("acme"); ok {
		t.Fatal("the listener knew the tenant before being told anything")
	}
	if err := bus.Publish(t.Context(), tenantsChannel, shared.MissedMessages); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(time.Second); ; time.Sleep(5 * time.Millisecond) {
		if _, ok := listener.Tenants.Get("acme"); ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the tenant created elsewhere is not served within a second of the missed-messages notice")
		}
	}
}
