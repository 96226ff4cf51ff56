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
	// OnExpired runs when the widget session expired and could not be
	// renewed; the parent shows the one expired message. Default nil: the
	// panel says it itself.
	OnExpired func()

	reported     panelState
	state        panelState
	sat          wire.SalesAccessToken
	connectURL   string
	waiting      bool // the consent popup is open
	popupBlocked bool
	outcome      string // how the last connect attempt ended: connectClosed, connectCancelled, connectRefused
	message      string
	// The "Connected as … · Disconnect" line: asking to confirm, the
	// DELETE under way, and why the last one failed.
	confirmOff    bool
	disconnecting bool
	disconnectErr string
	focusAfter    bool // focus Connect once the panel has loaded
	// mounted is the panel's own context: go-app drops a Dispatch whose
	// source element is gone, as the Disconnect buttons are once pressed.
	mounted    app.Context
	hasMounted bool
	reloaded   int
	known      bool // the page said what to show: nothing to ask at mount
	seen       int  // the last connect report followed
	frame      any  // the prerendered iframe, kept loaded across go-app's first render
	release    func()
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
	p.mounted, p.hasMounted = ctx, true
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
		p.outcome = ""
		return
	case connectClosed, connectCancelled, connectRefused:
		// The popup ended without a connection: say how, offer Connect
		// again with the fresh consent address the script fetched (the
		// old one was spent when the popup opened it).
		p.state, p.outcome = panelNotConnected, st.state
		if isConnectURL(st.connectURL) {
			p.connectURL = st.connectURL
		}
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
	if st.state != connectClosed && st.state != connectCancelled && st.state != connectRefused {
		p.outcome = ""
	}
	p.known = true
	p.waiting, p.popupBlocked = false, false
	p.confirmOff, p.disconnecting, p.disconnectErr = false, false, ""
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
	p.confirmOff, p.disconnecting, p.disconnectErr = false, false, ""
	p.report()
	client, recordID := p.Client, p.RecordID
	ctx.Async(func() {
		sat, err := client.SalesAccessToken(context.Background(), recordID)
		ctx.Dispatch(func(ctx app.Context) {
			p.settle(sat, err)
			if p.focusAfter {
				// After Disconnect the keyboard lands on Connect.
				p.focusAfter = false
				ctx.Defer(func(app.Context) { focusConnect(p.JSValue()) })
			}
		})
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
		if p.OnExpired != nil {
			p.OnExpired()
		}
	default:
		p.state = panelFailed
		if apiErr != nil {
			p.message = apiErr.Detail.Message
		}
	}
	p.report()
}

func (p *SalesNavPanel) retry(ctx app.Context, _ app.Event) { p.load(ctx, true) }

// askDisconnect shows the inline "Disconnect LinkedIn?" confirmation.
func (p *SalesNavPanel) askDisconnect(ctx app.Context, _ app.Event) {
	p.confirmOff, p.disconnectErr = true, ""
}

// keepConnected closes the confirmation without disconnecting.
func (p *SalesNavPanel) keepConnected(ctx app.Context, _ app.Event) { p.confirmOff = false }

// disconnect forgets the viewer's LinkedIn connection, then asks for the
// panel again: the answer is Connect, with a fresh consent address.
func (p *SalesNavPanel) disconnect(ctx app.Context, _ app.Event) {
	if p.Client == nil || p.disconnecting {
		return
	}
	if p.hasMounted {
		ctx = p.mounted
	}
	p.disconnecting = true
	client := p.Client
	ctx.Async(func() {
		err := client.Disconnect(context.Background())
		var conn wire.Connection
		if err == nil {
			// The consent address to offer, asked without the 409 a
			// Sales Access Token request would answer.
			conn, err = client.Connection(context.Background())
		}
		ctx.Dispatch(func(ctx app.Context) {
			p.disconnecting = false
			kind, apiErr := classify(err)
			switch kind {
			case problemNone:
				if conn.Connected || !isConnectURL(conn.ConnectURL) {
					p.focusAfter = true
					p.load(ctx, true)
					return
				}
				p.dropFrame()
				p.state, p.connectURL, p.outcome = panelNotConnected, conn.ConnectURL, ""
				p.confirmOff = false
				ctx.Defer(func(app.Context) { focusConnect(p.JSValue()) })
			case problemExpired:
				p.settle(wire.SalesAccessToken{}, err)
			default:
				p.disconnectErr = "LinkedIn could not be disconnected. Try again."
				if apiErr != nil && apiErr.Detail.Message != "" {
					p.disconnectErr = "LinkedIn could not be disconnected: " + apiErr.Detail.Message
				}
			}
		})
	})
}

