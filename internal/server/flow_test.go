package server_test

import (
	"math"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/config"
	"github.com/snapbridge/snapbridge/internal/sandbox"
	"github.com/snapbridge/snapbridge/internal/tenant"
	"github.com/snapbridge/snapbridge/internal/wire"
)

func firstMember(li *linkedIn) string { return li.Members()[0].ID }

// TestSellerConnectsAndSeesPanel walks the whole path a seller takes:
// the CRM signs a context, the widget opens a session, looks up the
// records, connects LinkedIn, gets a Sales Access Token whose iframe URL
// LinkedIn accepts, and after a server restart still needs no reconnect.
func TestSellerConnectsAndSeesPanel(t *testing.T) {
	p := startBoth(t, nil)
	li := p.li

	matched := p.demoRecords("demo", "matched")[0]
	noPhoto := p.demoRecords("demo", "no_photo")[0]
	noMatch := p.demoRecords("demo", "no_match")[0]
	s := p.newSession("demo", "crm-user-17", matched, noPhoto, noMatch)
	if s.Tenant != "demo" || s.Viewer.ID != "crm-user-17" || len(s.Records) != 3 || s.Token == "" {
		t.Fatalf("session = %+v", s)
	}
	if d := time.Until(s.ExpiresAt); d <= 0 || d > 15*time.Minute+time.Second {
		t.Fatalf("session lives %s, want at most 15m", d)
	}

	var got wire.Associations
	resp := p.call("GET", "/api/v1/associations", s.Token, nil, http.StatusOK, &got)
	for _, h := range []string{"X-RateLimit-Limit", "X-RateLimit-Used", "X-RateLimit-Remaining", "X-RateLimit-Reset"} {
		if resp.Header.Get(h) == "" {
			t.Errorf("associations answer lacks %s", h)
		}
	}
	want := map[string]string{matched.ID: wire.StatusMatched, noPhoto.ID: wire.StatusMatched, noMatch.ID: wire.StatusNoMatch}
	for _, a := range got.Associations {
		if a.Status != want[a.RecordID] {
			t.Errorf("record %s: status %s, want %s", a.RecordID, a.Status, want[a.RecordID])
		}
		switch a.RecordID {
		case matched.ID:
			if a.ProfilePhoto == "" || !strings.HasPrefix(a.Profile, li.URL+"/sales/") || !strings.HasPrefix(a.Member, "urn:li:person:") {
				t.Errorf("matched record: %+v", a)
			}
		case noPhoto.ID:
			if a.ProfilePhoto != "" || a.Profile == "" {
				t.Errorf("no-photo record: %+v", a)
			}
		}
		if a.Cached {
			t.Errorf("first look-up of %s claims to be cached", a.RecordID)
		}
	}
	if len(got.Associations) != 3 {
		t.Fatalf("got %d associations, want 3", len(got.Associations))
	}
	// The same look-up again comes from the cache and says so.
	p.call("GET", "/api/v1/associations?records="+matched.ID, s.Token, nil, http.StatusOK, &got)
	if a := got.Associations[0]; !a.Cached || a.CachedAt == nil || a.ExpiresAt == nil {
		t.Errorf("second look-up not marked cached: %+v", a)
	}

	nosync := p.newSession("nosync", "crm-user-17", p.demoRecords("nosync", "crm_sync_disabled")[0])
	p.call("GET", "/api/v1/associations", nosync.Token, nil, http.StatusOK, &got)
	if got.Associations[0].Status != wire.StatusCRMSyncDisabled {
		t.Errorf("nosync record: status %s, want crm_sync_disabled", got.Associations[0].Status)
	}

	var notConnected wire.Error
	p.call("POST", "/api/v1/sales-access-token", s.Token, map[string]string{"recordId": matched.ID}, http.StatusConflict, &notConnected)
	if notConnected.Error.Code != "linkedin_not_connected" || !strings.HasPrefix(notConnected.Error.ConnectURL, p.srv.URL+"/oauth/linkedin/start?") {
		t.Fatalf("409 body = %+v", notConnected.Error)
	}
	page := p.connect(notConnected.Error.ConnectURL, firstMember(li), s.Token)
	if !strings.Contains(page, wire.MessageConnected) || !strings.Contains(page, p.srv.URL) {
		t.Fatalf("callback page does not post %s to %s", wire.MessageConnected, p.srv.URL)
	}

	var sat wire.SalesAccessToken
	p.call("POST", "/api/v1/sales-access-token", s.Token, map[string]string{"recordId": matched.ID}, http.StatusOK, &sat)
	checkIframeURL(t, p, sat, matched)

	// The server restarts on the same database: no reconnect needed.
	p = p.restart()
	s2 := p.newSession("demo", "crm-user-17", matched)
	p.call("POST", "/api/v1/sales-access-token", s2.Token, nil, http.StatusOK, &sat)
	checkIframeURL(t, p, sat, matched)

	if leaks := p.secretsLeaked(); len(leaks) > 0 {
		t.Fatalf("a LinkedIn token leaked into: %v", leaks)
	}
}

