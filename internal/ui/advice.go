package ui

import (
	"strconv"
	"time"
)

// What the widget says when LinkedIn cannot answer. LinkedIn's own limit
// (HTTP 429) passes in minutes; the tenant's daily look-up budget only at
// midnight UTC, so the two are never worded alike.
const (
	busyTitle   = "LinkedIn is busy — try again in a few minutes"
	downTitle   = "LinkedIn is not answering — try again later"
	budgetTitle = "Today's LinkedIn look-ups are used up"
	// panelWaitText stands in for the Sales Navigator panel while the card
	// above offers the one Retry.
	panelWaitText = "Sales Navigator opens here once LinkedIn answers."
)

// waitLabel is the Retry button's countdown while LinkedIn's back-off
// runs ("Retrying in 40 s…"), and waitSay what screen readers are told
// once instead: when the widget asks LinkedIn again by itself.
func waitLabel(now, until time.Time) string {
	secs := int((until.Sub(now) + time.Second - 1) / time.Second)
	if secs < 1 {
		return "Retrying…"
	}
	if secs >= 120 {
		return "Retrying in " + strconv.Itoa((secs+59)/60) + " min…"
	}
	return "Retrying in " + strconv.Itoa(secs) + " s…"
}

func waitSay(until time.Time) string {
	return "Retrying by itself at " + until.In(time.Local).Format("15:04:05") + ", when LinkedIn's wait ends."
}

// stillBusyText says a retry reached LinkedIn's limit again, and when.
func stillBusyText(tried time.Time) string {
	return "Tried again at " + tried.In(time.Local).Format("15:04") + "; LinkedIn is still busy."
}

// budgetText says when the tenant's daily look-up budget starts again:
// at the next midnight UTC, in the seller's own time too when that differs.
func budgetText(now time.Time) string {
	reset := nextMidnightUTC(now)
	when := "at midnight UTC"
	if local := reset.In(time.Local); local.Format("-0700") != "+0000" {
		when = "at " + local.Format("15:04") + " your time (midnight UTC)"
	}
	in := "in under an hour"
	if h := int(reset.Sub(now) / time.Hour); h >= 1 {
		in = "in about " + strconv.Itoa(h) + " hour"
		if h > 1 {
			in += "s"
		}
	}
	return "This CRM's daily budget is spent; look-ups start again " + when + ", " + in + "."
}

// nextMidnightUTC is when daily look-up budgets start again.
func nextMidnightUTC(now time.Time) time.Time {
	y, m, d := now.UTC().Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC)
}
