package ui

import (
	"strconv"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// statusLoading is the card state before LinkedIn has been asked; the
// other states are the wire.Status… values.
const statusLoading = "loading"

// Card shows one CRM record and what LinkedIn knows about it: photo or
// initials, name, title, company, a "View in Sales Navigator" link when
// matched, and a notice for every other state.
type Card struct {
	app.Compo
	// Record is the CRM record.
	Record wire.Record
	// Assoc is LinkedIn's answer for the record; ignored while Loading.
	Assoc wire.Association
	// Loading says the record has not been looked up yet.
	Loading bool
	// Compact draws the list row variant (small avatar, one-line details,
	// status chip instead of notices).
	Compact bool
	// Retrying disables the Retry button while a retry runs.
	Retrying bool
	// OnRetry runs when the seller presses Retry. Default nil: no button.
	OnRetry app.EventHandler
	// Now is the time used for "saved … ago"; Default zero: time.Now().
	Now time.Time
}

// state is the card's visible state.
func (c *Card) state() string {
	if c.Loading {
		return statusLoading
	}
	switch c.Assoc.Status {
	case wire.StatusMatched, wire.StatusNoMatch, wire.StatusCRMSyncDisabled, wire.StatusThrottled:
		return c.Assoc.Status
	default:
		// An unknown status is a server we do not understand: the seller
		// can do nothing but try later.
		return wire.StatusUnavailable
	}
}

// Render draws the card.
func (c *Card) Render() app.UI {
	state := c.state()
	name := displayName(c.Record)
	class := "sb-card sb-card--" + state
	if c.Compact {
		class += " sb-card--compact"
	}
	var details []app.UI
	switch {
	case c.Compact && c.Record.Title != "" && c.Record.Company != "":
		details = append(details, app.P().Class("sb-card__title").Text(c.Record.Title+" · "+c.Record.Company))
	default:
		if c.Record.Title != "" {
			details = append(details, app.P().Class("sb-card__title").Text(c.Record.Title))
		}
		if c.Record.Company != "" {
			details = append(details, app.P().Class("sb-card__company").Text(c.Record.Company))
		}
	}
	return app.Article().Class(class).Aria("label", attr(name)).Body(
		app.Div().Class("sb-card__main").Body(
			&Avatar{Name: name, Photo: c.Assoc.ProfilePhoto, Small: c.Compact, Pending: state == statusLoading},
			app.Div().Class("sb-card__who").Body(
				app.P().Class("sb-card__name").Text(name),
				app.Div().Class("sb-card__details").Body(details...),
			),
			app.If(c.Compact, func() app.UI { return c.chip(state, name) }),
		),
		app.If(!c.Compact && isWebURL(c.Assoc.Profile), func() app.UI {
			return salesNavLink(name, c.Assoc.Profile, false)
		}),
		app.If(!c.Compact, func() app.UI { return c.notice(state) }),
	)
}

// salesNavLink opens the member's Sales Navigator profile in a new tab;
// its accessible name says whose profile and that a tab opens.
func salesNavLink(name, profile string, small bool) app.UI {
	class, text := "sb-btn sb-btn--primary sb-card__link", "View in Sales Navigator"
	if small {
		class, text = "sb-chip sb-chip--link", "Open"
	}
	return app.A().Class(class).Href(attr(profile)).Target("_blank").Rel("noopener noreferrer").
		Aria("label", attr("View "+name+" in Sales Navigator (opens in a new tab)")).
		Body(app.Span().Text(text), app.Span().Class("sb-ext"))
}

// notice is the full-card explanation of every state but a clean match.
func (c *Card) notice(state string) app.UI {
	switch state {
	case statusLoading:
		return app.P().Class("sb-loading").Body(
			app.Span().Class("sb-spinner"),
			app.Text("Looking up LinkedIn…"),
		)
	case wire.StatusMatched:
		if c.Assoc.Stale {
			return &Notice{Kind: noticeWarn, Text: "LinkedIn could not be reached; this is " + c.savedAgo() + "."}
		}
		return nil
	case wire.StatusNoMatch:
		return &Notice{Kind: noticeInfo, Title: "No LinkedIn match yet",
			Text: "Pick the right person in the Sales Navigator panel below."}
	case wire.StatusCRMSyncDisabled:
		return &Notice{Kind: noticeAdmin, Title: "CRM Sync is not enabled",
			Text: "Ask your Sales Navigator admin to turn on CRM Sync for this CRM, then reload."}
	case wire.StatusThrottled:
		return c.retryNotice("LinkedIn is busy right now", "Too many look-ups today. Try again later.")
	default:
		return c.retryNotice("LinkedIn is unavailable", "LinkedIn did not answer. Try again later.")
	}
}

func (c *Card) retryNotice(title, text string) app.UI {
	if isWebURL(c.Assoc.Profile) {
		text += " Showing " + c.savedAgo() + "."
	}
	n := &Notice{Kind: noticeWarn, Title: title, Text: text, Busy: c.Retrying, BusyText: "Retrying…"}
	if c.OnRetry != nil {
		n.Action, n.OnAction = "Retry", c.OnRetry
	}
	return n
}

// chip is the list row's one-word state, with the link when matched.
func (c *Card) chip(state, name string) app.UI {
	if isWebURL(c.Assoc.Profile) {
		return salesNavLink(name, c.Assoc.Profile, true)
	}
	label := map[string]string{
		statusLoading:              "Looking up…",
		wire.StatusNoMatch:         "No match",
		wire.StatusCRMSyncDisabled: "CRM Sync off",
		wire.StatusThrottled:       "Busy",
		wire.StatusUnavailable:     "Unavailable",
	}[state]
	return app.Span().Class("sb-chip sb-chip--" + state).Text(label)
}

// savedAgo describes cached data's age in words a seller reads at a glance.
func (c *Card) savedAgo() string {
	if c.Assoc.CachedAt == nil {
		return "saved data"
	}
	now := c.Now
	if now.IsZero() {
		now = time.Now()
	}
	age := now.Sub(*c.Assoc.CachedAt)
	switch {
	case age < 2*time.Minute:
		return "data saved just now"
	case age < 2*time.Hour:
		return "data saved " + strconv.Itoa(int(age/time.Minute)) + " minutes ago"
	case age < 48*time.Hour:
		return "data saved " + strconv.Itoa(int(age/time.Hour)) + " hours ago"
	default:
		return "data saved " + strconv.Itoa(int(age/(24*time.Hour))) + " days ago"
	}
}
