package server_test

import (
	"bytes"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/admin"
	"github.com/snapbridge/snapbridge/internal/session"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// putTenant sends a tenant spec with If-Match (none when ifMatch is "").
func (p *product) putTenant(path, token, ifMatch string, spec admin.TenantSpec) (*http.Response, []byte) {
	p.t.Helper()
	b, err := json.Marshal(spec)
	if err != nil {
		p.t.Fatal(err)
	}
	req, err := http.NewRequest("PUT", p.srv.URL+path, bytes.NewReader(b))
	if err != nil {
		p.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	if ifMatch != "" {
		req.Header.Set("If-Match", ifMatch)
	}
	resp, err := p.http.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp, raw
}

// editable is the tenant's current settings as a spec an admin edits.
func editable(v admin.TenantView) admin.TenantSpec {
	return admin.TenantSpec{Name: v.Name, LinkedIn: admin.LinkedInSpec{ClientID: v.LinkedIn.ClientID}, CRM: v.CRM,
		AllowedOrigins: v.AllowedOrigins, Context: admin.ContextSpec{Issuer: v.Context.Issuer, Audience: v.Context.Audience,
			MaxLifetime: v.Context.MaxLifetime}, Display: v.Display, Cache: v.Cache, DailyLookupBudget: v.DailyLookupBudget,
		AccentColor: v.AccentColor}
}

// Admins who save over the admin API name the version they edited with
// If-Match (the ETag the GET answered): a save of an older version than
// the stored one is refused with 412 tenant_changed, and the save it would
// have overwritten stays. Without If-Match a save applies as before.
func TestAdminAPISaveOfAnOlderRevisionIsRefused(t *testing.T) {
	li := startLinkedIn(t, "")
	p := startProduct(t, li, t.TempDir(), "127.0.0.1:0", nil)
	const path = "/api/v1/admin/tenants/nosync"
	var read admin.TenantView
	etag := p.call("GET", path, testOperatorKey, nil, http.StatusOK, &read).Header.Get("ETag")
	if !regexp.MustCompile(`^"[1-9][0-9]*"$`).MatchString(etag) {
		t.Fatalf("GET answered ETag %q, want the quoted revision", etag)
	}
	for _, tc := range []struct {
		scenario   string
		ifMatch    func(current string) string
		name       string
		wantStatus int
		wantCode   string
	}{
		{"a save of the version read is stored", func(string) string { return etag }, "Saved by Ada", http.StatusOK, ""},
		{"a save of that same, now older, version is refused", func(string) string { return etag }, "Saved by Bob", http.StatusPreconditionFailed, "tenant_changed"},
		{"a save of the current version is stored", func(cur string) string { return cur }, "Saved by Bob after a reload", http.StatusOK, ""},
		{"a weak ETag never matches", func(cur string) string { return "W/" + cur }, "Weak", http.StatusPreconditionFailed, "precondition_failed"},
		{"an ETag that is no revision never matches", func(string) string { return `"abc"` }, "Foreign", http.StatusPreconditionFailed, "precondition_failed"},
		{"an unquoted revision never matches", func(cur string) string { return strings.TrimPrefix(cur, `"`) }, "Half-quoted", http.StatusPreconditionFailed, "precondition_failed"},
		{"If-Match * saves whatever is stored", func(string) string { return "*" }, "Star", http.StatusOK, ""},
		{"a save without If-Match is stored as before", func(string) string { return "" }, "No If-Match", http.StatusOK, ""},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			q := p.with(t)
			var before admin.TenantView
			current := q.call("GET", path, testOperatorKey, nil, http.StatusOK, &before).Header.Get("ETag")
			spec := editable(read)
			spec.Name = tc.name
			resp, raw := q.putTenant(path, testOperatorKey, tc.ifMatch(current), spec)
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("PUT: %d %s, want %d", resp.StatusCode, raw, tc.wantStatus)
			}
			var after admin.TenantView
			now := q.call("GET", path, testOperatorKey, nil, http.StatusOK, &after).Header.Get("ETag")
			if tc.wantCode == "" {
				if after.Name != tc.name || now == current || resp.Header.Get("ETag") != now {
					t.Fatalf("after the save: name %q, ETag %s → %s (PUT answered %s), want %q at a new ETag", after.Name, current, now, resp.Header.Get("ETag"), tc.name)
				}
				return
			}
			var e wire.Error
			if err := json.Unmarshal(raw, &e); err != nil || e.Error.Code != tc.wantCode {
				t.Fatalf("PUT answered %s, want code %s", raw, tc.wantCode)
			}
			if after.Name != before.Name || now != current {
				t.Fatalf("a refused save changed the tenant: name %q → %q, ETag %s → %s", before.Name, after.Name, current, now)
			}
		})
	}
}

