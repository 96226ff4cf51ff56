package server_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/config"
	"github.com/snapbridge/snapbridge/internal/server"
	"github.com/snapbridge/snapbridge/internal/store"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// TestSATAskedAgainAndAgainKeepsOneConnectLink: a widget that keeps asking
// for a Sales Access Token while its seller is not connected (a reload
// loop, a stuck retry) gets the same connect link every time instead of
// filling the database with new ones, and that link connects.
func TestSATAskedAgainAndAgainKeepsOneConnectLink(t *testing.T) {
	p := startBoth(t, nil)
	rec := p.demoRecords("demo", "matched")[0]
	s := p.newSession("demo", "seller-loop", rec)
	const rounds, perRound = 15, 20 // 300 requests, 20 at a time
	var mu sync.Mutex
	links := map[string]int{}
	for range rounds {
		parallel(perRound, func(int) {
			resp, raw := p.do("POST", p.srv.URL+"/api/v1/sales-access-token", s.Token, nil)
			var e wire.Error
			if err := json.Unmarshal(raw, &e); resp.StatusCode != http.StatusConflict || err != nil || e.Error.ConnectURL == "" {
				t.Errorf("SAT while not connected: %d %s, want 409 with a connect URL", resp.StatusCode, raw)
				return
			}
			mu.Lock()
			links[e.Error.ConnectURL]++
			mu.Unlock()
		})
	}
	// Parallel requests leave connections the client dialled but never
	// used; the server's shutdown would wait for them as if busy.
	p.http.CloseIdleConnections()
	if t.Failed() {
		t.FailNow()
	}
	if len(links) != 1 {
		t.Fatalf("%d SAT requests of one session got %d different connect links, want 1", rounds*perRound, len(links))
	}
	if n := countOneTime(t, p, "handle"); n != 1 {
		t.Fatalf("%d SAT requests of one session left %d connect handles in the database, want 1", rounds*perRound, n)
	}
	for link := range links {
		p.connect(link, firstMember(p.li), s.Token)
	}
	p.call("POST", "/api/v1/sales-access-token", s.Token, nil, http.StatusOK, nil)
}

// TestStrangerCannotSpendTheConfirmationCode: whoever learns the code the
// consent popup posts to the widget (another seller, another tenant's
// session, the same seller's other tab) is refused, and the refusal does
// not cost the seller who connected their connection.
func TestStrangerCannotSpendTheConfirmationCode(t *testing.T) {
	p := startBoth(t, nil)
	rec := p.demoRecords("demo", "matched")[0]
	seller := p.newSession("demo", "seller-a", rec)
	var nc wire.Error
	p.call("POST", "/api/v1/sales-access-token", seller.Token, nil, http.StatusConflict, &nc)
	page := p.consentPage(nc.Error.ConnectURL, firstMember(p.li))
	m := confirmCode.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the callback page carries no confirmation code: %s", page)
	}
	code := m[1]
	for _, tc := range []struct {
		scenario string
		stranger wire.Session
	}{
		{scenario: "another seller of the same tenant", stranger: p.newSession("demo", "seller-b", rec)},
		{scenario: "the same seller in another session", stranger: p.newSession("demo", "seller-a", rec)},
		{scenario: "a seller of another tenant", stranger: p.newSession("nosync", "seller-a", p.demoRecords("nosync", "crm_sync_disabled")[0])},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			var e wire.Error
			p.with(t).call("POST", "/api/v1/linkedin/connection", tc.stranger.Token, map[string]string{"code": code}, http.StatusBadRequest, &e)
			if e.Error.Code != "connect_confirm_invalid" {
				t.Errorf("code %q, want connect_confirm_invalid", e.Error.Code)
			}
		})
	}
	p.call("POST", "/api/v1/linkedin/connection", seller.Token, map[string]string{"code": code}, http.StatusNoContent, nil)
	p.call("POST", "/api/v1/sales-access-token", seller.Token, nil, http.StatusOK, nil)
	p.call("POST", "/api/v1/linkedin/connection", seller.Token, map[string]string{"code": code}, http.StatusBadRequest, nil)
}

