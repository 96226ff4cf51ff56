//go:build !js

package ui

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"github.com/snapbridge/snapbridge/internal/wire"
	"golang.org/x/net/html"
)

var routesOnce sync.Once

// prerender serves one page through go-app's real handler, the way the
// server does, and returns the parsed HTML.
func prerender(t *testing.T, target string) rendered {
	t.Helper()
	routesOnce.Do(Routes)
	h := &app.Handler{Version: "test", Icon: app.Icon{Default: "/web/icon.svg"}, Resources: app.LocalDir("")}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s: status %d", target, rec.Code)
	}
	return parseHTML(t, rec.Body.String())
}

func TestPrerenderedPageCarriesBootAndCard(t *testing.T) {
	expires := time.Date(2026, 5, 4, 12, 15, 0, 0, time.UTC)
	type call struct {
		tenant, mode, referer string
		page                  *url.URL
	}
	tests := []struct {
		scenario string
		target   string
		boot     Boot
		noLoader bool
		wantCall call
		wantText []string
		notText  []string
		check    func(t *testing.T, r rendered, b Boot)
	}{
		{
			scenario: "card page: loader gets tenant, mode, ctx and referer; card shows at once",
			target:   "/w/demo/card?ctx=abc.def&" + RefererParam + "=https%3A%2F%2Fcrm.example%2Fr%2F1",
			boot: Boot{Token: "sess-1", ExpiresAt: expires, Accent: "#123abc", ParentOrigin: "https://crm.example",
				Records:      []wire.Record{{ID: "r1", FirstName: "Ada", LastName: "Lovelace", Title: "VP"}},
				Associations: []wire.Association{{RecordID: "r1", Status: wire.StatusMatched, Profile: "https://www.linkedin.com/sales/people/1"}}},
			wantCall: call{tenant: "demo", mode: "card", referer: "https://crm.example/r/1"},
			wantText: []string{"Ada Lovelace", "VP", "View in Sales Navigator", "Opening Sales Navigator…"},
			notText:  []string{"Loading"},
			check: func(t *testing.T, r rendered, b Boot) {
				if b.Token != "sess-1" || !b.ExpiresAt.Equal(expires) || b.ParentOrigin != "https://crm.example" || b.Mode != ModeCard {
					t.Errorf("boot in page = %+v", b)
				}
				root := r.one(t, "div", "sb-widget")
				if !strings.Contains(attrOf(root, "style"), "--sb-accent:#123abc") {
					t.Errorf("accent not applied: style=%q", attrOf(root, "style"))
				}
			},
		},
		{
			scenario: "list page renders a row per record with defaults applied",
			target:   "/w/acme-2/list?ctx=x",
			boot: Boot{Token: "s", Accent: "red;}body{display:none", ParentOrigin: "*", FrameWidth: -1,
				Records: []wire.Record{{ID: "a", FirstName: "Ada"}, {ID: "b", FirstName: "Alan"}}},
			wantCall: call{tenant: "acme-2", mode: "list"},
			wantText: []string{"Ada", "Alan", "Looking up…"},
			check: func(t *testing.T, r rendered, b Boot) {
				if len(r.all("li", "sb-list__row")) != 2 {
					t.Errorf("want 2 rows")
				}
				if b.Accent != DefaultAccent || b.ParentOrigin != "" || b.FrameWidth != DefaultFrameWidth || b.Mode != ModeList {
					t.Errorf("defaults not applied: %+v", b)
				}
			},
		},
		{
			scenario: "a refused context shows an error card and no token",
			target:   "/w/demo/card?ctx=reused",
			boot:     Boot{Error: &wire.ErrorDetail{Code: "context_reused", Message: "This link was already used."}},
			wantCall: call{tenant: "demo", mode: "card"},
			wantText: []string{"Sales Navigator could not open", "This link was already used.", "Reload the page"},
			notText:  []string{"View in Sales Navigator"},
			check: func(t *testing.T, r rendered, b Boot) {
				if b.Token != "" {
					t.Error("error page carries a token")
				}
			},
		},
		{
			scenario: "without a loader the page says it is not set up",
			target:   "/w/demo/card?ctx=x",
			noLoader: true,
			wantText: []string{"Sales Navigator is not set up here"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			var got call
			SetLoader(func(ctx context.Context, tenant, mode string, page *url.URL, referer string) Boot {
				got = call{tenant: tenant, mode: mode, referer: referer, page: page}
				return tt.boot
			})
			if tt.noLoader {
				SetLoader(nil)
			}
			t.Cleanup(func() { SetLoader(nil) })

			r := prerender(t, tt.target)
			if !tt.noLoader {
				if got.tenant != tt.wantCall.tenant || got.mode != tt.wantCall.mode || got.referer != tt.wantCall.referer {
					t.Errorf("loader called with %q %q %q, want %+v", got.tenant, got.mode, got.referer, tt.wantCall)
				}
				if got.page.Query().Has(RefererParam) || got.page.Query().Get("ctx") == "" {
					t.Errorf("loader page URL = %s: want ctx kept and %s removed", got.page, RefererParam)
				}
			}
			text := r.text()
			for _, w := range tt.wantText {
				if !strings.Contains(text, w) {
					t.Errorf("text %q missing from %q", w, text)
				}
			}
			for _, w := range tt.notText {
				if strings.Contains(text, w) {
					t.Errorf("text %q should not be in %q", w, text)
				}
			}
			bootEl := findByID(r, bootElementID)
			if bootEl == nil {
				t.Fatalf("no #%s in page:\n%s", bootElementID, r.raw)
			}
			b, err := decodeBoot(attrOf(bootEl, "data-boot"))
			if err != nil {
				t.Fatalf("boot in page does not decode: %v", err)
			}
			if tt.check != nil {
				tt.check(t, r, b)
			}
		})
	}
}

