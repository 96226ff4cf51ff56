//go:build js && wasm

package ui

import (
	"net/url"
	"sync"
	"syscall/js"
	"testing"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// The *_js_test.go files run inside Chromium (wasmbrowsertest): they
// exercise the browser glue — fetch, Response bodies, AbortController,
// MessageEvents, postMessage, ResizeObserver, the DOM — that the amd64
// tests can only imitate. This file holds their shared page helpers.

// stubRequest is one request the widget sent to the stubbed API.
type stubRequest struct {
	Method, Path, Auth, Credentials, Body string
}

// apiStub stands in for snapbridge's API inside the page: the test runs
// in the browser and cannot listen on a port, so window.fetch answers
// with real Response objects built from answer.
type apiStub struct {
	mu       sync.Mutex
	requests []stubRequest
	answer   func(r stubRequest) (status int, body string)
}

// stubAPI replaces window.fetch for the rest of the test.
func stubAPI(t *testing.T, answer func(r stubRequest) (int, string)) *apiStub {
	t.Helper()
	s := &apiStub{answer: answer}
	orig := js.Global().Get("fetch")
	fn := js.FuncOf(func(_ js.Value, args []js.Value) any {
		init := args[1]
		u, _ := url.Parse(args[0].String())
		r := stubRequest{
			Method:      init.Get("method").String(),
			Path:        u.Path,
			Auth:        init.Get("headers").Call("get", "Authorization").String(),
			Credentials: init.Get("credentials").String(),
		}
		if b := init.Get("body"); b.Type() == js.TypeString {
			r.Body = b.String()
		}
		s.mu.Lock()
		s.requests = append(s.requests, r)
		s.mu.Unlock()
		status, body := s.answer(r)
		var payload any = body
		if status == 204 {
			payload = nil // a Response with status 204 must have no body
		}
		resp := js.Global().Get("Response").New(payload, map[string]any{
			"status": status, "headers": map[string]any{"Content-Type": "application/json"},
		})
		return js.Global().Get("Promise").Call("resolve", resp)
	})
	js.Global().Set("fetch", fn)
	t.Cleanup(func() { js.Global().Set("fetch", orig); fn.Release() })
	return s
}

// sent returns the requests made so far whose path is path.
func (s *apiStub) sent(path string) []stubRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []stubRequest
	for _, r := range s.requests {
		if r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

// blank is what mount loads to dismount the component under test.
type blank struct{ app.Compo }

func (*blank) Render() app.UI { return app.Div().Class("sb-test-blank") }

// mount renders c into the page with go-app's engine, which in the browser
// mounts for real (OnMount runs, events are listened to), and dismounts it
// when the test ends.
func mount(t *testing.T, c app.Composer) app.TestEngine {
	t.Helper()
	doc := js.Global().Get("document")
	// The engine takes over the body's first element.
	doc.Get("body").Call("prepend", doc.Call("createElement", "div"))
	e := app.NewTestEngine()
	if err := e.Load(c); err != nil {
		t.Fatalf("mount: %v", err)
	}
	e.ConsumeAll()
	t.Cleanup(func() {
		if err := e.Load(&blank{}); err != nil {
			t.Errorf("dismount: %v", err)
		}
		e.ConsumeAll()
		if el := doc.Call("querySelector", ".sb-test-blank"); el.Truthy() {
			el.Call("remove")
		}
	})
	return e
}

// text returns the text of the first element matching selector, or "" when
// there is none.
func text(selector string) string {
	el := js.Global().Get("document").Call("querySelector", selector)
	if !el.Truthy() {
		return ""
	}
	return el.Get("textContent").String()
}

// receive waits up to d for a value on ch.
func receive[T any](ch <-chan T, d time.Duration) (T, bool) {
	select {
	case v := <-ch:
		return v, true
	case <-time.After(d):
		var zero T
		return zero, false
	}
}

// pageOrigin is the test page's origin.
func pageOrigin() string {
	return js.Global().Get("location").Get("origin").String()
}
