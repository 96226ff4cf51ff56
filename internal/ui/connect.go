package ui

import "github.com/snapbridge/snapbridge/internal/wire"

// What web/widget-early.js, the page's connect script, reports in
// window.snapbridgeConnect.state.
const (
	connectWaiting    = "waiting"    // the consent popup is open
	connectBlocked    = "blocked"    // the browser refused to open it
	connectConfirming = "confirming" // the popup said yes; confirming and fetching the token
	connectConnected  = "connected"  // done: sat is the Display Services token
	connectFailed     = "failed"     // confirming or fetching failed: message says why
	connectClosed     = "closed"     // the popup was closed before LinkedIn answered
	connectCancelled  = "cancelled"  // the member cancelled on LinkedIn's consent page
	connectRefused    = "refused"    // LinkedIn or snapbridge could not complete the sign-in
)

// connectStatus is one report of the connect script. seq grows with every
// report, so each is followed once.
type connectStatus struct {
	seq     int
	state   string
	sat     wire.SalesAccessToken
	message string
	// connectURL is the fresh consent address after a popup that ended
	// without a connection (the one it opened is spent).
	connectURL string
}
