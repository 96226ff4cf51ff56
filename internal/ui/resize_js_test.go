//go:build js && wasm

package ui

import (
	"math"
	"syscall/js"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/wire"
)

// resizeMessage is a snapbridge:resize message as the host page receives it.
type resizeMessage struct {
	origin string
	height int
}

// hostFrame is a same-origin iframe standing in as the widget's parent
// window (the test page is a top-level page, so it has none): messages the
// widget posts really travel through the browser to it, and the browser
// drops those whose targetOrigin is not the frame's origin.
type hostFrame struct {
	received chan resizeMessage
	targets  chan string // targetOrigin of every postMessage call
}

// withHostFrame makes window.parent a fresh iframe until the test ends.
// window.parent is [Replaceable] in WebIDL, so a page may shadow it.
func withHostFrame(t *testing.T) *hostFrame {
	t.Helper()
	win := js.Global()
	doc := win.Get("document")
	frame := doc.Call("createElement", "iframe")
	doc.Get("body").Call("appendChild", frame)
	host := frame.Get("contentWindow")
	h := &hostFrame{received: make(chan resizeMessage, 16), targets: make(chan string, 16)}

	onMessage := js.FuncOf(func(_ js.Value, args []js.Value) any {
		ev := args[0]
		if d := ev.Get("data"); d.Type() == js.TypeObject && d.Get("type").String() == wire.MessageResize {
			h.received <- resizeMessage{origin: ev.Get("origin").String(), height: d.Get("height").Int()}
		}
		return nil
	})
	host.Call("addEventListener", "message", onMessage)
	// Record the targetOrigin, then let the browser deliver (or drop) it.
	realPost := host.Get("postMessage")
	spy := js.FuncOf(func(_ js.Value, args []js.Value) any {
		h.targets <- args[1].String()
		return realPost.Call("call", host, args[0], args[1])
	})
	host.Set("postMessage", spy)

	orig := win.Get("parent")
	win.Set("parent", host)
	if !win.Get("parent").Equal(host) {
		t.Fatal("this browser does not let the page replace window.parent")
	}
	t.Cleanup(func() {
		win.Set("parent", orig)
		frame.Call("remove")
		onMessage.Release()
		spy.Release()
	})
	return h
}

// bodyHeight is the height reportHeight measures, in whole CSS pixels.
func bodyHeight() int {
	r := js.Global().Get("document").Get("body").Call("getBoundingClientRect")
	return int(math.Ceil(r.Get("height").Float()))
}

// The widget tells its height to exactly the parent origin the server
// named, and to nobody when that is missing or not an origin: a wildcard
// would let any page that frames the widget learn about the records shown.
func TestBrowserResizeGoesOnlyToTheParentOrigin(t *testing.T) {
	own := pageOrigin()
	for _, tc := range []struct {
		scenario      string
		parentOrigin  string
		wantTarget    string // "" when nothing may be posted
		wantDelivered bool
	}{
		{"the host page's exact origin", own, own, true},
		{"another origin than the host page's", "https://crm.example", "https://crm.example", false},
		{"a wildcard", "*", "", false},
		{"none named", "", "", false},
		{"a URL with a path", own + "/record/1", "", false},
		{"javascript:", "javascript:alert(1)", "", false},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			host := withHostFrame(t)
			stop := reportHeight(tc.parentOrigin)
			defer stop()

			target, posted := receive(host.targets, 300*time.Millisecond)
			if posted != (tc.wantTarget != "") || target != tc.wantTarget {
				t.Fatalf("posted %v with targetOrigin %q, want target %q", posted, target, tc.wantTarget)
			}
			if !posted {
				return // nothing posted, nothing to deliver
			}
			msg, delivered := receive(host.received, 300*time.Millisecond)
			if delivered != tc.wantDelivered {
				t.Fatalf("delivered %v, want %v", delivered, tc.wantDelivered)
			}
			if delivered && (msg.origin != own || msg.height != bodyHeight()) {
				t.Errorf("host got height %d from %s, want %d from %s", msg.height, msg.origin, bodyHeight(), own)
			}
		})
	}
}

// The iframe follows the widget: when the content grows or shrinks the
// host page hears the new height once, and nothing after the widget stops.
func TestBrowserResizeFollowsTheContent(t *testing.T) {
	host := withHostFrame(t)
	doc := js.Global().Get("document")
	stop := reportHeight(pageOrigin())
	stopped := false
	defer func() {
		if !stopped {
			stop()
		}
	}()
	if _, ok := receive(host.received, time.Second); !ok {
		t.Fatal("no height reported at the start")
	}

	block := doc.Call("createElement", "div")
	block.Get("style").Set("height", "437px")
	defer block.Call("remove")
	defer doc.Get("body").Get("style").Set("width", "")
	for _, tc := range []struct {
		scenario string
		change   func()
		report   bool
	}{
		{"content grows", func() { doc.Get("body").Call("appendChild", block) }, true},
		{"content shrinks", func() { block.Get("style").Set("height", "120px") }, true},
		// The observer fires for width changes too; the host hears only heights.
		{"a change of width only", func() { doc.Get("body").Get("style").Set("width", "400px") }, false},
		{"after the widget stopped", func() { stop(); stopped = true; block.Get("style").Set("height", "600px") }, false},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			tc.change()
			msg, got := receive(host.received, 300*time.Millisecond)
			if got != tc.report {
				t.Fatalf("reported %v (height %d), want a report: %v", got, msg.height, tc.report)
			}
			if got && msg.height != bodyHeight() {
				t.Errorf("reported height %d, the widget is %d px tall", msg.height, bodyHeight())
			}
		})
	}
}
