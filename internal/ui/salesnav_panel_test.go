//go:build !js

package ui

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/snapbridge/snapbridge/internal/wire"
	"golang.org/x/net/html"
)

// TestSalesNavPanelStates drives the panel with real API answers (over
// loopback, through Client) and checks what the seller then sees.
func TestSalesNavPanelStates(t *testing.T) {
	iframeURL := "https://www.linkedin.com/sales/widget/profile-matching?apiKey=k&firstName=Ada&sat=abc"
	tests := []struct {
		scenario   string
		status     int
		body       string
		popup      string // "", "waiting" or "blocked": after pressing Connect
		wantText   []string
		wantIframe bool
		wantButton string
		wantLink   bool // the Connect link to the consent popup
		cardRetry  bool // the card above offers Retry
		notText    []string
	}{
		{scenario: "connected viewer sees the Display Services iframe, who is connected and Disconnect", status: 200,
			body: `{"token":"abc","expiresAt":"2099-01-01T00:00:00Z","iframeUrl":"` + iframeURL +
				`","connectedAs":{"name":"Avery Collins","picture":"https://media.licdn.com/a.png"}}`,
			wantIframe: true, wantText: []string{"Connected as Avery Collins"}, wantButton: "Disconnect"},
		{scenario: "connected without a name from LinkedIn still offers Disconnect", status: 200,
			body:       `{"token":"abc","expiresAt":"2099-01-01T00:00:00Z","iframeUrl":"` + iframeURL + `"}`,
			wantIframe: true, wantText: []string{"LinkedIn connected"}, wantButton: "Disconnect"},
		{scenario: "not connected shows a Connect link", status: 409,
			body:     `{"error":{"code":"linkedin_not_connected","message":"connect","connectUrl":"/oauth/start?s=1"}}`,
			wantText: []string{"Connect LinkedIn", "Sign in to LinkedIn once to see Sales Navigator here."},
			wantLink: true},
		{scenario: "while the popup is open the panel says where to finish", status: 409, popup: "waiting",
			body:     `{"error":{"code":"linkedin_not_connected","message":"connect","connectUrl":"/oauth/start?s=1"}}`,
			wantText: []string{"Finish signing in to LinkedIn in the pop-up window"},
			wantLink: true},
		{scenario: "a blocked popup is explained", status: 409, popup: "blocked",
			body:     `{"error":{"code":"linkedin_not_connected","message":"connect","connectUrl":"/oauth/start?s=1"}}`,
			wantText: []string{"blocked the sign-in window", "Allow pop-ups"},
			wantLink: true},
		{scenario: "throttled says try again in a few minutes", status: 429,
			body:     `{"error":{"code":"throttled","message":"x"}}`,
			wantText: []string{"LinkedIn is busy — try again in a few minutes"}, wantButton: "Retry"},
		{scenario: "LinkedIn down says so", status: 503,
			body:     `{"error":{"code":"linkedin_unavailable","message":"x"}}`,
			wantText: []string{"LinkedIn is not answering — try again later"}, wantButton: "Retry"},
		{scenario: "LinkedIn down while the card offers Retry: no second Retry", status: 503, cardRetry: true,
			body:     `{"error":{"code":"linkedin_unavailable","message":"x"}}`,
			wantText: []string{"Sales Navigator opens here once LinkedIn answers."}, notText: []string{"Retry", "not answering"}},
		{scenario: "LinkedIn busy while the card offers Retry: no second Retry", status: 429, cardRetry: true,
			body:     `{"error":{"code":"throttled","message":"x"}}`,
			wantText: []string{"Sales Navigator opens here once LinkedIn answers."}, notText: []string{"Retry"}},
		{scenario: "expired session asks for a reload", status: 401,
			body:     `{"error":{"code":"invalid_session","message":"x"}}`,
			wantText: []string{"This view has expired", "Reload the page"}},
		{scenario: "another refusal shows the server's words", status: 403,
			body:     `{"error":{"code":"forbidden_record","message":"This record is not in your view."}}`,
			wantText: []string{"Sales Navigator could not open", "This record is not in your view."}, wantButton: "Retry"},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			client := NewClient(srv.URL, "tok")
			p := &SalesNavPanel{Client: client, RecordID: "r1", Name: "Ada Lovelace", Width: 300, Height: 336, CardRetries: tt.cardRetry}
			p.settle(client.SalesAccessToken(context.Background(), "r1"))
			switch tt.popup {
			case "waiting":
				p.waiting = true
			case "blocked":
				p.popupBlocked = true
			}
			r := render(t, p)
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
			frames := r.all("iframe", "")
			if (len(frames) == 1) != tt.wantIframe {
				t.Fatalf("iframe shown = %v, want %v", len(frames) == 1, tt.wantIframe)
			}
			if tt.wantIframe {
				f := frames[0]
				if attrOf(f, "src") != iframeURL {
					t.Errorf("iframe src = %q, want %q", attrOf(f, "src"), iframeURL)
				}
				if attrOf(f, "width") != strconv.Itoa(300) || attrOf(f, "height") != strconv.Itoa(336) {
					t.Errorf("iframe size = %sx%s", attrOf(f, "width"), attrOf(f, "height"))
				}
				if attrOf(f, "title") != "LinkedIn Sales Navigator for Ada Lovelace" {
					t.Errorf("iframe title = %q", attrOf(f, "title"))
				}
			}
			var links []*html.Node
			for _, a := range r.all("a", "") {
				if hasAttr(a, "data-sb-connect") {
					links = append(links, a)
				}
			}
			if tt.wantLink != (len(links) == 1) {
				t.Fatalf("Connect links = %d, want link %v", len(links), tt.wantLink)
			}
			if tt.wantLink && (attrOf(links[0], "href") != "/oauth/start?s=1" || attrOf(links[0], "target") != "_blank" || attrOf(links[0], "rel") != "opener") {
				t.Errorf("Connect link href=%q target=%q", attrOf(links[0], "href"), attrOf(links[0], "target"))
			}
			if tt.wantLink {
				// One sentence and one action, in LinkedIn's colour, its
				// visible label first in its accessible name.
				l := links[0]
				if !strings.HasPrefix(attrOf(l, "aria-label"), "Connect LinkedIn") || !hasClass(l, "sb-btn--linkedin") {
					t.Errorf("Connect link label %q class %q", attrOf(l, "aria-label"), attrOf(l, "class"))
				}
				if n := strings.Count(text, "Connect LinkedIn"); n != 1 {
					t.Errorf("the offer says Connect LinkedIn %d times: %q", n, text)
				}
				if ph := r.one(t, "div", "sb-panel--placeholder"); strings.Contains(attrOf(ph, "style"), "min-height") {
					t.Errorf("the Connect offer holds the panel's full height: style %q", attrOf(ph, "style"))
				}
			}
			buttons := r.all("button", "")
			switch {
			case tt.wantButton == "" && len(buttons) != 0:
				t.Errorf("want no button, got %d", len(buttons))
			case tt.wantButton != "" && (len(buttons) != 1 || !strings.Contains(r.text(), tt.wantButton) || attrOf(buttons[0], "type") != "button"):
				t.Errorf("want one <button type=button> %q, got %d", tt.wantButton, len(buttons))
			}
		})
	}
}

