package ui

import "github.com/snapbridge/snapbridge/internal/wire"

// isConnectedMessage reports whether a window message says the viewer
// finished connecting LinkedIn. Only the widget's own origin (where the
// consent popup ends) is believed: any other page could post the same
// text to make the widget ask for a token in a loop.
func isConnectedMessage(eventOrigin, ownOrigin, msgType string) bool {
	return ownOrigin != "" && ownOrigin != "null" && eventOrigin == ownOrigin &&
		msgType == wire.MessageConnected
}

// resizeTarget returns the targetOrigin for resize messages and whether to
// post at all: never "*", nothing when the server named no parent origin.
func resizeTarget(parentOrigin string) (string, bool) {
	if !isOrigin(parentOrigin) {
		return "", false
	}
	return parentOrigin, true
}
