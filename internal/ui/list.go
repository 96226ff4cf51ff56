package ui

import (
	"strconv"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// ListPageSize is how many rows the list shows at once; the seller pages
// through the rest.
const ListPageSize = 12

// List shows a compact card per record, for CRM list views, a page of
// ListPageSize rows at a time. Matching by hand needs the Sales Navigator
// panel, which only the card view has, so the list points sellers there
// instead.
type List struct {
	app.Compo
	// Records are the rows, in display order.
	Records []wire.Record
	// Assocs are LinkedIn's answers by record id; a record without one is
	// still being looked up.
	Assocs map[string]wire.Association
	// Retrying disables the Retry button while a retry runs.
	Retrying bool
	// OnRetry runs when the seller presses Retry. Default nil: no button.
	OnRetry app.EventHandler
	// WaitUntil and Tried are the Card's: the Retry countdown while
	// LinkedIn's back-off runs, and when the last retry was sent.
	WaitUntil time.Time
	Tried     time.Time
	// Now is the time used for ages; Default zero: time.Now().
	Now time.Time

	page int // zero-based page shown
}

// Render draws the notices that concern the whole list, one page of rows
// and, when there is more than one page, where the page is and the
// buttons to move.
func (l *List) Render() app.UI {
	first, last := l.bounds()
	var noMatch, syncOff, busy, down, spent int
	for i, r := range l.Records {
		a, ok := l.Assocs[r.ID]
		switch (&Card{Assoc: a, Loading: !ok}).state() {
		case wire.StatusNoMatch:
			if i >= first && i < last {
				noMatch++ // the hint is about rows the seller sees
			}
		case wire.StatusCRMSyncDisabled:
			syncOff++
		case wire.StatusThrottled:
			busy++
		case wire.StatusUnavailable:
			down++
		case statusBudgetSpent:
			spent++
		}
	}
	rows := make([]app.UI, 0, last-first)
	for _, r := range l.Records[first:last] {
		a, ok := l.Assocs[r.ID]
		rows = append(rows, app.Li().Class("sb-list__row").Body(
			&Card{Record: r, Assoc: a, Loading: !ok, Compact: true, Now: l.Now}))
	}
	return app.Div().Class("sb-list-view").Body(
		app.Div().Class("sb-list__notices").Body(l.notices(noMatch, syncOff, busy, down, spent)...),
		app.Ul().Class("sb-list").Aria("label", "LinkedIn matches").Body(rows...),
		app.If(len(l.Records) > ListPageSize, func() app.UI { return l.pager(first, last) }),
	)
}

// notices explains, once each, what rows share: a problem with LinkedIn
// or the tenant's set-up is never repeated on every row.
func (l *List) notices(noMatch, syncOff, busy, down, spent int) []app.UI {
	var out []app.UI
	if busy+down > 0 {
		title := downTitle
		if busy > 0 {
			title = busyTitle
		}
		// One Retry for the list, worded as the card words it.
		out = append(out, (&Card{Retrying: l.Retrying, OnRetry: l.OnRetry, WaitUntil: l.WaitUntil,
			Tried: l.Tried, Now: l.Now}).retryNotice(title, ""))
	}
	if spent > 0 {
		now := l.Now
		if now.IsZero() {
			now = time.Now()
		}
		out = append(out, &Notice{Kind: noticeAdmin, Title: budgetTitle, Text: budgetText(now)})
	}
	if syncOff > 0 {
		out = append(out, &Notice{Kind: noticeAdmin, Title: "CRM Sync is not enabled",
			Text: "LinkedIn cannot match this CRM's records. Ask your Sales Navigator admin to turn on CRM Sync."})
	}
	if noMatch > 0 {
		out = append(out, &Notice{Kind: noticeInfo,
			Text: "Rows marked \"No match\": open the record to pick the right person in Sales Navigator."})
	}
	return out
}

// bounds are the indexes of the first row shown and one past the last.
func (l *List) bounds() (first, last int) {
	pages := (len(l.Records) + ListPageSize - 1) / ListPageSize
	page := min(max(l.page, 0), max(pages-1, 0))
	first = page * ListPageSize
	return first, min(first+ListPageSize, len(l.Records))
}

// pager says which rows show ("13–24 of 32") and moves between pages.
func (l *List) pager(first, last int) app.UI {
	prev := app.Button().Type("button").ID("sb-page-prev").Class("sb-btn sb-btn--secondary sb-btn--small").
		Aria("label", "Previous page").Text("Previous").OnClick(l.turn(-1))
	if first == 0 {
		prev = prev.Disabled(true) // see Notice: never Disabled(false)
	}
	next := app.Button().Type("button").ID("sb-page-next").Class("sb-btn sb-btn--secondary sb-btn--small").
		Aria("label", "Next page").Text("Next").OnClick(l.turn(1))
	if last == len(l.Records) {
		next = next.Disabled(true)
	}
	return app.Nav().Class("sb-pager").Aria("label", "Pages of the list").Body(
		app.P().Class("sb-pager__range").Role("status").Text(
			strconv.Itoa(first+1)+"–"+strconv.Itoa(last)+" of "+strconv.Itoa(len(l.Records))),
		app.Div().Class("sb-pager__buttons").Body(prev, next),
	)
}

// turn moves by delta pages. A button that becomes disabled loses focus,
// so focus moves to the other one.
func (l *List) turn(delta int) app.EventHandler {
	return func(ctx app.Context, _ app.Event) {
		first, _ := l.bounds()
		l.page = first/ListPageSize + delta
		first, last := l.bounds()
		other := ""
		switch {
		case first == 0:
			other = "sb-page-next"
		case last == len(l.Records):
			other = "sb-page-prev"
		}
		if other != "" {
			ctx.Defer(func(app.Context) {
				if el := app.Window().GetElementByID(other); el.Truthy() {
					el.Call("focus")
				}
			})
		}
	}
}