func findByID(r rendered, id string) *html.Node {
	for _, n := range r.all("div", "") {
		if attrOf(n, "id") == id {
			return n
		}
	}
	return nil
}

func TestWidgetKeepsGoodAnswersWhenARefreshFails(t *testing.T) {
	tests := []struct {
		scenario string
		err      error
		want     map[string]string
		expired  bool
	}{
		{scenario: "throttled: pending and failed rows become throttled, answers stay",
			err:  &APIError{Status: 429, Detail: wire.ErrorDetail{Code: CodeThrottled}},
			want: map[string]string{"a": wire.StatusMatched, "b": wire.StatusNoMatch, "c": wire.StatusThrottled, "d": wire.StatusThrottled}},
		{scenario: "LinkedIn down: same, as unavailable",
			err:  &APIError{Status: 503, Detail: wire.ErrorDetail{Code: CodeUnavailable}},
			want: map[string]string{"a": wire.StatusMatched, "b": wire.StatusNoMatch, "c": wire.StatusUnavailable, "d": wire.StatusUnavailable}},
		{scenario: "the tenant's budget spent: not LinkedIn busy, and no Retry",
			err:  &APIError{Status: 429, Detail: wire.ErrorDetail{Code: CodeBudgetSpent}},
			want: map[string]string{"a": wire.StatusMatched, "b": wire.StatusNoMatch, "c": statusBudgetSpent, "d": statusBudgetSpent}},
		{scenario: "expired session: the widget says so",
			err:     &APIError{Status: 401, Detail: wire.ErrorDetail{Code: "invalid_session"}},
			want:    map[string]string{"a": wire.StatusMatched, "b": wire.StatusNoMatch, "c": wire.StatusThrottled},
			expired: true},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			w := &Widget{}
			w.setBoot(Boot{Records: []wire.Record{{ID: "a"}, {ID: "b"}, {ID: "c"}, {ID: "d"}},
				Associations: []wire.Association{{RecordID: "a", Status: wire.StatusMatched}, {RecordID: "b", Status: wire.StatusNoMatch},
					{RecordID: "c", Status: wire.StatusThrottled}}})
			w.settle([]string{"a", "b", "c", "d"}, nil, tt.err)
			for id, want := range tt.want {
				if got := w.assocs[id].Status; got != want {
					t.Errorf("record %s: status %q, want %q", id, got, want)
				}
			}
			if w.expired != tt.expired {
				t.Errorf("expired = %v, want %v", w.expired, tt.expired)
			}
			// The test engine would run OnPreRender (and the Loader) again,
			// so the widget's content is rendered on its own.
			text := parseHTML(t, app.HTMLString(w.content())).text()
			if tt.expired && !strings.Contains(text, "This view has expired") {
				t.Errorf("expired session not shown: %q", text)
			}
		})
	}
}

