package ui

import (
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// ErrorCard replaces the widget when it cannot start at all: an invalid,
// expired or reused context, an unknown tenant, a session that expired.
type ErrorCard struct {
	app.Compo
	// Detail is the server's error; its Code picks the advice shown.
	Detail wire.ErrorDetail
}

// Render draws the error and what the seller can do about it.
func (e *ErrorCard) Render() app.UI {
	title, advice := errorAdvice(e.Detail.Code)
	msg := e.Detail.Message
	if msg == "" || strings.Contains(msg, advice) {
		// Said once: an expired context reads like every expired view.
		msg, advice = advice, ""
	}
	return app.Div().Class("sb-card sb-card--error").Role("alert").Body(
		app.P().Class("sb-card__name").Text(title),
		app.P().Class("sb-error__message").Text(msg),
		app.If(advice != "", func() app.UI { return app.P().Class("sb-error__advice").Text(advice) }),
		app.If(e.Detail.Code != "" || e.Detail.RequestID != "", func() app.UI {
			return app.P().Class("sb-error__ref").Text(errorRef(e.Detail))
		}),
	)
}

// errorRef is what the seller quotes to support: the error code and, for
// faults on our side, the request id.
func errorRef(d wire.ErrorDetail) string {
	ref := ""
	if d.Code != "" {
		ref = "Error code: " + d.Code
	}
	if d.RequestID != "" {
		if ref != "" {
			ref += " · "
		}
		ref += "Reference: " + d.RequestID
	}
	return ref
}

// errorAdvice turns an error code into a heading and a next step.
func errorAdvice(code string) (title, advice string) {
	switch code {
	case "session_expired", "unauthorized", "context_expired", "context_replayed":
		return ExpiredTitle, ExpiredAdvice
	case "not_configured", "tenant_not_found", "not_found":
		return "Sales Navigator is not set up here", "Ask your CRM administrator to check the snapbridge set-up."
	case "boot_missing":
		return "The widget could not start", "Reload the page. If it keeps happening, tell your CRM administrator."
	default:
		return "Sales Navigator could not open", "Reload the page. If it keeps happening, tell your CRM administrator."
	}
}