func checkIframeURL(t *testing.T, p *product, sat wire.SalesAccessToken, r wire.Record) {
	t.Helper()
	if sat.Token == "" || time.Until(sat.ExpiresAt) < time.Minute {
		t.Fatalf("sales access token = %+v", sat)
	}
	u, err := url.Parse(sat.IframeURL)
	if err != nil || !strings.HasPrefix(sat.IframeURL, p.li.URL+"/sales/widget/profile-matching?") {
		t.Fatalf("iframeUrl = %q", sat.IframeURL)
	}
	tn := p.tenant("demo")
	q := u.Query()
	for k, v := range map[string]string{
		"apiKey": tn.LinkedIn.ClientID, "firstName": r.FirstName, "lastName": r.LastName, "email": r.Email,
		"companyName": r.Company, "crmRecordId": r.ID, "crmOrgId": tn.CRM.OrgID, "crmSourceType": tn.CRM.SourceType,
		"crmType": tn.CRM.Type, "modules": tn.Display.Modules, "version": tn.Display.Version, "isInlineMode": "true", "sat": sat.Token,
	} {
		if q.Get(k) != v {
			t.Errorf("iframeUrl %s = %q, want %q", k, q.Get(k), v)
		}
	}
	if strings.Contains(u.RawQuery, "+") {
		t.Errorf("iframeUrl encodes spaces as '+': %s", u.RawQuery)
	}
	resp, page := p.do("GET", sat.IframeURL, "", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), `data-testid="sn-member"`) {
		t.Fatalf("the Display Services stand-in refused the iframe URL: %d %s", resp.StatusCode, page)
	}
}

// startBoth starts the stand-in and snapbridge. The stand-in must know
// our OAuth callback, so the server's free port is chosen first.
func startBoth(t testing.TB, tune func(*tenant.Tenant)) *product {
	t.Helper()
	addr := freeAddr(t)
	li := startLinkedIn(t, "http://"+addr+"/oauth/linkedin/callback")
	return startProduct(t, li, t.TempDir(), addr, tune)
}

