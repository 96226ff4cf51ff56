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
// signed in for the viewer with a Sales Access Token from the API. A viewer
// who has not connected LinkedIn gets a Connect button that runs the
// consent in a popup; the panel appears when the popup reports success.
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

	state        panelState
	sat          wire.SalesAccessToken
	connectURL   string
	waiting      bool // the consent popup is open
	popupBlocked bool
	message      string
	reloaded     int
	release      func()
}

// OnMount listens for the consent popup's message and loads the panel.
func (p *SalesNavPanel) OnMount(ctx app.Context) {
	own := ownOrigin()
	p.release = listenMessages(func(origin, msgType, code string) {
		if !isConnectedMessage(origin, own, msgType) {
			return
		}
		client := p.Client
		ctx.Async(func() {
			// The server stores the LinkedIn token only when this session
			// sends back the code; a failure shows up as "not connected".
			_ = client.ConfirmConnection(context.Background(), code)
			ctx.Dispatch(func(ctx app.Context) { p.load(ctx, true) })
		})
	})
	p.load(ctx, false)
}

// OnDismount stops listening for messages.
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

// load shows the panel, asking for a new Sales Access Token unless the one
// in memory is still good (and force is false).
func (p *SalesNavPanel) load(ctx app.Context, force bool) {
	if p.Client == nil {
		return
	}
	if !force && p.state == panelReady && time.Now().Add(satMargin).Before(p.sat.ExpiresAt) {
		return
	}
	p.state, p.waiting, p.popupBlocked = panelLoading, false, false
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
}

// connect opens the consent popup; it runs in the click handler so the
// browser counts it as a user action and lets the popup open.
func (p *SalesNavPanel) connect(ctx app.Context, _ app.Event) {
	if !isConnectURL(p.connectURL) {
		p.state, p.message = panelFailed, "The server sent no usable sign-in address."
		return
	}
	opened := openPopup(p.connectURL)
	p.waiting, p.popupBlocked = opened, !opened
}

func (p *SalesNavPanel) retry(ctx app.Context, _ app.Event) { p.load(ctx, true) }

// Render draws the iframe or the state that stands in for it.
func (p *SalesNavPanel) Render() app.UI {
	if p.state == panelReady {
		return app.Div().Class("sb-panel").Body(
			app.IFrame().Class("sb-panel__frame").Src(attr(p.sat.IframeURL)).
				Width(p.Width).Height(p.Height).
				Title(attr("LinkedIn Sales Navigator for " + p.Name)),
		)
	}
	placeholder := app.Div().Class("sb-panel sb-panel--placeholder")
	if p.state == panelLoading || p.state == panelNotConnected {
		// Hold the iframe's place so the page does not jump when it comes.
		placeholder = placeholder.Style("min-height", itoaPx(p.Height))
	}
	return placeholder.Body(p.placeholder())
}

func (p *SalesNavPanel) placeholder() app.UI {
	switch p.state {
	case panelNotConnected:
		text := "Connect your LinkedIn account once to see Sales Navigator here."
		switch {
		case p.popupBlocked:
			text = "Your browser blocked the sign-in window. Allow pop-ups for this site, then press Connect again."
		case p.waiting:
			text = "Finish signing in to LinkedIn in the pop-up window. This panel updates by itself."
		}
		return app.Div().Class("sb-connect").Body(
			app.P().Class("sb-connect__title").Text("Connect LinkedIn"),
			app.P().Class("sb-connect__text").Text(text),
			app.Button().Type("button").Class("sb-btn sb-btn--primary").
				Aria("label", "Connect your LinkedIn account (opens a sign-in window)").
				Text("Connect LinkedIn").OnClick(p.connect),
		)
	case panelThrottled:
		return p.retryNotice("Sales Navigator is busy", "LinkedIn asked us to slow down. Try again in a few minutes.")
	case panelUnavailable:
		return p.retryNotice("Sales Navigator is unavailable", "LinkedIn did not answer. Try again later.")
	case panelExpired:
		return &Notice{Kind: noticeError, Title: "This view has expired",
			Text: "Reload the page to open Sales Navigator."}
	case panelFailed:
		text := p.message
		if text == "" {
			text = "Something went wrong while opening Sales Navigator."
		}
		return p.retryNotice("Sales Navigator could not open", text)
	default:
		return app.P().Class("sb-loading").Body(
			app.Span().Class("sb-spinner"),
			app.Text("Opening Sales Navigator…"),
		)
	}
}

func (p *SalesNavPanel) retryNotice(title, text string) app.UI {
	return &Notice{Kind: noticeWarn, Title: title, Text: text, Action: "Retry", OnAction: p.retry}
}

// isConnectURL accepts the server's consent address: absolute http(s), or
// a path on the widget's own origin. Anything else (javascript:) is refused.
func isConnectURL(s string) bool {
	if isWebURL(s) {
		return true
	}
	return len(s) > 1 && s[0] == '/' && s[1] != '/' && s[1] != '\\'
}

func itoaPx(n int) string { return strconv.Itoa(n) + "px" }