// TestPrerenderedCardShowsThePanelTheSellerCanUse: the server's prerender
// already carries what the seller can do: LinkedIn's iframe with its sat
// for a connected seller, a working Connect link for one who is not, and
// the loading state only when the server could not tell in time.
func TestPrerenderedCardShowsThePanelTheSellerCanUse(t *testing.T) {
	const iframeURL = "https://www.linkedin.com/sales/widget/profile-matching?apiKey=k&sat=sat-123"
	records := []wire.Record{{ID: "r1", FirstName: "Ada", LastName: "Lovelace"}}
	tests := []struct {
		scenario   string
		boot       Boot
		wantIframe string // its src; "" for none
		wantLink   string // the Connect link's href; "" for none
		wantText   string
	}{
		{scenario: "connected seller: the Display Services iframe with its sat",
			boot:       Boot{Token: "s", Records: records, SAT: &wire.SalesAccessToken{Token: "sat-123", ExpiresAt: time.Now().Add(time.Hour), IframeURL: iframeURL}},
			wantIframe: iframeURL},
		{scenario: "seller not connected: a Connect link to the consent popup",
			boot:     Boot{Token: "s", Records: records, ConnectURL: "https://snapbridge.example/oauth/linkedin/start?tenant=demo&h=H1"},
			wantLink: "https://snapbridge.example/oauth/linkedin/start?tenant=demo&h=H1", wantText: "Sign in to LinkedIn once to see Sales Navigator here."},
		{scenario: "not known in time: the panel is loading and the widget asks",
			boot: Boot{Token: "s", Records: records}, wantText: "Opening Sales Navigator…"},
		{scenario: "an iframe URL that is not a web address is never framed",
			boot:     Boot{Token: "s", Records: records, SAT: &wire.SalesAccessToken{Token: "x", ExpiresAt: time.Now().Add(time.Hour), IframeURL: "javascript:alert(1)"}},
			wantText: "Opening Sales Navigator…"},
		{scenario: "a connect address that is not a web address is never linked",
			boot:     Boot{Token: "s", Records: records, ConnectURL: "javascript:alert(1)"},
			wantText: "Opening Sales Navigator…"},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			SetLoader(func(context.Context, string, string, *url.URL, string) Boot { return tt.boot })
			t.Cleanup(func() { SetLoader(nil) })
			r := prerender(t, "/w/demo/card?ctx=x")
			frames := r.all("iframe", "sb-panel__frame")
			switch {
			case tt.wantIframe == "" && len(frames) != 0:
				t.Errorf("page frames %q", attrOf(frames[0], "src"))
			case tt.wantIframe != "" && (len(frames) != 1 || attrOf(frames[0], "src") != tt.wantIframe):
				t.Fatalf("page has %d panel iframes, want one with src %q:\n%s", len(frames), tt.wantIframe, r.raw)
			case tt.wantIframe != "":
				if attrOf(frames[0], "width") != "300" || attrOf(frames[0], "height") != "336" ||
					attrOf(frames[0], "title") != "LinkedIn Sales Navigator for Ada Lovelace" {
					t.Errorf("iframe %sx%s titled %q", attrOf(frames[0], "width"), attrOf(frames[0], "height"), attrOf(frames[0], "title"))
				}
			}
			var links []*html.Node
			for _, a := range r.all("a", "") {
				if hasAttr(a, "data-sb-connect") {
					links = append(links, a)
				}
			}
			switch {
			case tt.wantLink == "" && len(links) != 0:
				t.Errorf("page links Connect to %q", attrOf(links[0], "href"))
			case tt.wantLink != "" && (len(links) != 1 || attrOf(links[0], "href") != tt.wantLink || attrOf(links[0], "target") != "_blank" || attrOf(links[0], "rel") != "opener"):
				t.Fatalf("page has %d Connect links, want one to %q:\n%s", len(links), tt.wantLink, r.raw)
			}
			if tt.wantText != "" && !strings.Contains(r.text(), tt.wantText) {
				t.Errorf("text %q missing from %q", tt.wantText, r.text())
			}
		})
	}
}

