//go:build js && wasm

package ui

import (
	"context"
	"errors"
	"syscall/js"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/wire"
)

// These run inside Chromium (wasmbrowsertest): they exercise the real
// browser glue — fetch, Response bodies, MessageEvents, the DOM — that the
// amd64 tests can only imitate.

// fakeFetch replaces window.fetch with one answering status and body, and
// remembers the last request's method, URL and Authorization header.
func fakeFetch(t *testing.T, status int, body string) js.Value {
	t.Helper()
	seen := js.Global().Get("Object").New()
	orig := js.Global().Get("fetch")
	fn := js.FuncOf(func(_ js.Value, args []js.Value) any {
		init := args[1]
		seen.Set("url", args[0])
		seen.Set("method", init.Get("method"))
		seen.Set("auth", init.Get("headers").Call("get", "Authorization"))
		seen.Set("credentials", init.Get("credentials"))
		resp := js.Global().Get("Response").New(body, map[string]any{
			"status": status, "headers": map[string]any{"Content-Type": "application/json"},
		})
		return js.Global().Get("Promise").Call("resolve", resp)
	})
	js.Global().Set("fetch", fn)
	t.Cleanup(func() { js.Global().Set("fetch", orig); fn.Release() })
	return seen
}

func TestBrowserFetchMapsAnswersToWhatTheSellerSees(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		status   int
		body     string
		want     problem
	}{
		{"a match is decoded", 200, `{"associations":[{"recordId":"r1","status":"matched","profile":"https://x/p","cached":false}]}`, problemNone},
		{"429 is throttled", 429, `{"error":{"code":"throttled","message":"slow down"}}`, problemThrottled},
		{"503 is unavailable", 503, `{"error":{"code":"linkedin_unavailable","message":"down"}}`, problemUnavailable},
		{"401 is an expired view", 401, `{"error":{"code":"session_expired","message":"expired"}}`, problemExpired},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			seen := fakeFetch(t, tc.status, tc.body)
			got, err := NewClient("", "session-token").Associations(context.Background(), []string{"r1"}, false)
			if kind, _ := classify(err); kind != tc.want {
				t.Fatalf("problem %v (%v), want %v", kind, err, tc.want)
			}
			if seen.Get("auth").String() != "Bearer session-token" || seen.Get("credentials").String() != "omit" {
				t.Errorf("sent Authorization %q credentials %q", seen.Get("auth"), seen.Get("credentials"))
			}
			if tc.want == problemNone && (len(got) != 1 || got[0].Status != wire.StatusMatched) {
				t.Errorf("associations = %+v", got)
			}
		})
	}
}

func TestBrowserFetchUnreachableServerIsUnavailable(t *testing.T) {
	// Port 1 on loopback refuses connections: a real network failure.
	_, err := NewClient("http://127.0.0.1:1", "t").Associations(context.Background(), []string{"r1"}, false)
	if kind, _ := classify(err); kind != problemUnavailable {
		t.Fatalf("problem %v (%v), want unavailable", kind, err)
	}
	if err != nil && errors.Is(err, context.Canceled) {
		t.Fatal("reported as cancelled")
	}
}

// The connect popup's message is believed only from the widget's own
// origin; any other page posting the same text is ignored.
func TestBrowserConnectedMessageOnlyFromOwnOrigin(t *testing.T) {
	got := make(chan string, 4)
	release := listenMessages(func(origin, msgType, _ string) {
		if isConnectedMessage(origin, ownOrigin(), msgType) {
			got <- origin
		}
	})
	defer release()
	post := func(origin, typ string) {
		data := js.Global().Get("Object").New()
		data.Set("type", typ)
		ev := js.Global().Get("MessageEvent").New("message", map[string]any{"data": data, "origin": origin})
		js.Global().Call("dispatchEvent", ev)
	}
	post("https://evil.example", wire.MessageConnected)
	post(ownOrigin(), "something-else")
	post(ownOrigin(), wire.MessageConnected)
	select {
	case o := <-got:
		if o != ownOrigin() {
			t.Fatalf("accepted a message from %s", o)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("the genuine message from our own origin was not accepted")
	}
	select {
	case o := <-got:
		t.Fatalf("accepted a second message from %s", o)
	case <-time.After(100 * time.Millisecond):
	}
}

// The server's boot data survives the trip through the page's DOM.
func TestBrowserReadsBootFromThePage(t *testing.T) {
	enc, err := encodeBoot(Boot{Tenant: "demo", Mode: ModeCard, Token: "tok",
		Records: []wire.Record{{ID: "r1", Type: "contact", FirstName: "Ada <b>"}}})
	if err != nil {
		t.Fatal(err)
	}
	doc := js.Global().Get("document")
	el := doc.Call("createElement", "div")
	el.Set("id", bootElementID)
	el.Call("setAttribute", "data-boot", enc)
	doc.Get("body").Call("appendChild", el)
	defer el.Call("remove")
	raw, ok := pageBoot()
	if !ok {
		t.Fatal("no boot found in the page")
	}
	b, err := decodeBoot(raw)
	if err != nil || b.Token != "tok" || b.Records[0].FirstName != "Ada <b>" {
		t.Fatalf("boot = %+v, %v", b, err)
	}
}
