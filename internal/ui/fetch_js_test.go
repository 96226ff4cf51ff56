//go:build js && wasm

package ui

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"syscall/js"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/wire"
)

// blobURL returns an object URL serving body, revoked when the test ends.
func blobURL(t *testing.T, body []byte) string {
	t.Helper()
	arr := js.Global().Get("Uint8Array").New(len(body))
	js.CopyBytesToJS(arr, body)
	blob := js.Global().Get("Blob").New([]any{arr})
	u := js.Global().Get("URL").Call("createObjectURL", blob).String()
	t.Cleanup(func() { js.Global().Get("URL").Call("revokeObjectURL", u) })
	return u
}

// The browser's own fetch, with no stand-in: answers the browser produces
// itself (data: and blob: URLs) are read whole, and a huge one is cut
// instead of filling the widget's memory.
func TestBrowserFetchReadsWhatTheBrowserAnswers(t *testing.T) {
	big := bytes.Repeat([]byte("a"), maxResponseBytes+4096)
	for _, tc := range []struct {
		scenario string
		url      func(t *testing.T) string
		method   string
		want     []byte
	}{
		{"a data: URL answer arrives whole", func(*testing.T) string {
			return `data:application/json,{"associations":[]}`
		}, "GET", []byte(`{"associations":[]}`)},
		{"a binary blob keeps every byte", func(t *testing.T) string {
			return blobURL(t, []byte{0, 1, 2, 0xff, '\n'})
		}, "GET", []byte{0, 1, 2, 0xff, '\n'}},
		{"an empty answer is empty, not an error", func(t *testing.T) string {
			return blobURL(t, nil)
		}, "GET", []byte{}},
		{"an answer over 1 MiB is cut at the limit", func(t *testing.T) string {
			return blobURL(t, big)
		}, "GET", big[:maxResponseBytes]},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			res, err := doFetch(context.Background(), fetchRequest{Method: tc.method, URL: tc.url(t),
				Header: map[string]string{"Accept": "application/json"}})
			if err != nil {
				t.Fatalf("fetch failed: %v", err)
			}
			if res.Status != 200 {
				t.Errorf("status %d, want 200", res.Status)
			}
			if !bytes.Equal(res.Body, tc.want) {
				t.Errorf("body has %d bytes (%.40q), want %d (%.40q)", len(res.Body), res.Body, len(tc.want), tc.want)
			}
		})
	}
}

// A server the browser cannot reach shows the seller "unavailable, try
// again", never a wrong answer or an endless spinner.
func TestBrowserFetchNetworkFailureIsUnavailable(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		base     func(t *testing.T) string
	}{
		// Port 1 on loopback refuses connections: a real network failure.
		{"connection refused", func(*testing.T) string { return "http://127.0.0.1:1" }},
		{"a scheme fetch does not speak", func(*testing.T) string { return "ftp://127.0.0.1" }},
		{"a blob that no longer exists", func(t *testing.T) string {
			u := blobURL(t, []byte("{}"))
			js.Global().Get("URL").Call("revokeObjectURL", u)
			return u
		}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			_, err := NewClient(tc.base(t), "sess-secret-123").Associations(context.Background(), []string{"r1"}, false)
			if err == nil {
				t.Fatal("the call succeeded")
			}
			if kind, apiErr := classify(err); kind != problemUnavailable || apiErr != nil {
				t.Fatalf("problem %v (api error %v) for %v, want unavailable", kind, apiErr, err)
			}
			if strings.Contains(err.Error(), "sess-secret-123") {
				t.Errorf("the error shows the session token: %v", err)
			}
		})
	}
}

// A server that never answers: the widget gives up when its context ends,
// aborts the browser's request and tells the seller it is unavailable.
func TestBrowserFetchGivesUpOnAHungServer(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		ctx      func() (context.Context, context.CancelFunc)
		want     error
	}{
		{"the deadline passes", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 200*time.Millisecond)
		}, context.DeadlineExceeded},
		{"the widget cancels", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(100*time.Millisecond, cancel)
			return ctx, cancel
		}, context.Canceled},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			// A fetch that settles only when its AbortSignal fires, as a
			// real request to a silent server does.
			orig := js.Global().Get("fetch")
			js.Global().Set("fetch", js.Global().Get("Function").New("url", "init", `
				window.sbAborted = false;
				return new Promise(function (_, reject) {
					init.signal.addEventListener("abort", function () {
						window.sbAborted = true;
						reject(init.signal.reason);
					});
				});`))
			defer js.Global().Set("fetch", orig)

			ctx, cancel := tc.ctx()
			defer cancel()
			done := make(chan error, 1)
			go func() {
				_, err := NewClient("", "t").Associations(ctx, []string{"r1"}, false)
				done <- err
			}()
			err, ok := receive(done, 5*time.Second)
			if !ok {
				t.Fatal("still waiting 5 s after the context ended")
			}
			if !errors.Is(err, tc.want) {
				t.Errorf("error %v, want %v", err, tc.want)
			}
			if kind, _ := classify(err); kind != problemUnavailable {
				t.Errorf("problem %v, want unavailable", kind)
			}
			if !js.Global().Get("sbAborted").Bool() {
				t.Error("the browser request was left running")
			}
		})
	}
}

// Answers of the API, as real Response objects, become what the seller
// sees; every request carries the session as a bearer token, no cookie.
func TestBrowserClientMapsAnswersToWhatTheSellerSees(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		status   int
		body     string
		want     problem
	}{
		{"a match is decoded", 200, `{"associations":[{"recordId":"r1","status":"matched","profile":"https://x/p","cached":false}]}`, problemNone},
		{"429 is throttled", 429, `{"error":{"code":"throttled","message":"slow down"}}`, problemThrottled},
		{"503 is unavailable", 503, `{"error":{"code":"linkedin_unavailable","message":"down"}}`, problemUnavailable},
		{"a proxy's HTML 502 page is unavailable", 502, `<html><body>Bad Gateway</body></html>`, problemUnavailable},
		{"401 is an expired view", 401, `{"error":{"code":"session_expired","message":"expired"}}`, problemExpired},
		{"403 not connected offers the connect button", 403, `{"error":{"code":"linkedin_not_connected","message":"connect","connectUrl":"/connect"}}`, problemNotConnected},
		{"400 is a plain failure", 400, `{"error":{"code":"invalid_field","message":"records is empty"}}`, problemOther},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			api := stubAPI(t, func(stubRequest) (int, string) { return tc.status, tc.body })
			got, err := NewClient("", "session-token").Associations(context.Background(), []string{"r1"}, false)
			if kind, _ := classify(err); kind != tc.want {
				t.Fatalf("problem %v (%v), want %v", kind, err, tc.want)
			}
			sent := api.sent("/api/v1/associations")
			if len(sent) != 1 {
				t.Fatalf("sent %d association requests, want 1", len(sent))
			}
			if sent[0].Auth != "Bearer session-token" || sent[0].Credentials != "omit" {
				t.Errorf("sent Authorization %q credentials %q", sent[0].Auth, sent[0].Credentials)
			}
			if tc.want == problemNone && (len(got) != 1 || got[0].Status != wire.StatusMatched) {
				t.Errorf("associations = %+v", got)
			}
		})
	}
}
