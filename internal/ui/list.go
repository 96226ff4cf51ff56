package ui

import (
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// List shows a compact card per record, for CRM list views. Matching by
// hand needs the Sales Navigator panel, which only the card view has, so
// the list points sellers there instead.
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
	// Now is the time used for ages; Default zero: time.Now().
	Now time.Time
}

// Render draws the rows and one summary notice for rows that need it.
func (l *List) Render() app.UI {
	rows := make([]app.UI, 0, len(l.Records))
	var noMatch, syncOff, retry int
	for _, r := range l.Records {
		a, ok := l.Assocs[r.ID]
		c := &Card{Record: r, Assoc: a, Loading: !ok, Compact: true, Now: l.Now}
		switch c.state() {
		case wire.StatusNoMatch:
			noMatch++
		case wire.StatusCRMSyncDisabled:
			syncOff++
		case wire.StatusThrottled, wire.StatusUnavailable:
			retry++
		}
		rows = append(rows, app.Li().Class("sb-list__row").Body(c))
	}
	var notices []app.UI
	if retry > 0 {
		n := &Notice{Kind: noticeWarn, Title: "LinkedIn is busy or unavailable",
			Text: "Some rows could not be looked up. Try again later.", Busy: l.Retrying, BusyText: "Retrying…"}
		if l.OnRetry != nil {
			n.Action, n.OnAction = "Retry", l.OnRetry
		}
		notices = append(notices, n)
	}
	if syncOff > 0 {
		notices = append(notices, &Notice{Kind: noticeAdmin, Title: "CRM Sync is not enabled",
			Text: "Ask your Sales Navigator admin to turn on CRM Sync for this CRM."})
	}
	if noMatch > 0 {
		notices = append(notices, &Notice{Kind: noticeInfo,
			Text: "Rows marked \"No match\": open the record to pick the right person in Sales Navigator."})
	}
	return app.Div().Class("sb-list-view").Body(
		app.Ul().Class("sb-list").Aria("label", "LinkedIn matches").Body(rows...),
		app.Div().Class("sb-list__notices").Body(notices...),
	)
}
