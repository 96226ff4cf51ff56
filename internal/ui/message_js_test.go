//go:build js && wasm

package ui

import (
	"encoding/json"
	"strings"
	"syscall/js"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/wire"
)

// connectMessage builds the object the consent popup posts.
func connectMessage(typ, code string) js.Value {
	data := js.Global().Get("Object").New()
	data.Set("type", typ)
	data.Set("code", code)
	return data
}

// The connect popup's message is believed only from the widget's own
// origin; any other page posting the same text is ignored. Real
// MessageEvents go through the widget's real window listener.
func TestBrowserConnectedMessageOnlyFromOwnOrigin(t *testing.T) {
	own := ownOrigin()
	if !strings.HasPrefix(own, "http://127.0.0.1:") {
		t.Fatalf("the test page's origin is %q, want wasmbrowsertest's loopback server", own)
	}
	for _, tc := range []struct {
		scenario string
		origin   string
		data     func() any
		want     bool
	}{
		{"the consent popup on our origin", own, func() any { return connectMessage(wire.MessageConnected, "c1") }, true},
		{"another site posting the same message", "https://evil.example", func() any { return connectMessage(wire.MessageConnected, "c1") }, false},
		{"the CRM page hosting the widget", "https://crm.example", func() any { return connectMessage(wire.MessageConnected, "c1") }, false},
		{"our host on another port", strings.Replace(own, "127.0.0.1:", "127.0.0.1:1", 1), func() any { return connectMessage(wire.MessageConnected, "c1") }, false},
		{"localhost is not 127.0.0.1", strings.Replace(own, "127.0.0.1", "localhost", 1), func() any { return connectMessage(wire.MessageConnected, "c1") }, false},
		{"a sandboxed page (origin null)", "null", func() any { return connectMessage(wire.MessageConnected, "c1") }, false},
		{"our origin, a resize message", own, func() any { return connectMessage(wire.MessageResize, "") }, false},
		{"our origin, the type as a bare string", own, func() any { return wire.MessageConnected }, false},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			codes := make(chan string, 4)
			release := listenMessages(func(origin, msgType, code string) {
				if isConnectedMessage(origin, own, msgType) {
					codes <- code
				}
			})
			defer release()
			postFrom(tc.origin, tc.data())
			code, got := receive(codes, 300*time.Millisecond)
			if got != tc.want {
				t.Fatalf("accepted = %v, want %v", got, tc.want)
			}
			if got && code != "c1" {
				t.Errorf("code %q reached the widget, want c1", code)
			}
		})
	}
}

// A released listener hears nothing more: a dismounted panel must not
// confirm a connection.
func TestBrowserReleasedListenerHearsNothing(t *testing.T) {
	heard := make(chan string, 1)
	release := listenMessages(func(origin, _, _ string) { heard <- origin })
	release()
	postFrom(ownOrigin(), connectMessage(wire.MessageConnected, "c1"))
	if o, got := receive(heard, 200*time.Millisecond); got {
		t.Fatalf("a released listener heard a message from %s", o)
	}
}

// The seller's path through the real Sales Navigator panel: it offers
// Connect, ignores a foreign page's "connected", and on the popup's message
// from our origin sends the code back and shows LinkedIn's iframe.
func TestBrowserPanelConnectsOnlyOnOwnOriginMessage(t *testing.T) {
	const iframeURL = "https://www.linkedin.com/sales/widget?sat=s1"
	connected := false
	api := stubAPI(t, func(r stubRequest) (int, string) {
		switch r.Path {
		case "/api/v1/sales-access-token":
			if !connected {
				return 403, `{"error":{"code":"linkedin_not_connected","message":"connect","connectUrl":"/w/demo/connect"}}`
			}
			return 200, `{"token":"s1","expiresAt":"2099-01-01T00:00:00Z","iframeUrl":"` + iframeURL + `"}`
		case "/api/v1/linkedin/connection":
			connected = true
			return 204, ""
		}
		return 404, `{"error":{"code":"not_found","message":"no such path"}}`
	})
	e := mount(t, &SalesNavPanel{Client: NewClient("", "tok"), RecordID: "r1", Name: "Ada Lovelace", Width: 300, Height: 336})
	if got := text(".sb-connect__title"); got != "Connect LinkedIn" {
		t.Fatalf("before connecting the panel shows %q, want the Connect offer", got)
	}

	for _, origin := range []string{"https://evil.example", "null"} {
		postFrom(origin, connectMessage(wire.MessageConnected, "forged"))
		e.ConsumeAll()
	}
	if sent := api.sent("/api/v1/linkedin/connection"); len(sent) != 0 {
		t.Fatalf("a foreign page made the widget confirm a connection: %+v", sent)
	}
	if got := text(".sb-connect__title"); got != "Connect LinkedIn" {
		t.Fatalf("after a foreign message the panel shows %q", got)
	}

	postFrom(ownOrigin(), connectMessage(wire.MessageConnected, "c1"))
	e.ConsumeAll()
	sent := api.sent("/api/v1/linkedin/connection")
	if len(sent) != 1 || sent[0].Method != "POST" || sent[0].Auth != "Bearer tok" {
		t.Fatalf("confirm requests = %+v, want one POST with the session", sent)
	}
	var body struct{ Code string }
	if err := json.Unmarshal([]byte(sent[0].Body), &body); err != nil || body.Code != "c1" {
		t.Errorf("confirm body %q, want the popup's code c1", sent[0].Body)
	}
	frame := js.Global().Get("document").Call("querySelector", "iframe.sb-panel__frame")
	if !frame.Truthy() {
		t.Fatalf("no Sales Navigator iframe after connecting; panel shows %q", text(".sb-panel"))
	}
	if src := frame.Get("src").String(); src != iframeURL {
		t.Errorf("iframe src %q, want %q", src, iframeURL)
	}
}
