package ui

import (
	"context"
	"strconv"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// satMargin is how long before its expiry a Sales Access Token is no
// longer reused: LinkedIn must still accept it when the iframe loads.
const satMargin = 30 * time.Second

// panelState is what the Sales Navigator panel shows.
type panelState int

const (
	panelLoading panelState = iota
	panelReady
	panelNotConnected
	panelThrottled
	panelUnavailable
	panelExpired
	panelFailed
)

// SalesNavPanel embeds LinkedIn's Display Services iframe for one record,
// signed in for the viewer with a Sales Access Token. The server
// prerenders the panel in the state it already knows (Boot.SAT, Boot.ConnectURL):
// the iframe itself, or a Connect link. Connecting is run by the page's
// own script, web/widget-early.js, which works before the WebAssembly does:
// it opens the consent popup, hears its answer, confirms the connection
// and fetches the token; the panel follows what the script reports and
// only asks the API itself when the server could not tell.
type SalesNavPanel struct {
	app.Compo
	// Client calls the widget API. Default nil: the panel stays loading.
	Client *Client
	// RecordID is the CRM record shown.
	RecordID string
	// Name is the person's display name, for the iframe title.
	Name string
	// Width and Height size the iframe in CSS pixels.
	Width, Height int
	// Reload, when changed by the parent, reloads the panel; a still valid
	// token is reused, an expired one replaced.
	Reload int
	// SAT is the token the page was prerendered with: the panel starts
	// with its iframe and asks for nothing. Default nil.
	SAT *wire.SalesAccessToken
	// ConnectURL is the consent address the page was prerendered with: the
	// panel starts on Connect and asks for nothing. Default "".
	ConnectURL string
	// CardRetries says the card above already offers Retry for LinkedIn
	// (which reloads this panel too): a busy or unreachable LinkedIn then
	// shows one Retry, not two. Default false: the panel offers its own.
	CardRetries bool
	// OnState, when set, hears every change of what the panel shows, so
	// the widget can shape the card around it. Default nil.
	OnState func(panelState)

	reported     panelState
	state        panelState
	sat          wire.SalesAccessToken
	connectURL   string
	waiting      bool // the consent popup is open
	popupBlocked bool
	message      string
	reloaded     int
	known        bool // the page said what to show: nothing to ask at mount
	seen         int  // the last connect report followed
	frame        any  // the prerendered iframe, kept loaded across go-app's first render
	release      func()
}

// OnInit starts from what the page was rendered with. In the browser it
// also takes over from the connect script, which may have moved on since
// (popup open, already connected), and keeps the prerendered iframe loaded
// while go-app replaces the prerendered page.
func (p *SalesNavPanel) OnInit() {
	p.reloaded = p.Reload
	switch {
	case p.state != panelLoading:
		// Already settled (a test drives the panel before mounting it).
	case p.SAT != nil && time.Now().Add(satMargin).Before(p.SAT.ExpiresAt):
		p.state, p.sat, p.known = panelReady, *p.SAT, true
	case isConnectURL(p.ConnectURL):
		p.state, p.connectURL, p.known = panelNotConnected, p.ConnectURL, true
	}
	if !app.IsClient {
		return
	}
	p.follow(takeOverConnect())
	if p.state == panelReady {
		p.frame = parkFrame()
	}
}

// OnMount puts the prerendered iframe back in place, follows the connect
// script, and asks the API when the page did not say what to show.
func (p *SalesNavPanel) OnMount(ctx app.Context) {
	if p.frame != nil {
		placeFrame(p.JSValue(), p.frame)
	}
	p.release = observeConnect(func(st connectStatus) {
		ctx.Dispatch(func(ctx app.Context) {
			before := p.state
			p.follow(st)
			if before != panelReady && p.state == panelReady {
				// The Connect link the seller used is gone: keyboard focus
				// goes to what it brought, not back to the page's top.
				ctx.Defer(func(app.Context) { focusFrameIfLost(p.JSValue()) })
			}
		})
	})
	// A report between OnInit and now had no listener yet.
	p.follow(readConnect())
	if !p.known {
		p.load(ctx, false)
	}
	if p.state != p.reported {
		// Taken over from the connect script since the widget rendered.
		ctx.Dispatch(func(app.Context) { p.report() })
	}
}

// report tells OnState what the panel shows now, once per change.
func (p *SalesNavPanel) report() {
	if p.OnState != nil && p.state != p.reported {
		p.reported = p.state
		p.OnState(p.state)
	}
}

// OnDismount stops following the connect script.
func (p *SalesNavPanel) OnDismount() {
	if p.release != nil {
		p.release()
	}
}

// OnUpdate reloads when the parent asks for it (Retry on the card).
func (p *SalesNavPanel) OnUpdate(ctx app.Context) {
	if p.Reload != p.reloaded {
		p.reloaded = p.Reload
		p.load(ctx, false)
	}
}

// follow shows what the connect script reports, once per report.
func (p *SalesNavPanel) follow(st connectStatus) {
	if st.seq <= p.seen {
		return
	}
	p.seen = st.seq
	switch st.state {
	case connectWaiting, connectBlocked:
		if p.state != panelNotConnected {
			return // not offering Connect: the report is not about this panel
		}
		p.waiting, p.popupBlocked = st.state == connectWaiting, st.state == connectBlocked
		return
	case connectConfirming:
		p.state = panelLoading
	case connectConnected:
		if !isWebURL(st.sat.IframeURL) {
			p.state, p.message = panelFailed, ""
			break
		}
		p.state, p.sat = panelReady, st.sat
	case connectFailed:
		p.state, p.message = panelFailed, st.message
	default:
		return
	}
	p.known = true
	p.waiting, p.popupBlocked = false, false
	p.dropFrame()
	p.report()
}

// dropFrame forgets the prerendered iframe, which go-app does not know.
func (p *SalesNavPanel) dropFrame() {
	if p.frame != nil {
		removeFrame(p.frame)
		p.frame = nil
	}
}

// load shows the panel, asking for a new Sales Access Token unless the one
// in memory is still good (and force is false).
func (p *SalesNavPanel) load(ctx app.Context, force bool) {
	if p.Client == nil {
		return
	}
	if !force && p.state == panelReady && time.Now().Add(satMargin).Before(p.sat.ExpiresAt) {
		return
	}
	p.dropFrame()
	p.state, p.waiting, p.popupBlocked = panelLoading, false, false
	p.report()
	client, recordID := p.Client, p.RecordID
	ctx.Async(func() {
		sat, err := client.SalesAccessToken(context.Background(), recordID)
		ctx.Dispatch(func(app.Context) { p.settle(sat, err) })
	})
}

// settle records the answer to a Sales Access Token request.
func (p *SalesNavPanel) settle(sat wire.SalesAccessToken, err error) {
	kind, apiErr := classify(err)
	p.message = ""
	switch kind {
	case problemNone:
		p.state, p.sat = panelReady, sat
	case problemNotConnected:
		p.state, p.connectURL = panelNotConnected, apiErr.Detail.ConnectURL
		if !isConnectURL(p.connectURL) {
			p.state, p.message = panelFailed, "The server sent no usable sign-in address."
		}
	case problemThrottled:
		p.state = panelThrottled
	case problemUnavailable:
		p.state = panelUnavailable
	case problemExpired:
		p.state = panelExpired
	default:
		p.state = panelFailed
		if apiErr != nil {
			p.message = apiErr.Detail.Message
		}
	}
	p.report()
}

func (p *SalesNavPanel) retry(ctx app.Context, _ app.Event) { p.load(ctx, true) }

// Render draws the iframe or the state that stands in for it.
func (p *SalesNavPanel) Render() app.UI {
	if p.state == panelReady {
		panel := app.Div().Class("sb-panel")
		if p.frame != nil {
			return panel // OnMount moves the prerendered iframe in
		}
		return panel.Body(
			app.IFrame().Class("sb-panel__frame").Src(attr(p.sat.IframeURL)).
				Width(p.Width).Height(p.Height).
				Title(attr(p.frameTitle())),
		)
	}
	placeholder := app.Div().Class("sb-panel sb-panel--placeholder")
	if p.state == panelLoading {
		// Hold the iframe's place so the page does not jump when it comes.
		placeholder = placeholder.Style("min-height", itoaPx(p.Height))
	}
	if p.state == panelNotConnected {
		placeholder = placeholder.Class("sb-panel--connect")
		// What web/widget-early.js needs to show the iframe before the
		// WebAssembly runs.
		placeholder = placeholder.DataSet("frame-width", p.Width).DataSet("frame-height", p.Height).
			DataSet("frame-title", attr(p.frameTitle()))
	}
	return placeholder.Body(p.placeholder())
}

func (p *SalesNavPanel) frameTitle() string { return "LinkedIn Sales Navigator for " + p.Name }

func (p *SalesNavPanel) placeholder() app.UI {
	switch p.state {
	case panelNotConnected:
		text := "Sign in to LinkedIn once to see Sales Navigator here."
		switch {
		case p.popupBlocked:
			text = connectBlockedText
		case p.waiting:
			text = connectWaitingText
		}
		// A real link: it works before any script runs, and
		// web/widget-early.js turns the click into a popup. _blank keeps
		// go-app's router away from it; rel=opener lets the consent page
		// answer this window even when it opened as a tab.
		// One sentence of why, one (LinkedIn-branded) action; the text
		// is live so the words web/widget-early.js puts there are read.
		return app.Div().Class("sb-connect").
			DataSet("text-waiting", connectWaitingText).DataSet("text-blocked", connectBlockedText).Body(
			app.P().Class("sb-connect__text").Aria("live", "polite").Text(text),
			app.A().Class("sb-btn sb-btn--linkedin").Href(attr(p.connectURL)).Target("_blank").Rel("opener").
				DataSet("sb-connect", "1").
				Aria("label", "Connect LinkedIn (opens a sign-in window)").
				Text("Connect LinkedIn"),
		)
	case panelThrottled:
		return p.retryNotice(busyTitle)
	case panelUnavailable:
		return p.retryNotice(downTitle)
	case panelExpired:
		return &Notice{Kind: noticeError, Title: "This view has expired",
			Text: "Reload the page to open Sales Navigator."}
	case panelFailed:
		text := p.message
		if text == "" {
			text = "Something went wrong while opening Sales Navigator."
		}
		return &Notice{Kind: noticeWarn, Title: "Sales Navigator could not open", Text: text, Action: "Retry", OnAction: p.retry}
	default:
		return app.P().Class("sb-loading").Body(
			app.Span().Class("sb-spinner"),
			app.Text("Opening Sales Navigator…"),
		)
	}
}

// retryNotice says LinkedIn is busy or down, with Retry unless the card
// above already offers it.
func (p *SalesNavPanel) retryNotice(title string) app.UI {
	if p.CardRetries {
		return app.P().Class("sb-panel__wait").Text(panelWaitText)
	}
	return &Notice{Kind: noticeWarn, Title: title, Action: "Retry", OnAction: p.retry}
}

// isConnectURL accepts the server's consent address: absolute http(s), or
// a path on the widget's own origin. Anything else (javascript:) is refused.
func isConnectURL(s string) bool {
	if isWebURL(s) {
		return true
	}
	return len(s) > 1 && s[0] == '/' && s[1] != '/' && s[1] != '\\'
}

// What the Connect offer says while the popup is open, or when the
// browser blocked it.
const (
	connectWaitingText = "Finish signing in to LinkedIn in the pop-up window. This panel updates by itself."
	connectBlockedText = "Your browser blocked the sign-in window. Allow pop-ups for this site, then press Connect again."
)

// focusFrameIfLost moves keyboard focus to the panel's iframe when focus
// was left on nothing (its element was removed), e.g. after connecting.
func focusFrameIfLost(panel app.Value) {
	if !app.IsClient || panel == nil || !panel.Truthy() {
		return
	}
	doc := app.Window().Get("document")
	if active := doc.Get("activeElement"); active.Truthy() && !active.Equal(doc.Get("body")) {
		return
	}
	if frame := panel.Call("querySelector", "iframe"); frame.Truthy() {
		frame.Call("focus")
	}
}

func itoaPx(n int) string { return strconv.Itoa(n) + "px" }
