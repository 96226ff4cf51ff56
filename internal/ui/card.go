package ui

import (
	"strconv"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// statusLoading is the card state before LinkedIn has been asked, and
// statusBudgetSpent the state of a record not looked up because the
// tenant's daily look-up budget is spent; the other states are the
// wire.Status… values.
const (
	statusLoading     = "loading"
	statusBudgetSpent = "budget_spent"
)

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
	// Header draws the card as a compact header (name, record type, the
	// Sales Navigator link and any notice) for when the Sales Navigator
	// panel below already shows the person. Default false: the full card.
	Header bool
	// Secondary draws the Sales Navigator link as a secondary action, for
	// when another action on the page is the one to take (Connect).
	// Default false: the link is the primary action.
	Secondary bool
	// NoCRMSync says the CRM has no LinkedIn CRM Sync (HubSpot), so a
	// crm_sync_disabled answer is expected and nothing for an admin to
	// fix. Default false.
	NoCRMSync bool
	// Retrying disables the Retry button while a retry runs.
	Retrying bool
	// OnRetry runs when the seller presses Retry. Default nil: no button.
	OnRetry app.EventHandler
	// WaitUntil, when set, is when the widget retries by itself: Retry
	// was pressed while LinkedIn's back-off ran, and the button counts
	// down to it. Default zero: Retry retries when pressed.
	WaitUntil time.Time
	// Tried, when set, is when the last retry was sent; a card still busy
	// after it says so. Default zero: no retry yet.
	Tried time.Time
	// Now is the time used for "saved … ago"; Default zero: time.Now().
	Now time.Time
}

// state is the card's visible state.
func (c *Card) state() string {
	if c.Loading {
		return statusLoading
	}
	if c.Assoc.Status == wire.StatusThrottled && c.Assoc.Reason == wire.ReasonBudgetSpent {
		// Not LinkedIn's limit but the tenant's: worded apart (item 7).
		return statusBudgetSpent
	}
	switch c.Assoc.Status {
	case wire.StatusMatched, wire.StatusNoMatch, wire.StatusCRMSyncDisabled, wire.StatusThrottled, statusBudgetSpent:
		return c.Assoc.Status
	default:
		// An unknown status is a server we do not understand: the seller
		// can do nothing but try later.
		return wire.StatusUnavailable
	}
}

// offersRetry reports whether the card shows a Retry button: LinkedIn
// was busy or did not answer and the seller can ask again.
func (c *Card) offersRetry() bool {
	state := c.state()
	return c.OnRetry != nil && !c.Compact && (state == wire.StatusThrottled || state == wire.StatusUnavailable)
}

// Render draws the card.
func (c *Card) Render() app.UI {
	if c.Header && !c.Compact {
		return c.renderHeader()
	}
	state := c.state()
	name := displayName(c.Record)
	class := "sb-card sb-card--" + state
	if c.Compact {
		class += " sb-card--compact"
	}
	var details []app.UI
	if c.Record.Title != "" {
		details = append(details, app.P().Class("sb-card__title").Title(attr(c.Record.Title)).Text(c.Record.Title))
	}
	if c.Record.Company != "" {
		details = append(details, app.P().Class("sb-card__company").Title(attr(c.Record.Company)).Text(c.Record.Company))
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
			return salesNavLink(name, c.Assoc.Profile, linkFull, c.Secondary)
		}),
		app.If(!c.Compact, func() app.UI { return c.notice(state) }),
	)
}

// renderHeader draws the compact header shown above the Sales Navigator
// panel: the panel shows the person's photo, title and company itself.
func (c *Card) renderHeader() app.UI {
	state := c.state()
	name := displayName(c.Record)
	return app.Article().Class("sb-card sb-card--header sb-card--"+state).Aria("label", attr(name)).Body(
		app.Div().Class("sb-card__main").Body(
			app.Div().Class("sb-card__who").Body(
				app.P().Class("sb-card__name").Text(name),
				app.If(recordType(c.Record.Type) != "", func() app.UI {
					return app.P().Class("sb-card__type").Text(recordType(c.Record.Type))
				}),
			),
			app.If(isWebURL(c.Assoc.Profile), func() app.UI {
				return salesNavLink(name, c.Assoc.Profile, linkHeader, c.Secondary)
			}),
		),
		app.If(state != statusLoading, func() app.UI { return c.notice(state) }),
	)
}

// recordType names a CRM record type for sellers ("Contact"); "" for a
// type the widget does not know.
func recordType(t string) string {
	switch t {
	case "contact":
		return "Contact"
	case "lead":
		return "Lead"
	case "account":
		return "Account"
	}
	return ""
}