// TestManySellersAtOnce checks that bursts cost LinkedIn as little as the
// product promises: one SAT call for 50 parallel requests of one viewer,
// and few batch calls for 40 parallel look-ups of different records.
func TestManySellersAtOnce(t *testing.T) {
	addr := freeAddr(t)
	li := startLinkedIn(t, "http://"+addr+"/oauth/linkedin/callback")
	// A window wide enough that 40 requests started together arrive in it
	// even on a busy machine: the test is about sharing, not about timing.
	p := startProduct(t, li, t.TempDir(), addr, nil, func(c *config.Config) {
		c.Associations.CoalesceWindow = 300 * time.Millisecond
	})
	rec := p.demoRecords("demo", "matched")[0]
	s := p.newSession("demo", "crm-user-50", rec)
	var nc wire.Error
	p.call("POST", "/api/v1/sales-access-token", s.Token, nil, http.StatusConflict, &nc)
	p.connect(nc.Error.ConnectURL, firstMember(li), s.Token)

	li.ResetStats()
	parallel(50, func(int) {
		var sat wire.SalesAccessToken
		p.call("POST", "/api/v1/sales-access-token", s.Token, nil, http.StatusOK, &sat)
	})
	if n := li.Stats()["salesAccessTokens"]; n != 1 {
		t.Errorf("50 parallel SAT requests made %d upstream calls, want 1", n)
	}

	var records []wire.Record
	for _, outcome := range []string{"matched", "no_photo", "no_match"} {
		records = append(records, p.demoRecords("demo", outcome)...)
	}
	for i := len(records); i < 40; i++ {
		records = append(records, wire.Record{ID: "unknown-" + string(rune('a'+i%26)) + strings.Repeat("x", i/26), Type: "lead"})
	}
	records = records[:40]
	list := p.newSession("demo", "crm-user-51", records...)
	li.ResetStats()
	parallel(40, func(i int) {
		var got wire.Associations
		p.call("GET", "/api/v1/associations?records="+url.QueryEscape(records[i].ID), list.Token, nil, http.StatusOK, &got)
	})
	maxBatch := p.srv.Config.Associations.MaxBatch
	stats := li.Stats()
	calls := stats["profileAssociations.batch"] + stats["profileAssociations.get"]
	// Two more than full batches: on a busy machine the burst's requests
	// can arrive spread over more than one coalescing window. Without
	// coalescing it would take 40 calls.
	if limit := int(math.Ceil(40/float64(maxBatch))) + 2; calls == 0 || calls > limit {
		t.Errorf("40 parallel look-ups made %d upstream calls (%v), want at most %d", calls, stats, limit)
	}
}

// TestLinkedInMisbehaves covers the faults a seller must not suffer from.
func TestLinkedInMisbehaves(t *testing.T) {
	p := startBoth(t, func(tn *tenant.Tenant) { tn.Cache.Matched = 300 * time.Millisecond })
	li := p.li
	recs := p.demoRecords("demo", "matched")
	s := p.newSession("demo", "crm-user-9", recs[:4]...)
	var got wire.Associations

	// A 500 then a 200: the seller never notices.
	li.ResetStats()
	li.SetFaults(sandbox.Faults{Next500: 1})
	p.call("GET", "/api/v1/associations?records="+recs[0].ID, s.Token, nil, http.StatusOK, &got)
	if got.Associations[0].Status != wire.StatusMatched {
		t.Errorf("after one 500: status %s, want matched", got.Associations[0].Status)
	}

	// A 429: throttled, and LinkedIn is asked once, not hammered.
	li.SetFaults(sandbox.Faults{Next429: 5})
	li.ResetStats()
	p.call("GET", "/api/v1/associations?records="+recs[1].ID, s.Token, nil, http.StatusOK, &got)
	if got.Associations[0].Status != wire.StatusThrottled {
		t.Errorf("after a 429: status %s, want throttled", got.Associations[0].Status)
	}
	if n := li.Stats()["profileAssociations.get"] + li.Stats()["profileAssociations.batch"]; n != 1 {
		t.Errorf("a throttled look-up made %d upstream calls, want 1", n)
	}
	li.SetFaults(sandbox.Faults{})

	// LinkedIn down: the expired cached answer is served, marked stale.
	time.Sleep(400 * time.Millisecond)
	li.SetFaults(sandbox.Faults{Down: true})
	p.call("GET", "/api/v1/associations?records="+recs[0].ID, s.Token, nil, http.StatusOK, &got)
	if a := got.Associations[0]; a.Status != wire.StatusMatched || !a.Stale || !a.Cached || a.Profile == "" {
		t.Errorf("LinkedIn down: got %+v, want the cached match marked stale", a)
	}
	li.SetFaults(sandbox.Faults{})
}

func parallel(n int, fn func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			fn(i)
		}()
	}
	close(start)
	wg.Wait()
}
