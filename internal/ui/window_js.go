//go:build js && wasm

package ui

import (
	"context"
	"errors"
	"math"
	"syscall/js"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/snapbridge/snapbridge/internal/wire"
)

// pageBoot returns the encoded Boot the server put into the prerendered
// page. It must run before go-app replaces the prerendered DOM, i.e. in
// the root component's OnInit.
func pageBoot() (string, bool) {
	el := js.Global().Get("document").Call("getElementById", bootElementID)
	if !el.Truthy() {
		return "", false
	}
	v := el.Call("getAttribute", "data-boot")
	if v.Type() != js.TypeString {
		return "", false
	}
	// web/widget-early.js is loaded async and may run only after go-app
	// replaced the prerendered page: it then reads the Boot from here.
	js.Global().Set(bootGlobal, v)
	return v.String(), true
}

// bootGlobal keeps the encoded Boot for web/widget-early.js.
const bootGlobal = "snapbridgeBoot"

// connectGlobal is the object web/widget-early.js keeps its connect state
// in, and connectEvent the document event it fires on every change.
const (
	connectGlobal = "snapbridgeConnect"
	connectEvent  = "snapbridge:connect"
)

// takeOverConnect tells the connect script that the WebAssembly widget now
// draws the page (the script stops drawing its own changes) and returns
// what it last reported.
func takeOverConnect() connectStatus {
	g := js.Global().Get(connectGlobal)
	if g.Type() != js.TypeObject {
		// The script has not run yet (it is async): it keeps this flag
		// when it does.
		g = js.Global().Get("Object").New()
		g.Set("seq", 0)
		js.Global().Set(connectGlobal, g)
	}
	g.Set("wasm", true)
	return readConnect()
}

// readConnect returns the connect script's last report; zero when the
// script did not run.
func readConnect() connectStatus {
	g := js.Global().Get(connectGlobal)
	if g.Type() != js.TypeObject {
		return connectStatus{}
	}
	st := connectStatus{seq: jsInt(g.Get("seq")), state: jsString(g.Get("state")), message: jsString(g.Get("message")),
		connectURL: jsString(g.Get("connectUrl"))}
	if sat := g.Get("sat"); sat.Type() == js.TypeObject {
		st.sat = wire.SalesAccessToken{Token: jsString(sat.Get("token")), IframeURL: jsString(sat.Get("iframeUrl"))}
		if t, err := time.Parse(time.RFC3339, jsString(sat.Get("expiresAt"))); err == nil {
			st.sat.ExpiresAt = t
		}
		if who := sat.Get("connectedAs"); who.Type() == js.TypeObject {
			st.sat.ConnectedAs = &wire.LinkedInMember{Name: jsString(who.Get("name")), Picture: jsString(who.Get("picture"))}
		}
	}
	return st
}

// observeConnect calls handle with every report of the connect script
// until release is called.
func observeConnect(handle func(connectStatus)) (release func()) {
	fn := js.FuncOf(func(js.Value, []js.Value) any {
		handle(readConnect())
		return nil
	})
	doc := js.Global().Get("document")
	doc.Call("addEventListener", connectEvent, fn)
	return func() {
		doc.Call("removeEventListener", connectEvent, fn)
		fn.Release()
	}
}

// parkFrame moves the prerendered Display Services iframe to the end of
// the body, where go-app's replacement of the prerendered page does not
// detach (and so reload) it, and returns it; nil when there is none or the
// browser cannot move an iframe without reloading it (Element.moveBefore).
func parkFrame() any {
	doc := js.Global().Get("document")
	frame := doc.Call("querySelector", "iframe.sb-panel__frame")
	body := doc.Get("body")
	if !frame.Truthy() || body.Get("moveBefore").Type() != js.TypeFunction {
		return nil
	}
	body.Call("moveBefore", frame, nil)
	return frame
}

// placeFrame moves a parked iframe into parent, first, still without
// reloading it.
func placeFrame(parent app.Value, frame any) {
	f, ok := frame.(js.Value)
	if !ok || parent == nil || !parent.Truthy() {
		return
	}
	parent.Call("moveBefore", f, parent.Get("firstChild"))
}

