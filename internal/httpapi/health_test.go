package httpapi

import (
	"context"
	"errors"
	"testing"
	"time"
)

// A flood of readiness probes on a healthy server costs one database
// write a second; a failing database is checked on every probe, so the
// moment it recovers shows.
func TestReadinessProbesShareARecentSuccess(t *testing.T) {
	var r readiness
	checks := 0
	var fail error
	check := func(context.Context) error { checks++; return fail }
	t0 := time.Unix(1_700_000_000, 0)
	for i := range 100 {
		if _, _, err := r.probe(context.Background(), t0.Add(time.Duration(i)*time.Millisecond), check); err != nil {
			t.Fatalf("probe %d: %v", i, err)
		}
	}
	if checks != 1 {
		t.Fatalf("100 probes within a second made %d checks, want 1", checks)
	}
	if _, _, _ = r.probe(context.Background(), t0.Add(readinessEvery), check); checks != 2 {
		t.Fatalf("a probe a second later made %d checks in all, want 2", checks)
	}
	fail = errors.New("disk full")
	at := t0.Add(2 * readinessEvery)
	for i := range 3 {
		reason, changed, err := r.probe(context.Background(), at, check)
		if err == nil || reason == "" || changed != (i == 0) {
			t.Fatalf("failing probe %d: reason %q changed %v err %v; want a reason, changed only the first time", i, reason, changed, err)
		}
	}
	if checks != 5 {
		t.Fatalf("three failing probes at one instant made %d checks in all, want every one checked (5)", checks)
	}
	fail = nil
	if _, changed, err := r.probe(context.Background(), at, check); err != nil || !changed {
		t.Fatalf("recovered probe: changed %v err %v; want ready again at once", changed, err)
	}
}
