package main

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/store"
	"github.com/snapbridge/snapbridge/internal/store/postgres"
	"github.com/snapbridge/snapbridge/internal/store/postgres/pgtest"
	"github.com/snapbridge/snapbridge/internal/store/sqlite"
)

// `snapbridge migrate --database-url postgres://…` migrates a PostgreSQL
// database as it does a SQLite file, and a second run has nothing to do.
func TestMigrateAppliesTheMigrationsToPostgreSQL(t *testing.T) {
	url := pgtest.URL(t)
	latest := strconv.Itoa(postgres.LatestVersion())
	for _, want := range []string{"database schema version 0 -> " + latest + "\n", "database schema version " + latest + ": up to date\n"} {
		var out bytes.Buffer
		if err := migrateDatabase([]string{"--database-url", url}, &out); err != nil {
			t.Fatalf("migrate: %v", err)
		}
		if out.String() != want {
			t.Fatalf("migrate printed %q, want %q", out.String(), want)
		}
	}
}

// An operator whose single machine outgrew SQLite copies it into
// PostgreSQL: every table arrives as it was (sealed secrets byte for
// byte, job ids kept and continued), the counts are printed and checked,
// and a second copy into the now non-empty database is refused.
func TestMigrateCopiesASQLiteDeploymentIntoPostgreSQL(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "var", "snapbridge.db")
	src, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	fill(t, src, at)
	src.Close()
	url := pgtest.URL(t)

	var out bytes.Buffer
	if err := migrateDatabase([]string{"--from", "sqlite:" + path, "--to", url}, &out); err != nil {
		t.Fatalf("migrate --from --to: %v", err)
	}
	wantRows := map[string]int{
		"tenants": 2, "api_keys": 1, "member_tokens": 2, "oauth_states": 1, "used_jtis": 1, "lookup_budget": 2,
		"lookup_budget_forced": 1, "audit_log": 3, "analytics_exports": 2, "validation_exports": 1, "validation_cursors": 1,
		"compliance_viewers": 1, "compliance_events": 2, "compliance_runs": 2, "viewer_names": 1, "host_grants": 1,
	}
	total := 0
	for table, n := range wantRows {
		line := regexp.MustCompile(`(?m)^` + table + ` +` + strconv.Itoa(n) + ` rows copied, +` + strconv.Itoa(n) + ` in PostgreSQL$`)
		if !line.MatchString(out.String()) {
			t.Errorf("the output does not say %s: %d rows copied and in PostgreSQL:\n%s", table, n, out.String())
		}
		total += n
	}
	if want := fmt.Sprintf("copied %d rows in %d tables; every count matches\n", total, len(wantRows)); !strings.HasSuffix(out.String(), want) {
		t.Errorf("the output ends %q, want %q", out.String(), want)
	}

	dst, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	tok, err := dst.MemberToken(ctx, "acme", "v1")
	if err != nil || string(tok.Sealed) != "sealed-v1" || tok.KeyID != "k1" || !tok.ExpiresAt.Equal(at) || !tok.RefreshExpiresAt.IsZero() {
		t.Errorf("member token = %+v, %v; want it as stored in SQLite", tok, err)
	}
	tn, err := dst.StoredTenant(ctx, "acme")
	if err != nil || string(tn.Sealed) != "tenant-secrets" || string(tn.Config) != `{"id":"acme"}` {
		t.Errorf("tenant = %+v, %v; want its sealed secrets byte for byte", tn, err)
	}
	if g, err := dst.HostGrant(ctx, "acme", "handle-1", at); err != nil || string(g.Sealed) != "sealed-grant" || g.Subject != "oid-1" {
		t.Errorf("host grant = %+v, %v; want it found by its handle as stored in SQLite", g, err)
	}
	if v, err := dst.TakeOneTime(ctx, "state", "state-1", at); err != nil || string(v.Payload) != "payload" {
		t.Errorf("one-time value = %+v, %v; want it takeable once", v, err)
	}
	if fresh, err := dst.RememberJTI(ctx, "acme", "jti-1", time.Now().Add(time.Hour)); err != nil || fresh {
		t.Errorf("a context id used before the copy is new again (%v, %v)", fresh, err)
	}
	if used, err := dst.LookupsUsed(ctx, "acme", "2026-03-01"); err != nil || used != 3 {
		t.Errorf("look-ups used = %d, %v; want 3 (two records and one forced refresh)", used, err)
	}
	if k, err := dst.APIKey(ctx, "key1"); err != nil || string(k.SecretHash) != "hash" {
		t.Errorf("api key = %+v, %v", k, err)
	}
	jobs, err := dst.AnalyticsExports(ctx, "acme", 0)
	if err != nil || len(jobs) != 2 || jobs[0].ID != 2 || jobs[0].Status != store.JobRunning {
		t.Fatalf("analytics exports = %+v, %v; want both, ids kept", jobs, err)
	}
	next, err := dst.InsertAnalyticsExport(ctx, store.AnalyticsExport{Tenant: "acme", Contract: "c", Action: "a", Status: store.JobWaiting, CreatedAt: at})
	if err != nil || next.ID != 3 {
		t.Errorf("a new job got id %d, %v; want 3, after the copied ones", next.ID, err)
	}
	if err := dst.AddAudit(ctx, store.AuditEntry{Tenant: "acme", Actor: "operator", Action: "after.copy", At: at}); err != nil {
		t.Fatal(err)
	}
	if log, err := dst.Audit(ctx, "acme", 0); err != nil || len(log) != 4 || log[0].Action != "after.copy" || log[0].ID != 4 {
		t.Errorf("audit = %+v, %v; want the new entry after the three copied", log, err)
	}
	if cur, err := dst.ValidationCursor(ctx, "acme"); err != nil || !cur.Equal(at.Add(time.Hour)) {
		t.Errorf("validation cursor = %v, %v", cur, err)
	}
	if runs, err := dst.ComplianceRuns(ctx, "acme", "v1", 0); err != nil || len(runs) != 2 || runs[0].OK || !runs[1].OK {
		t.Errorf("compliance runs = %+v, %v; want the failed newer run first", runs, err)
	}
	if cv, err := dst.ComplianceViewerOf(ctx, "acme", "v1"); err != nil || cv.Events != 2 {
		t.Errorf("compliance viewer = %+v, %v; want 2 archived events", cv, err)
	}

	out.Reset()
	err = migrateDatabase([]string{"--from", path, "--to", url}, &out)
	if err == nil || !strings.Contains(err.Error(), "already holds snapbridge data") {
		t.Fatalf("a second copy = %v, want it refused: the target is not empty", err)
	}
	if out.Len() != 0 {
		t.Errorf("a refused copy printed %q", out.String())
	}
}

