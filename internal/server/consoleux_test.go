package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/admin"
	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/sandbox"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// An export identical to one still waiting or running is refused with
// 409 export_duplicate naming the existing job, so the console can warn
// before a second file of the same data; allowDuplicate creates it
// anyway, and once the first has finished the same request is new again.
func TestIdenticalExportWarnsBeforeASecond(t *testing.T) {
	p := startPlatform(t)
	enterprise := sandbox.ContractURN(sandbox.DemoEnterpriseContract)
	tok := p.adminSession("demo", "crm-admin-1")
	exports := "/api/v1/admin/tenants/demo/exports"
	end := p.clock.Now().Add(-24 * time.Hour).Truncate(time.Second)
	start := end.Add(-30 * 24 * time.Hour)

	var e wire.Error
	p.call("POST", exports, tok, exportBody(enterprise, "activity", start, end), http.StatusConflict, &e)
	p.connectAsking(e.Error.ConnectURL, firstMember(p.li), tok, linkedin.ScopeAnalytics)

	var first exportJSON
	p.call("POST", exports, tok, exportBody(enterprise, "activity", start, end), http.StatusCreated, &first)
	for _, tc := range []struct {
		scenario string
		body     map[string]any
		want     int
	}{
		{"the same data, contract and range", exportBody(enterprise, "activity", start, end), http.StatusConflict},
		{"other data", exportBody(enterprise, "seat", start, end), http.StatusCreated},
		{"another range", exportBody(enterprise, "activity", start.Add(-24*time.Hour), end), http.StatusCreated},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			var e wire.Error
			p.with(t).call("POST", exports, tok, tc.body, tc.want, &e)
			if tc.want != http.StatusConflict {
				return
			}
			if e.Error.Code != "export_duplicate" || e.Error.Existing != first.ID || !strings.Contains(e.Error.Message, "allowDuplicate") {
				t.Errorf("duplicate refused with %+v, want export_duplicate naming export %d", e.Error, first.ID)
			}
		})
	}
	again := exportBody(enterprise, "activity", start, end)
	again["allowDuplicate"] = true
	var second exportJSON
	p.call("POST", exports, tok, again, http.StatusCreated, &second)
	if second.ID == first.ID {
		t.Fatal("allowDuplicate answered the first export instead of creating one")
	}
	p.waitExport(tok, first.ID, "completed")
	p.waitExport(tok, second.ID, "completed")
	p.call("POST", exports, tok, exportBody(enterprise, "activity", start, end), http.StatusCreated, nil)
}

// Downloading the archive for a range without messages answers 204 No
// Content, not an empty file, so the console can say there is nothing;
// the look is still written to the audit log.
func TestArchiveRangeWithoutMessagesSaysSo(t *testing.T) {
	p := startPlatform(t)
	tok := p.adminSession("demo", "crm-admin-1")
	for _, tc := range []struct {
		scenario string
		query    url.Values
	}{
		{"every viewer, as JSON Lines", url.Values{"from": {"2026-01-01"}, "to": {"2026-01-08"}}},
		{"one viewer, as CSV", url.Values{"viewer": {"crm-user-40"}, "format": {"csv"}}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			resp, body := p.do("GET", p.srv.URL+"/api/v1/admin/tenants/demo/compliance/archive?"+tc.query.Encode(), tok, nil)
			if resp.StatusCode != http.StatusNoContent || len(body) != 0 || resp.Header.Get("Content-Disposition") != "" {
				t.Fatalf("empty range: status %d, %d bytes, disposition %q; want 204 and no file",
					resp.StatusCode, len(body), resp.Header.Get("Content-Disposition"))
			}
		})
	}
	var audit struct{ Entries []admin.AuditEntry }
	p.call("GET", "/api/v1/admin/tenants/demo/audit", tok, nil, http.StatusOK, &audit)
	if len(audit.Entries) != 2 || audit.Entries[0].Action != "compliance.archive_download" {
		t.Errorf("audit = %+v, want both looks recorded", audit.Entries)
	}
}

// The console names people, not CRM user ids: the audit log's actors
// (an admin by the name their CRM signed, an API key by its name), the
// person who requested an export, and the sellers in the archive list.
func TestConsoleNamesPeopleNotIds(t *testing.T) {
	p := startPlatform(t)
	members := p.li.Members()
	tenantAPI := "/api/v1/admin/tenants/demo"
	ada := p.adminSession("demo", "crm-admin-1")
	var key admin.NewAPIKey
	p.call("POST", tenantAPI+"/api-keys", ada, map[string]string{"name": "nightly"}, http.StatusCreated, &key)
	p.call("POST", tenantAPI+"/api-keys", key.Key, map[string]string{"name": "second"}, http.StatusCreated, nil)

	end := p.clock.Now().Add(-24 * time.Hour)
	body := exportBody(sandbox.ContractURN(sandbox.DemoEnterpriseContract), "seat", end.Add(-7*24*time.Hour), end)
	var e wire.Error
	p.call("POST", tenantAPI+"/exports", ada, body, http.StatusConflict, &e)
	p.connectAsking(e.Error.ConnectURL, members[0].ID, ada, linkedin.ScopeAnalytics)
	p.call("POST", tenantAPI+"/exports", ada, body, http.StatusCreated, nil)

	seller := p.newSession("demo", "crm-user-40", p.demoRecords("demo", "matched")[0])
	p.call("POST", "/api/v1/compliance/opt-in", seller.Token, nil, http.StatusConflict, &e)
	p.connectAsking(e.Error.ConnectURL, members[1].ID, seller.Token, linkedin.ScopeCompliance)
	p.call("POST", "/api/v1/compliance/opt-in", seller.Token, nil, http.StatusOK, nil)

	var audit struct{ Entries []admin.AuditEntry }
	p.call("GET", tenantAPI+"/audit", ada, nil, http.StatusOK, &audit)
	var exports struct {
		Exports []struct{ Viewer, ViewerName string } `json:"exports"`
	}
	p.call("GET", tenantAPI+"/exports", ada, nil, http.StatusOK, &exports)
	var viewers struct {
		Viewers []struct{ Viewer, Name string } `json:"viewers"`
	}
	p.call("GET", tenantAPI+"/compliance/viewers", ada, nil, http.StatusOK, &viewers)
	named := map[string]string{}
	for _, x := range audit.Entries {
		named["audit "+x.Action+" by "+x.Actor] = x.ActorName
	}
	for _, x := range exports.Exports {
		named["export by "+x.Viewer] = x.ViewerName
	}
	for _, x := range viewers.Viewers {
		named["archive of "+x.Viewer] = x.Name
	}
	for _, tc := range []struct{ scenario, what, want string }{
		{"an admin in the audit log", "audit api_key.create by viewer:crm-admin-1", "Ada Admin"},
		{"an API key in the audit log", "audit api_key.create by apikey:" + key.ID, "API key “nightly”"},
		{"whoever requested an export", "export by crm-admin-1", "Ada Admin"},
		{"a seller who opted in", "archive of crm-user-40", "Sam Seller"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			if got, ok := named[tc.what]; !ok || got != tc.want {
				t.Errorf("%s is named %q (listed: %v), want %q", tc.what, got, ok, tc.want)
			}
		})
	}
}
