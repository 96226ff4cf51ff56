package server_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/admin"
	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/sandbox"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// TestAPIKeyReadsOfSellersDataAreAudited: an automation key that syncs a
// seller's compliance archive, downloads it, and downloads an analytics
// and a validation export leaves an audit entry for each, naming the key,
// the viewer or job and the range, and never a key or a link.
func TestAPIKeyReadsOfSellersDataAreAudited(t *testing.T) {
	p := startPlatform(t)
	members := p.li.Members()
	consoleAdmin := p.adminSession("demo", "crm-admin-8")
	var key admin.NewAPIKey
	p.call("POST", "/api/v1/admin/tenants/demo/api-keys", consoleAdmin, map[string]string{"name": "archiver"}, http.StatusCreated, &key)
	tenantAPI := "/api/v1/admin/tenants/demo"

	// A seller opts in to compliance archiving; messages arrive at LinkedIn.
	seller := p.newSession("demo", "crm-user-80", p.demoRecords("demo", "matched")[0])
	var e wire.Error
	p.call("POST", "/api/v1/compliance/opt-in", seller.Token, nil, http.StatusConflict, &e)
	p.connectAsking(e.Error.ConnectURL, members[0].ID, seller.Token, linkedin.ScopeDisplay, linkedin.ScopeCompliance)
	p.call("POST", "/api/v1/compliance/opt-in", seller.Token, nil, http.StatusOK, nil)
	p.clock.advance(time.Hour)

	// The console admin runs an analytics export; a validation export runs
	// with the tenant's app token, so the key can start it.
	end := p.clock.Now().Add(-24 * time.Hour)
	analytics := exportBody(sandbox.ContractURN(sandbox.DemoEnterpriseContract), "seat", end.Add(-30*24*time.Hour), end)
	p.call("POST", tenantAPI+"/exports", consoleAdmin, analytics, http.StatusConflict, &e)
	p.connectAsking(e.Error.ConnectURL, members[0].ID, consoleAdmin, linkedin.ScopeDisplay, linkedin.ScopeAnalytics)
	var job exportJSON
	p.call("POST", tenantAPI+"/exports", consoleAdmin, analytics, http.StatusCreated, &job)
	job = p.waitExport(consoleAdmin, job.ID, "completed")
	var validation struct {
		ID     int64  `json:"id"`
		Status string `json:"status"`
	}
	validationStart := p.clock.Now().Add(-72 * time.Hour).Truncate(time.Second)
	p.call("POST", tenantAPI+"/validation-exports", key.Key, map[string]any{"exportStartAt": validationStart.UnixMilli()}, http.StatusCreated, &validation)
	validationPath := tenantAPI + "/validation-exports/" + strconv.FormatInt(validation.ID, 10)
	for i := 0; validation.Status == "running" && i < 200; i++ {
		p.clock.advance(time.Second)
		time.Sleep(20 * time.Millisecond) // the poller's own cadence; no hook reaches it
		p.call("GET", validationPath, key.Key, nil, http.StatusOK, &validation)
	}
	if validation.Status != "completed" {
		t.Fatalf("validation export ended %s", validation.Status)
	}

	// What the key reads.
	var run complianceRun
	p.call("POST", tenantAPI+"/compliance/viewers/crm-user-80/sync", key.Key, nil, http.StatusOK, &run)
	if resp, body := p.do("GET", p.srv.URL+tenantAPI+"/compliance/archive?viewer=crm-user-80&from=2026-01-01&to=2030-01-01&format=csv", key.Key, nil); resp.StatusCode != http.StatusOK || len(body) == 0 {
		t.Fatalf("archive: %d", resp.StatusCode)
	}
	for _, path := range []string{tenantAPI + "/exports/" + strconv.FormatInt(job.ID, 10) + "/download", validationPath + "/download?file=1"} {
		if resp, _ := p.do("GET", p.srv.URL+path, key.Key, nil); resp.StatusCode != http.StatusFound {
			t.Fatalf("%s: %d, want a redirect to the file", path, resp.StatusCode)
		}
	}
	var refused wire.Error
	p.call("GET", validationPath+"/download?file=9", key.Key, nil, http.StatusBadRequest, &refused)
	if refused.Error.Field != "file" {
		t.Errorf("file 9 of a one-file export: %+v", refused.Error)
	}

	var audit struct{ Entries []admin.AuditEntry }
	p.call("GET", tenantAPI+"/audit", consoleAdmin, nil, http.StatusOK, &audit)
	byAction := map[string]admin.AuditEntry{}
	for _, entry := range audit.Entries {
		if entry.Actor == "apikey:"+key.ID {
			byAction[entry.Action] = entry
		}
		if strings.Contains(entry.Detail, key.Key) || strings.Contains(entry.Detail, "://") || strings.Contains(entry.Detail, consoleAdmin) {
			t.Errorf("audit detail %q carries a secret or a link", entry.Detail)
		}
	}
	for _, tc := range []struct {
		scenario, action string
		want             []string
	}{
		{"a manual compliance sync", "compliance.sync", []string{"crm-user-80", "fetched"}},
		{"a compliance archive download", "compliance.archive_download",
			[]string{"viewer crm-user-80", "from 2026-01-01T00:00:00Z to 2030-01-01T00:00:00Z", "csv"}},
		{"an analytics export download", "export.download",
			[]string{"analytics export " + strconv.FormatInt(job.ID, 10), "crm-admin-8", end.UTC().Format(time.RFC3339)}},
		{"a validation export download", "validation_export.download",
			[]string{"validation export " + strconv.FormatInt(validation.ID, 10), "file 1", "from " + validationStart.UTC().Format(time.RFC3339)}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			entry, ok := byAction[tc.action]
			if !ok {
				t.Fatalf("no %s entry by apikey:%s in %+v", tc.action, key.ID, audit.Entries)
			}
			for _, w := range tc.want {
				if !strings.Contains(entry.Detail, w) {
					t.Errorf("%s detail %q does not name %q", tc.action, entry.Detail, w)
				}
			}
		})
	}
}
