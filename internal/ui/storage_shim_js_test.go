//go:build js && wasm

package ui

import (
	"fmt"
	"syscall/js"
	"testing"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"github.com/snapbridge/snapbridge/web"
)

// blockStorage makes window[name] throw SecurityError, as Chromium does
// inside a cross-site iframe, until the test ends.
func blockStorage(t *testing.T, name string) {
	t.Helper()
	object := js.Global().Get("Object")
	saved := object.Call("getOwnPropertyDescriptor", js.Global(), name)
	object.Call("defineProperty", js.Global(), name, map[string]any{
		"configurable": true,
		"get": js.Global().Get("Function").New(
			`throw new DOMException("The document is sandboxed", "SecurityError");`),
	})
	t.Cleanup(func() {
		if saved.Truthy() {
			object.Call("defineProperty", js.Global(), name, saved)
		} else {
			js.Global().Call("eval", "delete window."+name)
		}
	})
}

// runStorageShim runs web/storage-shim.js, exactly as served before app.js.
func runStorageShim(t *testing.T) {
	t.Helper()
	src, err := web.Files.ReadFile("storage-shim.js")
	if err != nil {
		t.Fatalf("read the shim: %v", err)
	}
	js.Global().Get("Function").New(string(src)).Invoke()
}

// globalValue reads window[name], turning the exception a blocked
// property throws into an error instead of a panic.
func globalValue(name string) (v js.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("window.%s threw: %v", name, r)
		}
	}()
	return js.Global().Get(name), nil
}

// storageProbe is a component that uses go-app's local storage the way the
// framework does while starting, through the Go side of go-app.
type storageProbe struct {
	app.Compo
	err error
	got string
}

func (p *storageProbe) OnMount(ctx app.Context) {
	if p.err = ctx.LocalStorage().Set("sb-probe", "kept"); p.err == nil {
		p.err = ctx.LocalStorage().Get("sb-probe", &p.got)
	}
	ctx.LocalStorage().Del("sb-probe")
}

func (p *storageProbe) Render() app.UI { return app.Div().Class("sb-test-probe") }

// Inside a CRM's cross-site iframe Web Storage throws and the widget would
// hang on "Loading…"; the shim swaps in page-lifetime storage there, and
// leaves working Web Storage alone everywhere else.
func TestBrowserStorageShimKeepsTheWidgetStarting(t *testing.T) {
	for _, tc := range []struct {
		scenario    string
		blocked     bool
		wantStorage bool // window.localStorage is still the browser's Storage
	}{
		{"Web Storage blocked in a cross-site iframe", true, false},
		{"Web Storage working", false, true},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			if tc.blocked {
				blockStorage(t, "localStorage")
				blockStorage(t, "sessionStorage")
			}
			runStorageShim(t)
			for _, name := range []string{"localStorage", "sessionStorage"} {
				s, err := globalValue(name)
				if err != nil {
					t.Fatalf("the widget cannot use %s: %v", name, err)
				}
				isStorage := s.InstanceOf(js.Global().Get("Storage"))
				if isStorage != tc.wantStorage {
					t.Errorf("%s is the browser's Storage: %v, want %v", name, isStorage, tc.wantStorage)
				}
				s.Call("setItem", "sb-key", 42)
				if got := s.Call("getItem", "sb-key"); got.Type() != js.TypeString || got.String() != "42" {
					t.Errorf("%s gave back %v, want the string 42", name, got)
				}
				s.Call("removeItem", "sb-key")
				if got := s.Call("getItem", "sb-key"); !got.IsNull() {
					t.Errorf("%s still holds a removed key: %v", name, got)
				}
			}
			probe := &storageProbe{}
			mount(t, probe)
			if probe.err != nil || probe.got != "kept" {
				t.Errorf("go-app's local storage gave %q, %v; want kept", probe.got, probe.err)
			}
		})
	}
}
