package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/store"
)

// The audit log lists a tenant's entries newest first, bounded by limit.
func testAudit(t *testing.T, open Opener) {
	ctx := context.Background()
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	db := open(t)
	for i := range 5 {
		if err := db.AddAudit(ctx, store.AuditEntry{Tenant: "acme", Actor: "operator", Action: fmt.Sprintf("a%d", i), At: t0.Add(time.Duration(i) * time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.AddAudit(ctx, store.AuditEntry{Tenant: "other", Actor: "operator", Action: "x", At: t0}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		scenario string
		tenant   string
		limit    int
		want     []string
	}{
		{"newest first", "acme", 10, []string{"a4", "a3", "a2", "a1", "a0"}},
		{"limited", "acme", 2, []string{"a4", "a3"}},
		{"zero limit means the maximum", "acme", 0, []string{"a4", "a3", "a2", "a1", "a0"}},
		{"only the tenant's own", "other", 10, []string{"x"}},
		{"none", "nobody", 10, nil},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			got, err := db.Audit(ctx, tc.tenant, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			var actions []string
			for _, e := range got {
				actions = append(actions, e.Action)
			}
			if fmt.Sprint(actions) != fmt.Sprint(tc.want) {
				t.Errorf("actions = %v, want %v", actions, tc.want)
			}
		})
	}
	if err := db.AddAudit(ctx, store.AuditEntry{Tenant: "acme", Action: "x"}); err == nil {
		t.Error("an entry without actor was accepted")
	}
}