func TestSalesNavPanelRefusesUnsafeConnectURLs(t *testing.T) {
	tests := []struct {
		scenario string
		url      string
		want     bool
	}{
		{"path on the widget's origin", "/oauth/linkedin/start?state=x", true},
		{"absolute https", "https://snapbridge.example/oauth/start", true},
		{"javascript", "javascript:alert(1)", false},
		{"protocol-relative to another host", "//evil.example/x", false},
		{"backslash trick", "/\\evil.example", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			if got := isConnectURL(tt.url); got != tt.want {
				t.Errorf("isConnectURL(%q) = %v, want %v", tt.url, got, tt.want)
			}
		})
	}
}

func TestPopupThatEndsWithoutConnectingOffersConnectAgain(t *testing.T) {
	tests := []struct {
		scenario string
		state    string
		want     string
	}{
		{scenario: "popup closed by hand", state: connectClosed, want: "You closed the LinkedIn window"},
		{scenario: "consent denied", state: connectCancelled, want: "LinkedIn sign-in was cancelled"},
		{scenario: "consent failed", state: connectRefused, want: "LinkedIn did not complete the sign-in"},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			p := &SalesNavPanel{RecordID: "r1", Name: "Ada Lovelace", Width: 300, Height: 336, ConnectURL: "/oauth/start?h=spent"}
			p.OnInit()
			p.follow(connectStatus{seq: 1, state: connectWaiting})
			if !p.waiting {
				t.Fatal("the panel does not follow the open popup")
			}
			p.follow(connectStatus{seq: 2, state: tt.state, connectURL: "/oauth/start?h=fresh"})
			r := render(t, p)
			if text := r.text(); !strings.Contains(text, tt.want) || strings.Contains(text, "Finish signing in") {
				t.Fatalf("after the popup ended: %q, want %q", text, tt.want)
			}
			var href string
			for _, a := range r.all("a", "") {
				if hasAttr(a, "data-sb-connect") {
					href = attrOf(a, "href")
				}
			}
			if href != "/oauth/start?h=fresh" {
				t.Fatalf("Connect again opens %q, want the fresh consent address", href)
			}
		})
	}
}

func TestDisconnectAsksOnceInline(t *testing.T) {
	p := &SalesNavPanel{RecordID: "r1", Name: "Ada Lovelace", Width: 300, Height: 336}
	p.state = panelReady
	p.sat.IframeURL = "https://www.linkedin.com/sales/widget/profile-matching?sat=abc"
	p.confirmOff = true
	r := render(t, p)
	text := r.text()
	if !strings.Contains(text, "Disconnect LinkedIn?") {
		t.Fatalf("confirmation missing: %q", text)
	}
	var labels []string
	for _, b := range r.all("button", "") {
		labels = append(labels, rendered{root: b}.text())
	}
	if strings.Join(labels, ",") != "Disconnect,Cancel" {
		t.Fatalf("confirmation buttons = %v, want Disconnect, Cancel", labels)
	}
	if len(r.all("iframe", "")) != 1 {
		t.Fatal("the iframe must stay while the seller decides")
	}
}

// The photo beside "Connected as <name>" repeats the name: a screen reader
// must skip it rather than read an unlabelled image (axe-core image-alt).
func TestConnectedAsPhotoIsSkippedByScreenReaders(t *testing.T) {
	p := &SalesNavPanel{RecordID: "r1", Name: "Ada Lovelace", Width: 300, Height: 336}
	p.state = panelReady
	p.sat.IframeURL = "https://www.linkedin.com/sales/widget/profile-matching?sat=abc"
	p.sat.ConnectedAs = &wire.LinkedInMember{Name: "Avery Collins", Picture: "https://media.licdn.com/a.png"}
	r := render(t, p)
	img := r.one(t, "img", "sb-connected__photo")
	decorative := (hasAttr(img, "alt") && attrOf(img, "alt") == "") ||
		attrOf(img, "role") == "presentation" || attrOf(img, "role") == "none"
	if !decorative {
		t.Fatalf("the Connected as photo is an image without a text alternative: %s", r.raw)
	}
}