// fill writes rows into every table of the SQLite store.
func fill(t *testing.T, db *sqlite.DB, at time.Time) {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(db.PutHostGrant(ctx, store.HostGrantRow{Tenant: "acme", Handle: "handle-1", Subject: "oid-1", KeyID: "k1",
		Sealed: []byte("sealed-grant"), ExpiresAt: at.Add(time.Hour), UpdatedAt: at}))
	for _, id := range []string{"acme", "globex"} {
		_, err := db.InsertTenantIfAbsent(ctx, store.TenantRow{ID: id, Config: []byte(`{"id":"` + id + `"}`), KeyID: "k1",
			Sealed: []byte("tenant-secrets"), CreatedAt: at, UpdatedAt: at})
		must(err)
	}
	must(db.CreateAPIKey(ctx, store.APIKeyRow{ID: "key1", Tenant: "acme", Name: "ci", SecretHash: []byte("hash"), CreatedBy: "operator", CreatedAt: at}))
	for _, v := range []string{"v1", "v2"} {
		must(db.PutMemberToken(ctx, store.MemberTokenRow{Tenant: "acme", Viewer: v, KeyID: "k1", Sealed: []byte("sealed-" + v),
			ExpiresAt: at, Status: store.StatusConnected, UpdatedAt: at}))
	}
	must(db.PutOneTime(ctx, "state", "state-1", store.OneTime{Tenant: "acme", Viewer: "v1", Payload: []byte("payload"), ExpiresAt: at.Add(time.Hour)}))
	_, err := db.RememberJTI(ctx, "acme", "jti-1", time.Now().Add(time.Hour))
	must(err)
	_, _, err = db.ReserveLookups(ctx, "acme", "2026-03-01", []string{"r1", "r2"}, 10)
	must(err)
	_, _, err = db.ReserveForcedLookups(ctx, "acme", "2026-03-01", []string{"r1"}, 10)
	must(err)
	for _, a := range []string{"tenant.create", "apikey.create", "tenant.update"} {
		must(db.AddAudit(ctx, store.AuditEntry{Tenant: "acme", Actor: "operator", Action: a, At: at}))
	}
	must(db.RememberViewerName(ctx, "acme", "v1", "Ada Admin", at))
	j1, err := db.InsertAnalyticsExport(ctx, store.AnalyticsExport{Tenant: "acme", Viewer: "v1", Contract: "c", Action: "a", Status: store.JobWaiting, CreatedAt: at})
	must(err)
	j1.Status, j1.FinishedAt = store.JobCompleted, at
	must(db.UpdateAnalyticsExport(ctx, j1))
	_, err = db.InsertAnalyticsExport(ctx, store.AnalyticsExport{Tenant: "acme", Viewer: "v1", Contract: "c", Action: "a", Status: store.JobRunning, CreatedAt: at})
	must(err)
	vj, err := db.InsertValidationExport(ctx, store.ValidationExport{Tenant: "acme", CRMInstance: "urn:li:crmInstance:1", LinkedInID: 7, Status: store.JobRunning, CreatedAt: at})
	must(err)
	vj.Status, vj.NextExportStartAt, vj.DownloadURLs = store.JobCompleted, at.Add(time.Hour), []string{"https://x/1"}
	must(db.UpdateValidationExport(ctx, vj))
	must(db.PutComplianceViewer(ctx, store.ComplianceViewer{Tenant: "acme", Viewer: "v1", Status: store.ComplianceOptedIn, OptedInAt: at}))
	_, err = db.ArchiveComplianceEvents(ctx, "acme", "v1", []store.ComplianceEventRow{
		{ID: "e1", ProcessedAt: at, Raw: []byte(`{"a":1}`), ArchivedAt: at},
		{ID: "e2", ProcessedAt: at.Add(time.Second), Raw: []byte(`{"a":2}`), ArchivedAt: at},
	}, at.Add(time.Second))
	must(err)
	must(db.RecordComplianceRun(ctx, store.ComplianceRun{Tenant: "acme", Viewer: "v1", At: at, OK: true, Fetched: 2, Archived: 2}))
	must(db.RecordComplianceRun(ctx, store.ComplianceRun{Tenant: "acme", Viewer: "v1", At: at, OK: false, Error: "LinkedIn unavailable"}))
}
