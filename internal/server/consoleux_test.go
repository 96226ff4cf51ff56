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