// TestPrerenderedCardFitsAroundThePanel: the card shows the person once.
// With LinkedIn's panel showing it is a compact header; while Connect is
// the action to take, the Sales Navigator link steps back; the full card
// stays for sellers without the panel.
func TestPrerenderedCardFitsAroundThePanel(t *testing.T) {
	records := []wire.Record{{ID: "r1", Type: "contact", FirstName: "Ada", LastName: "Lovelace", Title: "VP", Company: "Analytical Engines"}}
	matched := []wire.Association{{RecordID: "r1", Status: wire.StatusMatched, Profile: "https://www.linkedin.com/sales/people/1",
		ProfilePhoto: "https://media.licdn.com/ada.jpg"}}
	sat := &wire.SalesAccessToken{Token: "sat", ExpiresAt: time.Now().Add(time.Hour), IframeURL: "https://www.linkedin.com/sales/widget/x?sat=sat"}
	tests := []struct {
		scenario      string
		boot          Boot
		wantHeader    bool
		wantSecondary bool
		wantText      []string
		notText       []string
	}{
		{"connected: a header with name, record type and the link", Boot{Token: "s", Records: records, Associations: matched, SAT: sat},
			true, false, []string{"Ada Lovelace", "Contact", "View in Sales Navigator"}, []string{"Analytical Engines"}},
		{"not connected: the full card, its link behind Connect", Boot{Token: "s", Records: records, Associations: matched, ConnectURL: "/oauth/x"},
			false, true, []string{"Ada Lovelace", "VP", "Analytical Engines", "View in Sales Navigator", "Connect LinkedIn"}, nil},
		{"panel not known yet: the full card", Boot{Token: "s", Records: records, Associations: matched},
			false, false, []string{"Ada Lovelace", "Analytical Engines", "View in Sales Navigator"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			SetLoader(func(context.Context, string, string, *url.URL, string) Boot { return tt.boot })
			t.Cleanup(func() { SetLoader(nil) })
			r := prerender(t, "/w/demo/card?ctx=x")
			if got := len(r.all("article", "sb-card--header")) == 1; got != tt.wantHeader {
				t.Errorf("header card = %v, want %v", got, tt.wantHeader)
			}
			link := r.one(t, "a", "sb-card__link")
			if got := hasClass(link, "sb-btn--outline"); got != tt.wantSecondary {
				t.Errorf("link secondary = %v, want %v (class %q)", got, tt.wantSecondary, attrOf(link, "class"))
			}
			text := r.text()
			for _, w := range tt.wantText {
				if !strings.Contains(text, w) {
					t.Errorf("text %q missing from %q", w, text)
				}
			}
			for _, w := range tt.notText {
				if strings.Contains(text, w) {
					t.Errorf("text %q should not be in %q", w, text)
				}
			}
		})
	}
}

// TestPrerenderedWidgetCarriesItsTheme: the server's theme is on the page
// from the first paint; anything but dark is light.
func TestPrerenderedWidgetCarriesItsTheme(t *testing.T) {
	for _, tc := range []struct{ scenario, theme, want string }{
		{"dark", ThemeDark, "dark"},
		{"light", ThemeLight, "light"},
		{"none said", "", "light"},
		{"something else", "purple", "light"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			SetLoader(func(context.Context, string, string, *url.URL, string) Boot {
				return Boot{Token: "s", Theme: tc.theme, Records: []wire.Record{{ID: "r1", FirstName: "Ada"}}}
			})
			t.Cleanup(func() { SetLoader(nil) })
			r := prerender(t, "/w/demo/card?ctx=x")
			var root *html.Node
			for _, d := range r.all("div", "sb-widget") {
				root = d
			}
			if root == nil || attrOf(root, "data-theme") != tc.want {
				t.Fatalf("widget root data-theme = %q, want %q", attrOf(root, "data-theme"), tc.want)
			}
		})
	}
}
