//go:build !(js && wasm)

package ui

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
)

// doFetch sends r with net/http. Outside the browser (tests, tools) the
// size of net/http does not matter; the WebAssembly build uses the
// browser's fetch instead (fetch_js.go).
func doFetch(ctx context.Context, r fetchRequest) (fetchResponse, error) {
	req, err := http.NewRequestWithContext(ctx, r.Method, r.URL, bytes.NewReader(r.Body))
	if err != nil {
		return fetchResponse{}, fmt.Errorf("build request: %w", err)
	}
	for k, v := range r.Header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fetchResponse{}, fmt.Errorf("send request: %w", err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxResponseBytes))
	if err != nil {
		return fetchResponse{}, fmt.Errorf("read answer: %w", err)
	}
	return fetchResponse{Status: res.StatusCode, Body: body}, nil
}
