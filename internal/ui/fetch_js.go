//go:build js && wasm

package ui

import (
	"context"
	"errors"
	"fmt"
	"syscall/js"
)

// doFetch sends r with the browser's fetch. Linking net/http into the
// WebAssembly binary would add about 5 MB for the same result.
func doFetch(ctx context.Context, r fetchRequest) (fetchResponse, error) {
	abort := js.Global().Get("AbortController").New()
	headers := js.Global().Get("Headers").New()
	for k, v := range r.Header {
		headers.Call("set", k, v)
	}
	init := js.Global().Get("Object").New()
	init.Set("method", r.Method)
	init.Set("headers", headers)
	init.Set("signal", abort.Get("signal"))
	init.Set("credentials", "omit") // the session is the bearer token, never a cookie
	init.Set("cache", "no-store")
	if len(r.Body) > 0 {
		init.Set("body", string(r.Body))
	}

	type result struct {
		res fetchResponse
		err error
	}
	done := make(chan result, 1)
	var status int
	var onBody, onResponse, onError js.Func
	onBody = js.FuncOf(func(_ js.Value, args []js.Value) any {
		buf := js.Global().Get("Uint8Array").New(args[0])
		n := buf.Get("length").Int()
		if n > maxResponseBytes {
			n = maxResponseBytes
		}
		body := make([]byte, n)
		js.CopyBytesToGo(body, buf.Call("subarray", 0, n))
		done <- result{res: fetchResponse{Status: status, Body: body}}
		return nil
	})
	onResponse = js.FuncOf(func(_ js.Value, args []js.Value) any {
		status = args[0].Get("status").Int()
		args[0].Call("arrayBuffer").Call("then", onBody).Call("catch", onError)
		return nil
	})
	onError = js.FuncOf(func(_ js.Value, args []js.Value) any {
		msg := "network error"
		if len(args) > 0 && args[0].Truthy() {
			msg = args[0].Call("toString").String()
		}
		done <- result{err: errors.New(msg)}
		return nil
	})
	defer onBody.Release()
	defer onResponse.Release()
	defer onError.Release()

	js.Global().Call("fetch", r.URL, init).Call("then", onResponse).Call("catch", onError)
	select {
	case out := <-done:
		if out.err != nil {
			return fetchResponse{}, fmt.Errorf("fetch %s: %w", r.Method, out.err)
		}
		return out.res, nil
	case <-ctx.Done():
		abort.Call("abort")
		// Wait for the rejection so no callback runs after its release.
		<-done
		return fetchResponse{}, fmt.Errorf("fetch %s: %w", r.Method, ctx.Err())
	}
}
