package exports

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/store"
	"github.com/snapbridge/snapbridge/internal/tenant"
)

func TestValidationExportsChain(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	first := testNow.Add(-72 * time.Hour)
	if _, err := e.svc.CreateValidation(ctx, acme, "apikey:1", ValidationRequest{SinceLastExport: true}); !isField(err, "sinceLastExport") {
		t.Fatalf("since-last before any export: %v, want a field error", err)
	}
	j, err := e.svc.CreateValidation(ctx, acme, "apikey:1", ValidationRequest{ExportStartAt: raw(first.UnixMilli())})
	if err != nil {
		t.Fatal(err)
	}
	if j.Status != store.JobRunning || j.LinkedInID == 0 || j.CRMInstance != "urn:li:crmInstance:(DYNAMICS,acme.crm.dynamics.com)" {
		t.Fatalf("created %+v", j)
	}
	e.pollUntil(t, 10, func() bool {
		cur, _ := e.svc.Validation(ctx, "acme", j.ID)
		return cur.Status == store.JobCompleted
	})
	done, _ := e.svc.Validation(ctx, "acme", j.ID)
	if len(done.DownloadURLs) != 2 || !done.NextExportStartAt.Equal(first.Add(24*time.Hour)) {
		t.Fatalf("completed %+v, want two links and nextExportStartAt one day on", done)
	}
	next, err := e.svc.CreateValidation(ctx, acme, "apikey:1", ValidationRequest{SinceLastExport: true})
	if err != nil {
		t.Fatal(err)
	}
	if !next.ExportStartAt.Equal(done.NextExportStartAt) {
		t.Fatalf("since-last export starts at %s, want %s", next.ExportStartAt, done.NextExportStartAt)
	}
	if got := e.li.validationStarts; len(got) != 2 || !got[1].Equal(done.NextExportStartAt) {
		t.Fatalf("LinkedIn was asked to start at %v", got)
	}
}

func isField(err error, field string) bool {
	var fe *FieldError
	return errors.As(err, &fe) && fe.Field == field
}

func TestValidationRequestsAreChecked(t *testing.T) {
	ctx := context.Background()
	noCRM := &tenant.Tenant{ID: "acme"}
	tests := []struct {
		scenario  string
		tenant    *tenant.Tenant
		req       ValidationRequest
		wantField string
	}{
		{scenario: "neither start nor since-last", tenant: acme, req: ValidationRequest{}, wantField: "exportStartAt"},
		{scenario: "both start and since-last", tenant: acme, req: ValidationRequest{ExportStartAt: raw(testNow.Add(-time.Hour).UnixMilli()), SinceLastExport: true}, wantField: "sinceLastExport"},
		{scenario: "a start in the future", tenant: acme, req: ValidationRequest{ExportStartAt: raw(testNow.Add(time.Hour).Format(time.RFC3339))}, wantField: "exportStartAt"},
		{scenario: "a start that is not a time", tenant: acme, req: ValidationRequest{ExportStartAt: raw("yesterday")}, wantField: "exportStartAt"},
		{scenario: "a tenant without CRM instance", tenant: noCRM, req: ValidationRequest{ExportStartAt: raw(testNow.Add(-time.Hour).UnixMilli())}, wantField: "crm"},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			e := newEnv(t)
			if _, err := e.svc.CreateValidation(ctx, tc.tenant, "apikey:1", tc.req); !isField(err, tc.wantField) {
				t.Fatalf("err = %v, want a field error on %s", err, tc.wantField)
			}
		})
	}
}

func TestValidationGivesUpAfterTwoHours(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.li.validationScript = []string{"PROCESSING"}
	e.svc = New(Config{FirstPoll: time.Second, MaxPoll: 10 * time.Minute, Now: e.clock.Now}, e.db, e.li, e.members, fakeApps{}, tenants{"acme": acme})
	j, err := e.svc.CreateValidation(ctx, acme, "apikey:1", ValidationRequest{ExportStartAt: raw(testNow.Add(-time.Hour).UnixMilli())})
	if err != nil {
		t.Fatal(err)
	}
	e.pollUntil(t, 100, func() bool {
		cur, _ := e.svc.Validation(ctx, "acme", j.ID)
		return cur.Status != store.JobRunning
	})
	cur, _ := e.svc.Validation(ctx, "acme", j.ID)
	if cur.Status != store.JobFailed || e.clock.Now().Sub(testNow) < 2*time.Hour {
		t.Fatalf("after %s: %s %q, want failed after two hours", e.clock.Now().Sub(testNow), cur.Status, cur.Message)
	}
}
