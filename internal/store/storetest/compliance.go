package storetest

import (
	"context"
	"errors"
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

// The archiver's writes are narrow and conditional: recording a run or a
// check changes only the columns the archiver owns, and a status moves
// only from the one the caller read, so an opt-out landing meanwhile on
// another instance is never undone.
func testComplianceArchiverWritesLeaveTheOptInAlone(t *testing.T, open Opener) {
	ctx := context.Background()
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	at, regulated := base.Add(time.Hour), base.Add(30*time.Minute)
	optedOut := store.ComplianceViewer{Tenant: "acme", Viewer: "v1", Member: "urn:li:person:abc", DeveloperApplication: "urn:li:developerApplication:7",
		Status: store.ComplianceOptedOut, OptedInAt: base, RegulatedAt: base, Cursor: base.Add(time.Minute),
		LastSyncAt: base.Add(2 * time.Minute), LastAttemptAt: base.Add(2 * time.Minute), LastError: "earlier failure",
		LastCheckAt: base.Add(3 * time.Minute), StatusChangedAt: base.Add(4 * time.Minute)}
	for _, tc := range []struct {
		scenario string
		stored   store.ComplianceViewer
		write    func(db store.Store) (bool, error)
		wantOK   bool
		want     func(v *store.ComplianceViewer)
	}{
		{scenario: "a successful run records its attempt and sync and clears the error", stored: optedOut,
			write: func(db store.Store) (bool, error) {
				return true, db.RecordComplianceAttempt(ctx, "acme", "v1", at, "")
			}, wantOK: true,
			want: func(v *store.ComplianceViewer) { v.LastAttemptAt, v.LastSyncAt, v.LastError = at, at, "" }},
		{scenario: "a failed run records its attempt and error and keeps the last sync", stored: optedOut,
			write: func(db store.Store) (bool, error) {
				return true, db.RecordComplianceAttempt(ctx, "acme", "v1", at, "LinkedIn 500")
			}, wantOK: true,
			want: func(v *store.ComplianceViewer) { v.LastAttemptAt, v.LastError = at, "LinkedIn 500" }},
		{scenario: "a check records when it ran and keeps the error", stored: optedOut,
			write: func(db store.Store) (bool, error) {
				return true, db.RecordComplianceCheck(ctx, "acme", "v1", at, "")
			}, wantOK: true,
			want: func(v *store.ComplianceViewer) { v.LastCheckAt = at }},
		{scenario: "a failed check records its error", stored: optedOut,
			write: func(db store.Store) (bool, error) {
				return true, db.RecordComplianceCheck(ctx, "acme", "v1", at, "authorization check failed")
			}, wantOK: true,
			want: func(v *store.ComplianceViewer) { v.LastCheckAt, v.LastError = at, "authorization check failed" }},
		{scenario: "a status swap from a status the row no longer holds is refused", stored: optedOut,
			write: func(db store.Store) (bool, error) {
				return db.SwapComplianceStatus(ctx, "acme", "v1", store.ComplianceOptedIn, store.ComplianceRevoked, at, time.Time{})
			}, wantOK: false,
			want: func(*store.ComplianceViewer) {}},
		{scenario: "a status swap from the held status moves it", stored: func() store.ComplianceViewer {
			v := optedOut
			v.Status = store.ComplianceRevoked
			return v
		}(),
			write: func(db store.Store) (bool, error) {
				return db.SwapComplianceStatus(ctx, "acme", "v1", store.ComplianceRevoked, store.ComplianceOptedIn, at, regulated)
			}, wantOK: true,
			want: func(v *store.ComplianceViewer) {
				v.Status, v.StatusChangedAt, v.RegulatedAt = store.ComplianceOptedIn, at, regulated
			}},
		{scenario: "a status swap without a new start of capture keeps the old one", stored: func() store.ComplianceViewer {
			v := optedOut
			v.Status = store.ComplianceOptedIn
			return v
		}(),
			write: func(db store.Store) (bool, error) {
				return db.SwapComplianceStatus(ctx, "acme", "v1", store.ComplianceOptedIn, store.ComplianceRevoked, at, time.Time{})
			}, wantOK: true,
			want: func(v *store.ComplianceViewer) { v.Status, v.StatusChangedAt = store.ComplianceRevoked, at }},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			db := open(t)
			if err := db.PutComplianceViewer(ctx, tc.stored); err != nil {
				t.Fatal(err)
			}
			ok, err := tc.write(db)
			if err != nil || ok != tc.wantOK {
				t.Fatalf("write = %v, %v; want %v", ok, err, tc.wantOK)
			}
			got, err := db.ComplianceViewerOf(ctx, "acme", "v1")
			if err != nil {
				t.Fatal(err)
			}
			want := tc.stored
			tc.want(&want)
			if got != want {
				t.Fatalf("stored\n %+v\nwant\n %+v", got, want)
			}
		})
	}
	db := open(t)
	for name, err := range map[string]error{
		"RecordComplianceAttempt": db.RecordComplianceAttempt(ctx, "acme", "nobody", at, ""),
		"RecordComplianceCheck":   db.RecordComplianceCheck(ctx, "acme", "nobody", at, ""),
	} {
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s of an unknown viewer: err = %v, want store.ErrNotFound", name, err)
		}
	}
	if ok, err := db.SwapComplianceStatus(ctx, "acme", "nobody", store.ComplianceOptedIn, store.ComplianceRevoked, at, time.Time{}); ok || err != nil {
		t.Errorf("swap of an unknown viewer = %v, %v; want false, nil", ok, err)
	}
	if err := db.RecordComplianceAttempt(ctx, "", "v1", at, ""); err == nil {
		t.Error("an attempt without tenant was accepted")
	}
	if _, err := db.SwapComplianceStatus(ctx, "acme", "v1", "", store.ComplianceRevoked, at, time.Time{}); err == nil {
		t.Error("a swap without from was accepted")
	}
}
