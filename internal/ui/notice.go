package ui

import "github.com/maxence-charriere/go-app/v10/pkg/app"

// Notice kinds, each with its own colour and icon (drawn by widget.css,
// with empty alternative text) so states are told apart at a glance.
const (
	noticeInfo  = "info"
	noticeWarn  = "warn"
	noticeAdmin = "admin"
	noticeError = "error"
)

// Notice is a short status message under a card, with an optional action
// button (Retry, Connect).
type Notice struct {
	app.Compo
	// Kind is noticeInfo, noticeWarn, noticeAdmin or noticeError. Default: info.
	Kind string
	// Title is the bold first line. Default "": text only.
	Title string
	// Text explains what happened and what the seller can do. Default "":
	// the title says it all.
	Text string
	// Action labels the button. Default "": no button.
	Action string
	// Busy disables the button and shows BusyText while the action runs.
	Busy     bool
	BusyText string
	// Wait, when set, says the action will run by itself later: the
	// button shows Wait (e.g. "Retrying in 40 s…") and is aria-disabled,
	// so a focused button keeps the focus, and screen readers are told
	// WaitSay once instead of every change of the countdown. Default "":
	// the action runs when pressed.
	Wait    string
	WaitSay string
	// OnAction runs when the button is pressed.
	OnAction app.EventHandler
}

// Render draws the notice.
func (n *Notice) Render() app.UI {
	kind := n.Kind
	if kind == "" {
		kind = noticeInfo
	}
	role := "status"
	if kind == noticeError {
		role = "alert"
	}
	return app.Div().Class("sb-notice sb-notice--"+kind).Role(role).Body(
		app.Span().Class("sb-notice__icon"),
		app.Div().Class("sb-notice__body").Body(
			app.If(n.Title != "", func() app.UI {
				return app.P().Class("sb-notice__title").Text(n.Title)
			}),
			app.If(n.Text != "", func() app.UI {
				return app.P().Class("sb-notice__text").Text(n.Text)
			}),
			app.If(n.Action != "" && n.Wait != "", func() app.UI {
				// Not disabled: a disabled button drops the focus.
				return app.Button().Type("button").Class("sb-btn sb-btn--secondary sb-btn--waiting").
					Aria("disabled", "true").Body(
					app.Span().Aria("hidden", "true").Text(n.Wait),
					app.Span().Class("sb-sr").Text(n.WaitSay),
				)
			}),
			app.If(n.Action != "" && n.Wait == "", func() app.UI {
				label := n.Action
				if n.Busy && n.BusyText != "" {
					label = n.BusyText
				}
				btn := app.Button().Type("button").Class("sb-btn sb-btn--secondary").Text(label)
				if n.Busy {
					// Never Disabled(false): go-app's prerender writes
					// disabled="false", which disables the button.
					btn = btn.Disabled(true)
				}
				if n.OnAction != nil {
					btn = btn.OnClick(n.OnAction)
				}
				return btn
			}),
		),
	)
}
