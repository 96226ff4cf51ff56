//go:build !(js && wasm)

package ui

// Outside the browser there is no page, no parent window and no popup:
// these are the server-side (prerender and test) halves of window_js.go.

func pageBoot() (string, bool) { return "", false }

func ownOrigin() string { return "" }

func openPopup(string) bool { return false }

func listenMessages(func(origin, msgType, code string)) (release func()) { return func() {} }

func reportHeight(string) (stop func()) { return func() {} }