// TestLinkedInErrorTextNeverReachesPopupOrLog: LinkedIn's error and
// error_description parameters arrive in a URL anyone can write. The
// popup shows a fixed message (naming only a code LinkedIn documents) and
// the log records only that code.
func TestLinkedInErrorTextNeverReachesPopupOrLog(t *testing.T) {
	p := startBoth(t, nil)
	rec := p.demoRecords("demo", "matched")[0]
	hostile := "<script>alert('pwned')</script>\r\n{\"level\":\"ERROR\",\"msg\":\"pwned\"}\n" + strings.Repeat("pwned", 2<<10)
	tests := []struct {
		scenario, errCode, state string
		status                   int
		wantPage, wantLog        string
		// identity: LinkedIn first refuses the identity scopes (openid
		// profile), which the callback asks again without.
		identity bool
	}{
		{scenario: "the member cancels; the description is hostile", errCode: "user_cancelled_login", status: http.StatusOK,
			wantPage: "You did not allow access", wantLog: `"linkedinError":"user_cancelled_login"`},
		{scenario: "the member refuses; the description is hostile", errCode: "user_cancelled_authorize", status: http.StatusOK,
			wantPage: "You did not allow access", wantLog: `"linkedinError":"user_cancelled_authorize"`},
		{scenario: "LinkedIn's documented scope error is named", errCode: "unauthorized_scope_error", status: http.StatusOK, identity: true,
			wantPage: "LinkedIn did not complete the sign-in (unauthorized_scope_error).", wantLog: `"linkedinError":"unauthorized_scope_error"`},
		{scenario: "a hostile error code", errCode: hostile, status: http.StatusOK,
			wantPage: "LinkedIn did not complete the sign-in. Close", wantLog: `"linkedinError":"other"`},
		{scenario: "a hostile error code with a made-up state", errCode: hostile, state: "made-up", status: http.StatusBadRequest,
			wantPage: "This sign-in was already completed or has expired."},
	}
	for i, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			p := p.with(t)
			state := tc.state
			if state == "" {
				s := p.newSession("demo", "seller-"+string(rune('a'+i)), rec)
				var nc wire.Error
				p.call("POST", "/api/v1/sales-access-token", s.Token, nil, http.StatusConflict, &nc)
				resp, _ := p.do("GET", nc.Error.ConnectURL, "", nil)
				loc, err := url.Parse(resp.Header.Get("Location"))
				if err != nil || loc.Query().Get("state") == "" {
					t.Fatalf("connect start redirects to %q, want LinkedIn's consent page with a state", resp.Header.Get("Location"))
				}
				state = loc.Query().Get("state")
			}
			q := url.Values{"state": {state}, "error": {tc.errCode}, "error_description": {hostile}}
			if tc.identity {
				resp, _ := p.do("GET", p.srv.URL+"/oauth/linkedin/callback?"+q.Encode(), "", nil)
				loc, err := url.Parse(resp.Header.Get("Location"))
				if resp.StatusCode != http.StatusFound || err != nil || strings.Contains(loc.Query().Get("scope"), "openid") || loc.Query().Get("state") == "" {
					t.Fatalf("identity scopes refused: %d to %q, want LinkedIn's consent again without openid", resp.StatusCode, resp.Header.Get("Location"))
				}
				q.Set("state", loc.Query().Get("state"))
			}
			resp, page := p.do("GET", p.srv.URL+"/oauth/linkedin/callback?"+q.Encode(), "", nil)
			if resp.StatusCode != tc.status || !strings.Contains(string(page), tc.wantPage) {
				t.Fatalf("callback: %d, want %d with %q: %s", resp.StatusCode, tc.status, tc.wantPage, firstBytes(page))
			}
			if strings.Contains(strings.ToLower(string(page)), "pwned") {
				t.Fatalf("the popup page shows LinkedIn's text: %s", firstBytes(page))
			}
			if tc.wantLog != "" && !strings.Contains(p.logs.String(), tc.wantLog) {
				t.Fatalf("the log lacks %s", tc.wantLog)
			}
		})
	}
	if logs := p.logs.String(); strings.Contains(strings.ToLower(logs), "pwned") {
		t.Fatalf("LinkedIn's error text reached the log: %s", firstBytes([]byte(logs[max(0, strings.Index(strings.ToLower(logs), "pwned")-200):])))
	}
}