// connectedLine is "Connected as <name> · Disconnect" under the iframe,
// or the inline confirmation Disconnect asks for.
func (p *SalesNavPanel) connectedLine() app.UI {
	if p.confirmOff {
		confirmLabel := "Disconnect"
		if p.disconnecting {
			confirmLabel = "Disconnecting…"
		}
		return app.Div().Class("sb-connected sb-connected--confirm").Role("group").
			Aria("label", "Disconnect LinkedIn").Body(
			app.P().Class("sb-connected__text").
				Text("Disconnect LinkedIn? Sales Navigator will ask you to connect again."),
			app.Div().Class("sb-connected__actions").Body(
				app.Button().Type("button").Class("sb-btn sb-btn--secondary sb-connected__confirm").
					Disabled(p.disconnecting).OnClick(p.disconnect).Text(confirmLabel),
				app.Button().Type("button").Class("sb-btn sb-btn--link sb-connected__cancel").
					Disabled(p.disconnecting).OnClick(p.keepConnected).Text("Cancel"),
			),
			app.If(p.disconnectErr != "", func() app.UI {
				return app.P().Class("sb-connected__error").Role("alert").Text(p.disconnectErr)
			}),
		)
	}
	who := p.sat.ConnectedAs
	line := app.Div().Class("sb-connected")
	var label app.UI = app.Span().Class("sb-connected__text").Text("LinkedIn connected")
	if who != nil && who.Name != "" {
		label = app.Span().Class("sb-connected__text").Body(
			app.Text("Connected as "), app.Strong().Class("sb-connected__name").Text(who.Name))
	}
	var photo app.UI
	if who != nil && isWebURL(who.Picture) {
		// Decorative: the name beside it says who. go-app drops an empty
		// alt, so the role is what keeps screen readers off the photo.
		photo = app.Img().Class("sb-connected__photo").Src(attr(who.Picture)).Role("presentation").
			Width(20).Height(20).Attr("referrerpolicy", "no-referrer")
	}
	return line.Body(
		photo, label,
		app.Button().Type("button").Class("sb-btn sb-btn--link sb-connected__disconnect").
			OnClick(p.askDisconnect).Text("Disconnect"),
	)
}

// Render draws the iframe or the state that stands in for it.
func (p *SalesNavPanel) Render() app.UI {
	if p.state == panelReady {
		panel := app.Div().Class("sb-panel")
		if p.frame != nil {
			return panel.Body(p.connectedLine()) // OnMount moves the prerendered iframe in, first
		}
		return panel.Body(
			app.IFrame().Class("sb-panel__frame").Src(attr(p.sat.IframeURL)).
				Width(p.Width).Height(p.Height).
				Title(attr(p.frameTitle())),
			p.connectedLine(),
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
		case p.outcome == connectClosed:
			text = connectClosedText
		case p.outcome == connectCancelled:
			text = connectCancelledText
		case p.outcome == connectRefused:
			text = connectRefusedText
		}
		// A real link: it works before any script runs, and
		// web/widget-early.js turns the click into a popup. _blank keeps
		// go-app's router away from it; rel=opener lets the consent page
		// answer this window even when it opened as a tab.
		// One sentence of why, one (LinkedIn-branded) action; the text
		// is live so the words web/widget-early.js puts there are read.
		return app.Div().Class("sb-connect").
			DataSet("text-waiting", connectWaitingText).DataSet("text-blocked", connectBlockedText).
			DataSet("text-closed", connectClosedText).DataSet("text-cancelled", connectCancelledText).
			DataSet("text-refused", connectRefusedText).Body(
			// Polite: the seller hears how the popup ended.
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
		return &Notice{Kind: noticeError, Title: ExpiredTitle, Text: ExpiredAdvice}
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

// What the Connect offer says while the popup is open, when the browser
// blocked it, and when it ended without a connection.
const (
	connectWaitingText   = "Finish signing in to LinkedIn in the pop-up window. This panel updates by itself."
	connectBlockedText   = "Your browser blocked the sign-in window. Allow pop-ups for this site, then press Connect again."
	connectClosedText    = "You closed the LinkedIn window before signing in. Press Connect LinkedIn to try again."
	connectCancelledText = "LinkedIn sign-in was cancelled. Press Connect LinkedIn when you want to see Sales Navigator here."
	connectRefusedText   = "LinkedIn did not complete the sign-in. Press Connect LinkedIn to try again; if it keeps happening, tell your CRM administrator."
)

// What every expired view says, wherever it shows: reloading the CRM page
// is the one thing that works without embed.js.
const (
	// ExpiredTitle heads the expired message.
	ExpiredTitle = "This view has expired"
	// ExpiredAdvice is its one action.
	ExpiredAdvice = "Reload the page to continue."
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
