package server_test

import (
	"encoding/base64"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/snapbridge/snapbridge/internal/ui"
)

var (
	pageBoot    = regexp.MustCompile(`data-boot="([^"]+)"`)
	pageConnect = regexp.MustCompile(`<a [^>]*data-sb-connect="1"[^>]*>`)
	pageFrame   = regexp.MustCompile(`<iframe [^>]*class="sb-panel__frame"[^>]*>`)
	pageSrc     = regexp.MustCompile(` (?:href|src)="([^"]+)"`)
)

// widgetPage prerenders the card of one record for viewer and returns the
// page and the Boot it carries.
func widgetPage(t *testing.T, p *product, viewer string) (string, ui.Boot) {
	t.Helper()
	u := p.srv.URL + "/w/demo/card?ctx=" + url.QueryEscape(p.signedContext("demo", viewer, p.demoRecords("demo", "matched")[0]))
	resp, body := p.do("GET", u, "", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET card page: %d: %s", resp.StatusCode, body)
	}
	m := pageBoot.FindSubmatch(body)
	if m == nil {
		t.Fatalf("page carries no boot:\n%s", body)
	}
	raw, err := base64.StdEncoding.DecodeString(string(m[1]))
	var b ui.Boot
	if err != nil || json.Unmarshal(raw, &b) != nil {
		t.Fatalf("boot does not decode: %v", err)
	}
	return string(body), b
}

// TestSellerCanUseThePanelBeforeTheWidgetRuns: the prerendered card already
// holds what the seller can do — a Connect link that really connects (with
// the page's own session), and once connected, LinkedIn's Display Services
// iframe with its sat — so nothing waits for the WebAssembly.
func TestSellerCanUseThePanelBeforeTheWidgetRuns(t *testing.T) {
	p := startBoth(t, nil)
	matched := p.demoRecords("demo", "matched")[0]

	page, boot := widgetPage(t, p, "crm-user-41")
	m := pageSrc.FindStringSubmatch(pageConnect.FindString(page))
	if m == nil || boot.ConnectURL == "" || boot.SAT != nil {
		t.Fatalf("page of a seller who is not connected has no Connect link (boot connectUrl %q):\n%s", boot.ConnectURL, page)
	}
	link := html.UnescapeString(m[1])
	if link != boot.ConnectURL || !strings.HasPrefix(link, p.srv.URL+"/oauth/linkedin/start?") {
		t.Fatalf("Connect link %q, boot %q", link, boot.ConnectURL)
	}
	if strings.Contains(page, "sb-panel__frame") {
		t.Error("a seller who is not connected gets a Display Services iframe")
	}
	p.connect(link, firstMember(p.li), boot.Token)

	page, boot = widgetPage(t, p, "crm-user-41")
	f := pageSrc.FindStringSubmatch(pageFrame.FindString(page))
	if f == nil || boot.SAT == nil {
		t.Fatalf("page of a connected seller has no Display Services iframe:\n%s", page)
	}
	if src := html.UnescapeString(f[1]); src != boot.SAT.IframeURL {
		t.Errorf("iframe src %q, boot iframeUrl %q", src, boot.SAT.IframeURL)
	}
	checkIframeURL(t, p, *boot.SAT, matched)
	if boot.ConnectURL != "" || strings.Contains(page, "data-sb-connect") {
		t.Error("a connected seller is offered Connect")
	}
}
