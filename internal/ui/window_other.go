//go:build !(js && wasm)

package ui

import (
	"context"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/snapbridge/snapbridge/internal/wire"
)

// Outside the browser there is no page, no parent window and no connect
// script: these are the server-side (prerender and test) halves of
// window_js.go.

func pageBoot() (string, bool) { return "", false }

func takeOverConnect() connectStatus { return connectStatus{} }

func readConnect() connectStatus { return connectStatus{} }

func observeConnect(func(connectStatus)) (release func()) { return func() {} }

func parkFrame() any { return nil }

func placeFrame(app.Value, any) {}

func removeFrame(any) {}

func reportHeightTo(string, *wire.HostFrame) (stop func()) { return func() {} }

// pageRenew is nil outside the browser: no host page to ask.
var pageRenew func(ctx context.Context) (string, error)

func focusConnect(app.Value) {}
