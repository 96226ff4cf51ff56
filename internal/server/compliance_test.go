package server_test

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/wire"
)

type complianceStatus struct {
	OptedIn     bool       `json:"optedIn"`
	RegulatedAt *time.Time `json:"regulatedAt"`
	Archive     *struct {
		Status         string `json:"status"`
		EventsArchived int64  `json:"eventsArchived"`
	} `json:"archive"`
}

type complianceRun struct {
	OK       bool   `json:"ok"`
	Fetched  int    `json:"fetched"`
	Archived int    `json:"archived"`
	Error    string `json:"error"`
}

// TestSellerArchivesComplianceEvents: a seller opts in (granting the
// compliance scope when first needed), their messages are archived once
// each across pages, an admin exports the archive, and opting out stops
// archiving while the archive stays.
func TestSellerArchivesComplianceEvents(t *testing.T) {
	p := startPlatform(t)
	member := firstMember(p.li)
	s := p.newSession("demo", "crm-user-40", p.demoRecords("demo", "matched")[0])
	admin := p.adminSession("demo", "crm-admin-4")

	var e wire.Error
	p.call("POST", "/api/v1/compliance/opt-in", s.Token, nil, http.StatusConflict, &e)
	if e.Error.Code != "linkedin_not_connected" || !strings.Contains(e.Error.Message, linkedin.ScopeCompliance) {
		t.Fatalf("opt-in before connecting: %+v", e.Error)
	}
	p.connectAsking(e.Error.ConnectURL, member, s.Token, linkedin.ScopeDisplay, linkedin.ScopeCompliance)

	var st complianceStatus
	p.call("POST", "/api/v1/compliance/opt-in", s.Token, nil, http.StatusOK, &st)
	if !st.OptedIn || st.RegulatedAt == nil || st.Archive == nil || st.Archive.Status != "opted_in" {
		t.Fatalf("after opt-in: %+v", st)
	}

	// Three hours of messages at LinkedIn: more than one page of events.
	p.clock.advance(3 * time.Hour)
	p.li.ResetStats()
	sync := "/api/v1/admin/tenants/demo/compliance/viewers/crm-user-40/sync"
	var run complianceRun
	p.call("POST", sync, admin, nil, http.StatusOK, &run)
	if !run.OK || run.Fetched == 0 {
		t.Fatalf("first run: %+v", run)
	}
	if run.Fetched > 100 && p.li.Stats()["compliance.events"] < 2 {
		t.Fatalf("%d events came in %d pages", run.Fetched, p.li.Stats()["compliance.events"])
	}
	var again complianceRun
	p.call("POST", sync, admin, nil, http.StatusOK, &again)
	if !again.OK || again.Archived != 0 || again.Fetched == 0 {
		t.Fatalf("a second run right after: %+v, want the boundary events seen again and none archived twice", again)
	}

	var viewers struct {
		Viewers []struct {
			Viewer         string          `json:"viewer"`
			Status         string          `json:"status"`
			EventsArchived int             `json:"eventsArchived"`
			LastSync       *time.Time      `json:"lastSync"`
			Gap            json.RawMessage `json:"gap"`
		} `json:"viewers"`
	}
	p.call("GET", "/api/v1/admin/tenants/demo/compliance/viewers", admin, nil, http.StatusOK, &viewers)
	// The background archiver may have run too (pages overlap at their
	// boundary, so fetched counts some events twice; archived does not).
	if len(viewers.Viewers) != 1 || viewers.Viewers[0].EventsArchived < run.Archived || viewers.Viewers[0].EventsArchived == 0 ||
		viewers.Viewers[0].LastSync == nil || viewers.Viewers[0].Gap != nil {
		t.Fatalf("viewers = %+v, want at least %d events and no gap", viewers, run.Archived)
	}
	total := viewers.Viewers[0].EventsArchived

	archive := "/api/v1/admin/tenants/demo/compliance/archive?viewer=crm-user-40"
	resp, body := p.do("GET", p.srv.URL+archive, admin, nil)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/x-ndjson") {
		t.Fatalf("jsonl archive: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	ids := map[string]bool{}
	for line := range strings.SplitSeq(strings.TrimSpace(string(body)), "\n") {
		var ev struct {
			ID     string          `json:"id"`
			Viewer string          `json:"viewer"`
			Event  json.RawMessage `json:"event"`
		}
		if err := json.Unmarshal([]byte(line), &ev); err != nil || ev.Viewer != "crm-user-40" || len(ev.Event) == 0 {
			t.Fatalf("archive line %q: %v", line, err)
		}
		if ids[ev.ID] {
			t.Fatalf("event %s archived twice", ev.ID)
		}
		ids[ev.ID] = true
	}
	if len(ids) != total {
		t.Fatalf("archive holds %d events, the report says %d", len(ids), total)
	}
	resp, body = p.do("GET", p.srv.URL+archive+"&format=csv&from="+url.QueryEscape(st.RegulatedAt.Format(time.RFC3339)), admin, nil)
	rows, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
	if resp.StatusCode != http.StatusOK || err != nil || len(rows) < 2 || rows[0][2] != "id" {
		t.Fatalf("csv archive: %d, %d rows, %v", resp.StatusCode, len(rows), err)
	}
	var bad wire.Error
	p.call("GET", archive+"&from=2026-03-02&to=2026-03-01", admin, nil, http.StatusBadRequest, &bad)
	if bad.Error.Code != "invalid_field" || bad.Error.Field != "to" || !strings.Contains(bad.Error.Message, "to") {
		t.Fatalf("a reversed range: %+v", bad.Error)
	}

	p.call("DELETE", "/api/v1/compliance/opt-in", s.Token, nil, http.StatusOK, &st)
	if st.OptedIn || st.Archive == nil || st.Archive.Status != "opted_out" || st.Archive.EventsArchived != int64(total) {
		t.Fatalf("after opt-out: %+v, want opted out with the archive kept", st)
	}
	p.call("GET", "/api/v1/compliance/status", s.Token, nil, http.StatusOK, &st)
	if st.OptedIn {
		t.Fatal("LinkedIn still lists the authorization after opt-out")
	}
	p.clock.advance(time.Hour)
	p.call("POST", sync, admin, nil, http.StatusConflict, &bad)
	if bad.Error.Code != "compliance_not_opted_in" {
		t.Fatalf("sync after opt-out: %+v", bad.Error)
	}
}