// TestServerPurgesExpiredConnectLinksAndContextIDs: connect links, OAuth
// states, confirmation codes and used context ids that nobody comes back
// for are deleted by the server in the background, and the purger stops
// with the server.
func TestServerPurgesExpiredConnectLinksAndContextIDs(t *testing.T) {
	li := startLinkedIn(t, "http://127.0.0.1:1/oauth/linkedin/callback")
	later := time.Now().Add(time.Hour) // the purger's clock
	passes := make(chan store.Purged, 1)
	cfg := config.Defaults()
	cfg.Addr = "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	useTestDatabase(t, &cfg)
	cfg.Secrets = testSecrets
	cfg.OperatorKey = testOperatorKey
	cfg.LinkedIn.APIBase = li.URL + "/v2"
	cfg.LinkedIn.RestBase = li.URL + "/rest"
	cfg.LinkedIn.AuthURL = li.URL + "/oauth/v2/authorization"
	cfg.LinkedIn.TokenURL = li.URL + "/oauth/v2/accessToken"
	cfg.LinkedIn.DisplayURL = li.URL + "/sales/widget/profile-matching"
	cfg.Purge = config.Purge{Interval: time.Hour, Now: func() time.Time { return later },
		AfterPass: func(p store.Purged) {
			select {
			case passes <- p:
			default:
			}
		}}
	srv, err := server.New(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("start server: %v", err)
	}
	ctx := context.Background()
	for _, kind := range []string{"handle", "state", "pending"} {
		if err := srv.DB.PutOneTime(ctx, kind, "expired-"+kind, store.OneTime{Tenant: "demo", ExpiresAt: time.Now().Add(time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := srv.DB.PutOneTime(ctx, "handle", "live", store.OneTime{Tenant: "demo", ExpiresAt: later.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	for jti, exp := range map[string]time.Time{"expired": time.Now().Add(time.Minute), "live": later.Add(time.Minute)} {
		if fresh, err := srv.DB.RememberJTI(ctx, "demo", jti, exp); err != nil || !fresh {
			t.Fatalf("RememberJTI %s: %v, %v", jti, fresh, err)
		}
	}

	serveCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(serveCtx) }()
	got := <-passes
	stop()
	if err := <-done; err != nil {
		t.Fatalf("server stopped with: %v", err)
	}
	if want := (store.Purged{OneTime: 3, ContextIDs: 1}); got != want {
		t.Fatalf("the first purge pass removed %+v, want %+v", got, want)
	}
	db, err := server.OpenStore(srv.Config)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.TakeOneTime(ctx, "handle", "live", later); err != nil {
		t.Fatalf("the live connect handle was purged: %v", err)
	}
	if fresh, err := db.RememberJTI(ctx, "demo", "live", later.Add(time.Minute)); err != nil || fresh {
		t.Fatalf("the live context id was purged (fresh %v, %v)", fresh, err)
	}
}

// consentPage walks the consent popup as connect does, up to the page of
// our callback, without confirming.
func (p *product) consentPage(connectURL, member string) string {
	p.t.Helper()
	resp, _ := p.do("GET", connectURL, "", nil)
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil {
		p.t.Fatalf("connect start: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	form := loc.Query()
	form.Set("member", member)
	form.Set("decision", "allow")
	presp, err := p.http.PostForm(p.li.URL+"/oauth/v2/authorization", form)
	if err != nil {
		p.t.Fatal(err)
	}
	presp.Body.Close()
	resp, page := p.do("GET", presp.Header.Get("Location"), "", nil)
	if resp.StatusCode != http.StatusOK {
		p.t.Fatalf("callback: %d: %s", resp.StatusCode, page)
	}
	return string(page)
}

// countOneTime counts the stored one-time values of kind, read through a
// connection of its own.
func countOneTime(t *testing.T, p *product, kind string) int {
	t.Helper()
	return countRows(t, p.srv.Config, `SELECT COUNT(*) FROM oauth_states WHERE kind = ?`, kind)
}

func firstBytes(b []byte) string { return string(b[:min(len(b), 600)]) }