// Sizes of the Sales Navigator link.
const (
	linkFull   = iota // the full card's wide button
	linkHeader        // the compact header's button
	linkChip          // the list row's "Open"
)

// salesNavLink opens the member's Sales Navigator profile in a new tab. It
// is LinkedIn's action, so it keeps LinkedIn's colour whatever the
// tenant's accent; its accessible name starts with the visible label and
// adds whose profile it is and that a tab opens.
func salesNavLink(name, profile string, size int, secondary bool) app.UI {
	class, text, label := "sb-btn sb-btn--linkedin sb-card__link", "View in Sales Navigator", "View in Sales Navigator"
	switch size {
	case linkHeader:
		class = "sb-btn sb-btn--linkedin sb-btn--small sb-card__link sb-card__link--header"
	case linkChip:
		class, text, label = "sb-chip sb-chip--link", "Open", "Open in Sales Navigator"
	}
	if secondary && size != linkChip {
		class += " sb-btn--outline"
	}
	return app.A().Class(class).Href(attr(profile)).Target("_blank").Rel("noopener noreferrer").
		Aria("label", attr(label+": "+name+" (opens in a new tab)")).
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
		if c.Assoc.Stale && c.Assoc.Reason == wire.ReasonBudgetSpent {
			return &Notice{Kind: noticeAdmin, Text: "Today's LinkedIn look-ups are used up; this is " + c.savedAgo() + "."}
		}
		if c.Assoc.Stale {
			return &Notice{Kind: noticeWarn, Text: "LinkedIn could not be reached; this is " + c.savedAgo() + "."}
		}
		return nil
	case wire.StatusNoMatch:
		return &Notice{Kind: noticeInfo, Title: "No LinkedIn match yet",
			Text: "Pick the right person in the Sales Navigator panel below."}
	case wire.StatusCRMSyncDisabled:
		if c.NoCRMSync {
			return &Notice{Kind: noticeInfo, Title: "Found by name and email",
				Text: "LinkedIn keeps no CRM links for this CRM: the Sales Navigator panel below finds the person by name and email."}
		}
		return &Notice{Kind: noticeAdmin, Title: "CRM Sync is not enabled",
			Text: "Ask your Sales Navigator admin to turn on CRM Sync for this CRM, then reload."}
	case wire.StatusThrottled:
		return c.retryNotice(busyTitle, "")
	case statusBudgetSpent:
		return &Notice{Kind: noticeAdmin, Title: budgetTitle, Text: budgetText(c.now())}
	default:
		return c.retryNotice(downTitle, "")
	}
}

func (c *Card) retryNotice(title, text string) app.UI {
	if isWebURL(c.Assoc.Profile) {
		text = "Showing " + c.savedAgo() + "."
	}
	if title == busyTitle && !c.Tried.IsZero() && !c.Retrying {
		text = strings.TrimSpace(stillBusyText(c.Tried) + " " + text)
	}
	n := &Notice{Kind: noticeWarn, Title: title, Text: text, Busy: c.Retrying, BusyText: "Retrying…"}
	if c.OnRetry != nil {
		n.Action, n.OnAction = "Retry", c.OnRetry
		if !c.WaitUntil.IsZero() && !c.Retrying {
			n.Wait, n.WaitSay = waitLabel(c.now(), c.WaitUntil), waitSay(c.WaitUntil)
		}
	}
	return n
}

// chip is the list row's one-word state, with the link when matched.
func (c *Card) chip(state, name string) app.UI {
	if isWebURL(c.Assoc.Profile) {
		return salesNavLink(name, c.Assoc.Profile, linkChip, false)
	}
	label := map[string]string{
		statusLoading:          "Looking up…",
		wire.StatusNoMatch:     "No match",
		wire.StatusThrottled:   "Busy",
		wire.StatusUnavailable: "Unavailable",
		statusBudgetSpent:      "Not looked up",
	}[state]
	if label == "" {
		// CRM Sync off is the tenant's, said once above the list.
		return nil
	}
	return app.Span().Class("sb-chip sb-chip--" + state).Text(label)
}

func (c *Card) now() time.Time {
	if c.Now.IsZero() {
		return time.Now()
	}
	return c.Now
}

// savedAgo describes cached data's age in words a seller reads at a glance.
func (c *Card) savedAgo() string {
	if c.Assoc.CachedAt == nil {
		return "saved data"
	}
	age := c.now().Sub(*c.Assoc.CachedAt)
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
