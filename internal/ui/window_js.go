//go:build js && wasm

package ui

import (
	"math"
	"syscall/js"

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
	return v.String(), true
}

// ownOrigin is the widget page's origin ("null" when sandboxed without
// allow-same-origin).
func ownOrigin() string {
	return js.Global().Get("location").Get("origin").String()
}

// Popup geometry and name for the LinkedIn consent flow. A fixed name makes
// a second click focus the same popup instead of opening another.
const (
	popupName     = "snapbridge-connect"
	popupFeatures = "popup,width=520,height=640"
)

// openPopup opens u in the connect popup and reports whether the browser
// allowed it.
func openPopup(u string) bool {
	w := js.Global().Call("open", u, popupName, popupFeatures)
	return w.Truthy()
}

// listenMessages calls handle with the origin, data.type and data.code of every
// window message until release is called.
func listenMessages(handle func(origin, msgType, code string)) (release func()) {
	fn := js.FuncOf(func(_ js.Value, args []js.Value) any {
		ev := args[0]
		var msgType, code string
		if data := ev.Get("data"); data.Type() == js.TypeObject {
			if t := data.Get("type"); t.Type() == js.TypeString {
				msgType = t.String()
			}
			if c := data.Get("code"); c.Type() == js.TypeString {
				code = c.String()
			}
		}
		handle(ev.Get("origin").String(), msgType, code)
		return nil
	})
	js.Global().Call("addEventListener", "message", fn)
	return func() {
		js.Global().Call("removeEventListener", "message", fn)
		fn.Release()
	}
}

// reportHeight posts the body's height to the parent window whenever it
// changes (and once at the start), so the host page can size the iframe.
// A ResizeObserver sees every render that changes the height, images and
// fonts included, without posting for renders that do not.
func reportHeight(parentOrigin string) (stop func()) {
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