// consolePage opens the admin console as a CRM does for an administrator
// and returns the console session and the revision its settings form was
// rendered with.
func (p *product) consolePage(tenantID, viewer string) (token, revision string) {
	p.t.Helper()
	rec := p.demoRecords(tenantID, "crm_sync_disabled")[0]
	ctx, err := session.SignContext(p.tenant(tenantID), session.ContextClaims{
		Viewer: wire.Viewer{ID: viewer, Name: viewer}, Records: []wire.Record{rec}, Roles: []string{"admin"}}, time.Now())
	if err != nil {
		p.t.Fatal(err)
	}
	resp, page := p.do("GET", p.srv.URL+"/admin/"+tenantID+"?ctx="+url.QueryEscape(ctx), "", nil)
	if resp.StatusCode != http.StatusOK {
		p.t.Fatalf("console page: %d %s", resp.StatusCode, page)
	}
	tok := regexp.MustCompile(`data-session="([^"]+)"`).FindSubmatch(page)
	rev := regexp.MustCompile(`<input type="hidden" id="set-revision" name="revision" value="([0-9]+)">`).FindSubmatch(page)
	if tok == nil || rev == nil {
		p.t.Fatalf("the console page carries no session or no form revision:\n%s", page)
	}
	return html.UnescapeString(string(tok[1])), string(rev[1])
}

// Two administrators open the console's tenant settings at the same time
// and both save: the second save is refused with the message the console
// shows next to the form, and the first admin's edit is kept.
func TestConsoleSaveOverAnotherAdminsSaveIsRefused(t *testing.T) {
	li := startLinkedIn(t, "")
	p := startProduct(t, li, t.TempDir(), "127.0.0.1:0", nil)
	const path = "/api/v1/admin/tenants/nosync"
	adaToken, adaRevision := p.consolePage("nosync", "ada")
	bobToken, bobRevision := p.consolePage("nosync", "bob")
	var view admin.TenantView
	p.call("GET", path, adaToken, nil, http.StatusOK, &view)

	ada := editable(view)
	ada.DailyLookupBudget = 1234
	if resp, raw := p.putTenant(path, adaToken, `"`+adaRevision+`"`, ada); resp.StatusCode != http.StatusOK {
		t.Fatalf("Ada's save: %d %s", resp.StatusCode, raw)
	}
	bob := editable(view)
	bob.AccentColor = "#112233"
	resp, raw := p.putTenant(path, bobToken, `"`+bobRevision+`"`, bob)
	var e wire.Error
	if resp.StatusCode != http.StatusPreconditionFailed || json.Unmarshal(raw, &e) != nil || e.Error.Code != "tenant_changed" {
		t.Fatalf("Bob's save over Ada's: %d %s, want 412 tenant_changed", resp.StatusCode, raw)
	}
	p.call("GET", path, bobToken, nil, http.StatusOK, &view)
	if view.DailyLookupBudget != 1234 || view.AccentColor == "#112233" {
		t.Fatalf("after both saves: budget %d, accent %s; want Ada's budget kept and Bob's colour refused", view.DailyLookupBudget, view.AccentColor)
	}
	// What the console shows Bob, next to the form.
	_, script := p.do("GET", p.srv.URL+"/web/admin.js", "", nil)
	for _, want := range []string{"err.code === 'tenant_changed'",
		"This tenant was changed by someone else since you opened it — reload to see their changes."} {
		if !strings.Contains(string(script), want) {
			t.Errorf("the console script lacks %q", want)
		}
	}
	var audit struct{ Entries []admin.AuditEntry }
	p.call("GET", "/api/v1/admin/tenants/nosync/audit", adaToken, nil, http.StatusOK, &audit)
	if len(audit.Entries) == 0 || audit.Entries[0].Actor != "viewer:ada" || audit.Entries[0].Action != "tenant.update" {
		t.Errorf("audit = %+v, want Ada's update on top and nothing of Bob's", audit.Entries)
	}
}
