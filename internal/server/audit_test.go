package server_test

import (
	"encoding/json"
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

	job, end, validation := completedExports(p, consoleAdmin, key.Key)
	validationStart := validation.ExportStartAt
	validationPath := tenantAPI + "/validation-exports/" + strconv.FormatInt(validation.ID, 10)

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

// completedExports has the console admin run an analytics export ending
// at the time it returns, and the key a validation export (it runs with
// the tenant's app token, so a key can start it), both until LinkedIn
// completes them.
func completedExports(p *platform, consoleAdmin, key string) (exportJSON, time.Time, validationExportJSON) {
	p.t.Helper()
	tenantAPI := "/api/v1/admin/tenants/demo"
	members := p.li.Members()
	end := p.clock.Now().Add(-24 * time.Hour)
	analytics := exportBody(sandbox.ContractURN(sandbox.DemoEnterpriseContract), "seat", end.Add(-30*24*time.Hour), end)
	var e wire.Error
	p.call("POST", tenantAPI+"/exports", consoleAdmin, analytics, http.StatusConflict, &e)
	p.connectAsking(e.Error.ConnectURL, members[0].ID, consoleAdmin, linkedin.ScopeDisplay, linkedin.ScopeAnalytics)
	var job exportJSON
	p.call("POST", tenantAPI+"/exports", consoleAdmin, analytics, http.StatusCreated, &job)
	job = p.waitExport(consoleAdmin, job.ID, "completed")
	var validation validationExportJSON
	validationStart := p.clock.Now().Add(-72 * time.Hour).Truncate(time.Second)
	p.call("POST", tenantAPI+"/validation-exports", key, map[string]any{"exportStartAt": validationStart.UnixMilli()}, http.StatusCreated, &validation)
	validationPath := tenantAPI + "/validation-exports/" + strconv.FormatInt(validation.ID, 10)
	for i := 0; validation.Status == "running" && i < 200; i++ {
		p.clock.advance(time.Second)
		time.Sleep(20 * time.Millisecond) // the poller's own cadence; no hook reaches it
		p.call("GET", validationPath, key, nil, http.StatusOK, &validation)
	}
	if validation.Status != "completed" {
		p.t.Fatalf("validation export ended %s", validation.Status)
	}
	return job, end, validation
}

// validationExportJSON is the part of a validation export answer the
// tests read.
type validationExportJSON struct {
	ID            int64     `json:"id"`
	Status        string    `json:"status"`
	ExportStartAt time.Time `json:"exportStartAt"`
	DownloadURLs  []string  `json:"downloadUrls"`
}

// TestValidationExportsShowOnlyAuditedDownloads: a key listing or reading
// a validation export gets our download URLs, never LinkedIn's signed
// links, so every file it fetches is in the audit log.
func TestValidationExportsShowOnlyAuditedDownloads(t *testing.T) {
	p := startPlatform(t)
	consoleAdmin := p.adminSession("demo", "crm-admin-9")
	var key admin.NewAPIKey
	p.call("POST", "/api/v1/admin/tenants/demo/api-keys", consoleAdmin, map[string]string{"name": "validator"}, http.StatusCreated, &key)
	_, _, validation := completedExports(p, consoleAdmin, key.Key)
	base := p.srv.URL + "/api/v1/admin/tenants/demo/validation-exports"
	id := strconv.FormatInt(validation.ID, 10)

	var shown []string
	for _, u := range []string{base, base + "/" + id} {
		resp, body := p.do("GET", u, key.Key, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", u, resp.StatusCode)
		}
		if strings.Contains(string(body), p.li.URL) || strings.Contains(string(body), "/_sandbox/downloads/") {
			t.Errorf("GET %s hands out LinkedIn's file links: %s", u, body)
		}
		var one validationExportJSON
		var list struct{ Exports []validationExportJSON }
		if u == base {
			if err := json.Unmarshal(body, &list); err != nil || len(list.Exports) != 1 {
				t.Fatalf("list: %s", body)
			}
			one = list.Exports[0]
		} else if err := json.Unmarshal(body, &one); err != nil {
			t.Fatalf("GET %s: %v: %s", u, err, body)
		}
		if len(one.DownloadURLs) == 0 {
			t.Fatalf("GET %s: no download URLs: %s", u, body)
		}
		for n, got := range one.DownloadURLs {
			if want := base + "/" + id + "/download?file=" + strconv.Itoa(n+1); got != want {
				t.Errorf("GET %s: download URL %d is %q, want %q", u, n+1, got, want)
			}
		}
		shown = one.DownloadURLs
	}

	for n, u := range shown {
		resp, _ := p.do("GET", u, key.Key, nil)
		file := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusFound || !strings.HasPrefix(file, p.li.URL+"/_sandbox/downloads/") {
			t.Fatalf("GET %s: %d to %q, want a redirect to the file at LinkedIn", u, resp.StatusCode, file)
		}
		if resp, csv := p.do("GET", file, "", nil); resp.StatusCode != http.StatusOK || len(csv) == 0 {
			t.Fatalf("file %d at LinkedIn: %d", n+1, resp.StatusCode)
		}
	}
	var audit struct{ Entries []admin.AuditEntry }
	p.call("GET", "/api/v1/admin/tenants/demo/audit", consoleAdmin, nil, http.StatusOK, &audit)
	downloads := 0
	for _, e := range audit.Entries {
		if e.Action == "validation_export.download" && e.Actor == "apikey:"+key.ID && strings.Contains(e.Detail, "validation export "+id+", file ") {
			downloads++
		}
	}
	if downloads != len(shown) {
		t.Errorf("%d validation_export.download entries of the key for %d files: %+v", downloads, len(shown), audit.Entries)
	}
}

// TestConsoleDownloadsAreAudited: the console's analytics Download and
// validation "File n" buttons get the file's link only with an audit entry
// naming the console's viewer, like the admin API's downloads.
func TestConsoleDownloadsAreAudited(t *testing.T) {
	p := startPlatform(t)
	consoleAdmin := p.adminSession("demo", "crm-admin-10")
	job, _, validation := completedExports(p, consoleAdmin, consoleAdmin)
	for _, tc := range []struct {
		scenario, path, action, detail string
	}{
		{"analytics Download", "/admin/demo/exports/" + strconv.FormatInt(job.ID, 10) + "/link", "export.download",
			"analytics export " + strconv.FormatInt(job.ID, 10) + " of viewer crm-admin-10: seat of "},
		{"validation File 1", "/admin/demo/validation-exports/" + strconv.FormatInt(validation.ID, 10) + "/link?file=1", "validation_export.download",
			"CRM data validation export " + strconv.FormatInt(validation.ID, 10) + ", file 1 of "},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			var link struct{ URL string }
			p.call("POST", tc.path, consoleAdmin, nil, http.StatusOK, &link)
			if !strings.HasPrefix(link.URL, p.li.URL+"/_sandbox/downloads/") {
				t.Fatalf("link %q, want the file at LinkedIn", link.URL)
			}
			if resp, csv := p.do("GET", link.URL, "", nil); resp.StatusCode != http.StatusOK || len(csv) == 0 {
				t.Fatalf("file at LinkedIn: %d", resp.StatusCode)
			}
			var audit struct{ Entries []admin.AuditEntry }
			p.call("GET", "/api/v1/admin/tenants/demo/audit", consoleAdmin, nil, http.StatusOK, &audit)
			e := audit.Entries[0]
			if e.Actor != "viewer:crm-admin-10" || e.Action != tc.action || !strings.HasPrefix(e.Detail, tc.detail) || strings.Contains(e.Detail, "://") {
				t.Errorf("newest audit entry %+v, want %s by viewer:crm-admin-10 with detail %q…", e, tc.action, tc.detail)
			}
		})
	}
}