// sessionGlobal is the object web/widget-early.js keeps the widget
// session in; its renew() asks the host page (embed.js) for a fresh
// context and exchanges it for a new session token.
const sessionGlobal = "snapbridgeSession"

// pageRenew gets a new session token through web/widget-early.js.
var pageRenew = func(ctx context.Context) (string, error) {
	g := js.Global().Get(sessionGlobal)
	if g.Type() != js.TypeObject || g.Get("renew").Type() != js.TypeFunction {
		return "", errNoRenew
	}
	type result struct {
		token string
		err   error
	}
	done := make(chan result, 1)
	var onOK, onErr js.Func
	// Released once the promise settles (renew() always does, with its
	// own timeout), even when ctx ended first.
	release := func() { onOK.Release(); onErr.Release() }
	onOK = js.FuncOf(func(_ js.Value, args []js.Value) any {
		defer release()
		if len(args) > 0 && args[0].Type() == js.TypeString && args[0].String() != "" {
			done <- result{token: args[0].String()}
		} else {
			done <- result{err: errNoRenew}
		}
		return nil
	})
	onErr = js.FuncOf(func(_ js.Value, args []js.Value) any {
		defer release()
		msg := "the host page gave no fresh context"
		if len(args) > 0 && args[0].Type() == js.TypeObject {
			if m := jsString(args[0].Get("message")); m != "" {
				msg = m
			}
		}
		done <- result{err: errors.New(msg)}
		return nil
	})
	g.Call("renew").Call("then", onOK, onErr)
	select {
	case r := <-done:
		return r.token, r.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// focusConnect moves the keyboard focus to the Connect button under root.
func focusConnect(root app.Value) {
	if root == nil || !root.Truthy() {
		return
	}
	if btn := root.Call("querySelector", "a[data-sb-connect]"); btn.Truthy() {
		btn.Call("focus")
	}
}

// removeFrame takes a parked or placed iframe out of the page.
func removeFrame(frame any) {
	if f, ok := frame.(js.Value); ok {
		f.Call("remove")
	}
}

func jsString(v js.Value) string {
	if v.Type() != js.TypeString {
		return ""
	}
	return v.String()
}

func jsInt(v js.Value) int {
	if v.Type() != js.TypeNumber {
		return 0
	}
	return v.Int()
}

// reportHeight posts the body's height to the parent window whenever it
// changes (and once at the start), so the host page can size the iframe.
// A ResizeObserver sees every render that changes the height, images and
// fonts included, without posting for renders that do not.
func reportHeight(parentOrigin string) (stop func()) { return reportHeightTo(parentOrigin, nil) }

// reportHeightTo is reportHeight for a host frame with its own protocol:
// a Salesforce Canvas frame gets the Canvas SDK's resize message.
func reportHeightTo(parentOrigin string, frame *wire.HostFrame) (stop func()) {
	target, ok := resizeTarget(parentOrigin)
	win := js.Global()
	parent := win.Get("parent")
	if !ok || !parent.Truthy() || parent.Equal(win.Get("window")) {
		return func() {}
	}
	body := win.Get("document").Get("body")
	last := -1
	post := func() {
		h := int(math.Ceil(body.Call("getBoundingClientRect").Get("height").Float()))
		if h == last {
			return
		}
		last = h
		if frame != nil {
			parent.Call("postMessage", canvasResize(frame, h), target)
			return
		}
		msg := win.Get("Object").New()
		msg.Set("type", wire.MessageResize)
		msg.Set("height", h)
		parent.Call("postMessage", msg, target)
	}
	fn := js.FuncOf(func(js.Value, []js.Value) any { post(); return nil })
	observer := win.Get("ResizeObserver")
	if !observer.Truthy() {
		post()
		return fn.Release
	}
	obs := observer.New(fn)
	obs.Call("observe", body)
	return func() {
		obs.Call("disconnect")
		fn.Release()
	}
}
