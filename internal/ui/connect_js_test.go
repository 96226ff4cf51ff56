//go:build js && wasm

package ui

import (
	"syscall/js"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/wire"
)

// report sets what web/widget-early.js would have in window.snapbridgeConnect
// and fires its event, as the script does.
func report(seq int, state string, sat map[string]any) {
	g := js.Global().Get("Object").New()
	g.Set("seq", seq)
	g.Set("state", state)
	g.Set("wasm", true)
	if sat != nil {
		g.Set("sat", sat)
	}
	js.Global().Set(connectGlobal, g)
	js.Global().Get("document").Call("dispatchEvent", js.Global().Get("Event").New(connectEvent))
}

// A page prerendered for a viewer who is not connected offers Connect at
// once as a real link, asks the API for nothing, and follows the connect
// script through the popup to the Display Services iframe.
func TestBrowserPanelFollowsTheConnectScriptWithoutAskingTheAPI(t *testing.T) {
	const iframeURL = "https://www.linkedin.com/sales/widget?sat=s1"
	api := stubAPI(t, func(stubRequest) (int, string) {
		return 500, `{"error":{"code":"internal","message":"the panel must not ask"}}`
	})
	js.Global().Set(connectGlobal, js.Global().Get("Object").New())
	t.Cleanup(func() { js.Global().Delete(connectGlobal) })
	e := mount(t, &SalesNavPanel{Client: NewClient("", "tok"), RecordID: "r1", Name: "Ada Lovelace",
		Width: 300, Height: 336, ConnectURL: "/oauth/linkedin/start?tenant=demo&h=1"})
	link := js.Global().Get("document").Call("querySelector", "a[data-sb-connect]")
	if !link.Truthy() {
		t.Fatalf("no Connect link; the panel shows %q", text(".sb-panel"))
	}
	if href := link.Call("getAttribute", "href").String(); href != "/oauth/linkedin/start?tenant=demo&h=1" {
		t.Errorf("Connect link goes to %q", href)
	}
	if target := link.Call("getAttribute", "target").String(); target != "_blank" {
		t.Errorf("Connect link target = %q, want _blank (go-app's router leaves it alone)", target)
	}
	if !js.Global().Get(connectGlobal).Get("wasm").Truthy() {
		t.Error("the widget did not tell the connect script it took over")
	}

	report(1, connectWaiting, nil)
	e.ConsumeAll()
	if got := text(".sb-connect__text"); got != connectWaitingText {
		t.Errorf("with the popup open the panel says %q", got)
	}
	report(2, connectConnected, map[string]any{"token": "s1", "expiresAt": "2099-01-01T00:00:00Z", "iframeUrl": iframeURL})
	e.ConsumeAll()
	frame := js.Global().Get("document").Call("querySelector", ".sb-panel iframe.sb-panel__frame")
	if !frame.Truthy() {
		t.Fatalf("no Sales Navigator iframe after connecting; panel shows %q", text(".sb-panel"))
	}
	if src := frame.Get("src").String(); src != iframeURL {
		t.Errorf("iframe src %q, want %q", src, iframeURL)
	}
	if n := len(api.sent("/api/v1/sales-access-token")) + len(api.sent("/api/v1/linkedin/connection")); n != 0 {
		t.Errorf("the panel sent %d API requests; the page and the script had the answers", n)
	}
}

// The Display Services iframe the server prerendered stays the same,
// loaded element when the WebAssembly widget takes over the page: LinkedIn
// is not asked twice and the seller sees no flash.
func TestBrowserPrerenderedPanelFrameIsKeptNotReloaded(t *testing.T) {
	doc := js.Global().Get("document")
	if doc.Get("body").Get("moveBefore").Type() != js.TypeFunction {
		t.Skip("this Chromium cannot move an iframe without reloading it")
	}
	stubAPI(t, func(stubRequest) (int, string) {
		return 500, `{"error":{"code":"internal","message":"the panel must not ask"}}`
	})
	// What the server sent: the panel's iframe inside the prerendered page.
	pre := doc.Call("createElement", "div")
	pre.Set("className", "sb-prerendered")
	frame := doc.Call("createElement", "iframe")
	frame.Set("className", "sb-panel__frame")
	frame.Set("srcdoc", "<p>Sales Navigator</p>")
	loads := make(chan struct{}, 8)
	onLoad := js.FuncOf(func(js.Value, []js.Value) any { loads <- struct{}{}; return nil })
	defer onLoad.Release()
	frame.Call("addEventListener", "load", onLoad)
	pre.Call("append", frame)
	doc.Get("body").Call("append", pre)
	defer pre.Call("remove")
	if _, ok := receive(loads, 5*time.Second); !ok {
		t.Fatal("the prerendered iframe never loaded")
	}

	sat := &wire.SalesAccessToken{Token: "s1", ExpiresAt: time.Now().Add(time.Hour), IframeURL: "https://www.linkedin.com/sales/widget?sat=s1"}
	e := mount(t, &SalesNavPanel{Client: NewClient("", "tok"), RecordID: "r1", Name: "Ada", Width: 300, Height: 336, SAT: sat})
	pre.Call("remove") // go-app replaced the prerendered page
	e.ConsumeAll()
	kept := doc.Call("querySelector", ".sb-panel iframe.sb-panel__frame")
	if !kept.Truthy() || !kept.Equal(frame) {
		t.Fatalf("the panel does not hold the prerendered iframe; it shows %q", text(".sb-panel"))
	}
	if _, reloaded := receive(loads, 300*time.Millisecond); reloaded {
		t.Error("the prerendered iframe was loaded again")
	}
	if n := doc.Call("querySelectorAll", "iframe.sb-panel__frame").Get("length").Int(); n != 1 {
		t.Errorf("%d Sales Navigator iframes in the page, want 1", n)
	}
}
