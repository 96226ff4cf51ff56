package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/store"
)

func testComplianceArchiveWalksEveryEventOnce(t *testing.T, open Opener) {
	ctx := context.Background()
	db := open(t)
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for _, viewer := range []string{"v1", "v2"} {
		if err := db.PutComplianceViewer(ctx, store.ComplianceViewer{Tenant: "acme", Viewer: viewer, Status: store.ComplianceOptedIn}); err != nil {
			t.Fatal(err)
		}
		var events []store.ComplianceEventRow
		// 700 events per viewer, seven per instant: pages of 500 end in the
		// middle of an instant, which must neither skip nor repeat rows.
		for i := range 700 {
			events = append(events, store.ComplianceEventRow{ID: fmt.Sprintf("urn:li:complianceEvent:%s-%04d", viewer, i),
				ProcessedAt: base.Add(time.Duration(i/7) * time.Second), Raw: []byte(`{}`), ArchivedAt: base})
		}
		added, err := db.ArchiveComplianceEvents(ctx, "acme", viewer, events, base.Add(100*time.Second))
		if err != nil || added != 700 {
			t.Fatalf("archive %s: %d added, %v", viewer, added, err)
		}
		if again, err := db.ArchiveComplianceEvents(ctx, "acme", viewer, events[:10], base); err != nil || again != 0 {
			t.Fatalf("archiving known events again added %d, %v", again, err)
		}
	}
	tests := []struct {
		scenario string
		q        store.ComplianceEventQuery
		want     int
	}{
		{scenario: "every viewer of the tenant", q: store.ComplianceEventQuery{Tenant: "acme"}, want: 1400},
		{scenario: "one viewer", q: store.ComplianceEventQuery{Tenant: "acme", Viewer: "v2"}, want: 700},
		{scenario: "a range, from inclusive and to exclusive", q: store.ComplianceEventQuery{Tenant: "acme", Viewer: "v1",
			From: base.Add(10 * time.Second), To: base.Add(20 * time.Second)}, want: 70},
		{scenario: "another tenant sees nothing", q: store.ComplianceEventQuery{Tenant: "globex"}, want: 0},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			seen := map[string]bool{}
			var last time.Time
			err := db.EachComplianceEvent(ctx, tc.q, func(e store.ComplianceEventRow) error {
				if seen[e.Viewer+e.ID] {
					return fmt.Errorf("event %s returned twice", e.ID)
				}
				if e.ProcessedAt.Before(last) {
					return fmt.Errorf("event %s out of order", e.ID)
				}
				seen[e.Viewer+e.ID], last = true, e.ProcessedAt
				return nil
			})
			if err != nil || len(seen) != tc.want {
				t.Fatalf("walked %d events (%v), want %d", len(seen), err, tc.want)
			}
		})
	}
	v, err := db.ComplianceViewerOf(ctx, "acme", "v1")
	if err != nil || v.Events != 700 || !v.Cursor.Equal(base.Add(100*time.Second)) {
		t.Fatalf("viewer = %+v, %v; want 700 events and the cursor moved", v, err)
	}
}
