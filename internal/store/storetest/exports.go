package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/store"
)

func testAnalyticsExports(t *testing.T, open Opener) {
	ctx := context.Background()
	db := open(t)
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var ids []int64
	for i, tenant := range []string{"acme", "acme", "globex", "acme"} {
		j, err := db.InsertAnalyticsExport(ctx, store.AnalyticsExport{Tenant: tenant, Viewer: "v1", Actor: "viewer:v1",
			Contract: "urn:li:contract:1", Action: "exportSeatData", StartAt: at.Add(-time.Hour), EndAt: at,
			Status: store.JobWaiting, CreatedAt: at.Add(time.Duration(i) * time.Second)})
		if err != nil {
			t.Fatalf("InsertAnalyticsExport: %v", err)
		}
		if len(ids) > 0 && j.ID <= ids[len(ids)-1] {
			t.Fatalf("ids %v then %d: want them to grow", ids, j.ID)
		}
		if !j.UpdatedAt.Equal(j.CreatedAt) {
			t.Fatalf("UpdatedAt = %v, want CreatedAt %v", j.UpdatedAt, j.CreatedAt)
		}
		ids = append(ids, j.ID)
	}
	if _, err := db.InsertAnalyticsExport(ctx, store.AnalyticsExport{Tenant: "acme"}); err == nil {
		t.Fatal("InsertAnalyticsExport accepted a job without contract, action and status")
	}

	running, _ := db.AnalyticsExportByID(ctx, "acme", ids[1])
	running.Status, running.LinkedInStatus, running.LinkedInID = store.JobRunning, "PROCESSING", 77
	running.SubmittedAt, running.UpdatedAt, running.NextPollAt = at.Add(time.Minute), at.Add(time.Minute), at.Add(2*time.Minute)
	if err := db.UpdateAnalyticsExport(ctx, running); err != nil {
		t.Fatalf("UpdateAnalyticsExport: %v", err)
	}
	if err := db.UpdateAnalyticsExport(ctx, store.AnalyticsExport{ID: ids[3] + 100}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("UpdateAnalyticsExport of an unknown id: %v, want store.ErrNotFound", err)
	}

	tests := []struct {
		scenario string
		check    func() error
	}{
		{"a job comes back as written", func() error {
			got, err := db.AnalyticsExportByID(ctx, "acme", ids[1])
			if err != nil || got != running {
				return errors.Join(err, errors.New("the updated job differs from what was written"))
			}
			return nil
		}},
		{"another tenant's job is not found", func() error {
			_, err := db.AnalyticsExportByID(ctx, "globex", ids[0])
			if !errors.Is(err, store.ErrNotFound) {
				return errors.Join(err, errors.New("want store.ErrNotFound"))
			}
			return nil
		}},
		{"a tenant's jobs come newest first, limited", func() error {
			got, err := db.AnalyticsExports(ctx, "acme", 2)
			if err != nil || len(got) != 2 || got[0].ID != ids[3] || got[1].ID != ids[1] {
				return errors.Join(err, errors.New("want the two newest of acme"))
			}
			return nil
		}},
		{"the poller's list is every tenant's, oldest first", func() error {
			got, err := db.AnalyticsExportsWithStatus(ctx, store.JobWaiting)
			var gotIDs []int64
			for _, j := range got {
				gotIDs = append(gotIDs, j.ID)
			}
			if err != nil || !slices.Equal(gotIDs, []int64{ids[0], ids[2], ids[3]}) {
				return errors.Join(err, errors.New("want the three waiting jobs in id order"))
			}
			return nil
		}},
		{"a running job of the contract and action is seen", func() error {
			yes, err1 := db.AnalyticsExportRunning(ctx, "acme", "urn:li:contract:1", "exportSeatData")
			no, err2 := db.AnalyticsExportRunning(ctx, "globex", "urn:li:contract:1", "exportSeatData")
			if err := errors.Join(err1, err2); err != nil || !yes || no {
				return errors.Join(err, errors.New("want running for acme only"))
			}
			return nil
		}},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			if err := tc.check(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func testValidationExports(t *testing.T, open Opener) {
	ctx := context.Background()
	db := open(t)
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	if _, err := db.ValidationCursor(ctx, "acme"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("ValidationCursor before any export: %v, want store.ErrNotFound", err)
	}
	insert := func(i int) store.ValidationExport {
		t.Helper()
		j, err := db.InsertValidationExport(ctx, store.ValidationExport{Tenant: "acme", Actor: "operator",
			CRMInstance: "urn:li:crmInstance:(x,y)", LinkedInID: int64(100 + i), Status: store.JobRunning,
			ExportStartAt: at, CreatedAt: at, SubmittedAt: at})
		if err != nil {
			t.Fatalf("InsertValidationExport: %v", err)
		}
		return j
	}
	older, newer := insert(1), insert(2)
	complete := func(j store.ValidationExport, next time.Time) {
		t.Helper()
		j.Status, j.DownloadURLs, j.NextExportStartAt = store.JobCompleted, []string{"https://x/1", "https://x/2"}, next
		j.FinishedAt, j.UpdatedAt = at.Add(time.Hour), at.Add(time.Hour)
		if err := db.UpdateValidationExport(ctx, j); err != nil {
			t.Fatalf("UpdateValidationExport: %v", err)
		}
	}
	complete(newer, at.Add(48*time.Hour))
	complete(older, at.Add(24*time.Hour)) // finishing late must not rewind the cursor
	if got, err := db.ValidationCursor(ctx, "acme"); err != nil || !got.Equal(at.Add(48*time.Hour)) {
		t.Fatalf("ValidationCursor = %v, %v; want the newer job's %v", got, err, at.Add(48*time.Hour))
	}
	got, err := db.ValidationExportByID(ctx, "acme", newer.ID)
	if err != nil || got.Status != store.JobCompleted || !slices.Equal(got.DownloadURLs, []string{"https://x/1", "https://x/2"}) {
		t.Fatalf("ValidationExportByID = %+v, %v", got, err)
	}
	if _, err := db.ValidationExportByID(ctx, "globex", newer.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("another tenant's job: %v, want store.ErrNotFound", err)
	}
	if err := db.UpdateValidationExport(ctx, store.ValidationExport{ID: newer.ID + 100}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("UpdateValidationExport of an unknown id: %v, want store.ErrNotFound", err)
	}
	list, err := db.ValidationExports(ctx, "acme", 0)
	if err != nil || len(list) != 2 || list[0].ID != newer.ID {
		t.Fatalf("ValidationExports = %d jobs, %v; want both, newest first", len(list), err)
	}
	if running, err := db.ValidationExportsWithStatus(ctx, store.JobRunning); err != nil || len(running) != 0 {
		t.Fatalf("running jobs after both completed = %d, %v; want none", len(running), err)
	}
}
