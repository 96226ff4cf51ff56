package ui

import (
	"context"
	"errors"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// Widget is the page component of /w/{tenant}/card and /w/{tenant}/list.
// The server fills it through the Loader while prerendering and writes the
// resulting Boot into the page; in the browser it starts from that Boot,
// so the card the seller already sees is redrawn identically.
type Widget struct {
	app.Compo

	boot     Boot
	client   *Client
	assocs   map[string]wire.Association
	retrying bool
	expired  bool
	reload   int        // bumped on Retry to reload the Sales Navigator panel
	panel    panelState // what the Sales Navigator panel shows
	stop     func()

	// waitUntil is when a Retry pressed during LinkedIn's back-off runs
	// by itself; tried is when the last retry was sent.
	waitUntil time.Time
	tried     time.Time
	mount     app.Context // the widget's own, for timers that outlive a button
	mounted   bool
}

// OnInit reads the Boot from the prerendered page in the browser. It must
// happen here: go-app replaces the prerendered DOM right after.
func (w *Widget) OnInit() {
	if !app.IsClient {
		return
	}
	_, mode, _ := parseWidgetPath(app.Window().URL().Path)
	raw, ok := pageBoot()
	if !ok {
		w.setBoot(Boot{Mode: mode, Error: errorDetail("boot_missing", "")})
		return
	}
	b, err := decodeBoot(raw)
	if err != nil {
		w.setBoot(Boot{Mode: mode, Error: errorDetail("boot_missing", "")})
		return
	}
	w.setBoot(b.normalized(mode))
}

// OnPreRender asks the server's Loader for the page's Boot.
func (w *Widget) OnPreRender(ctx app.Context) {
	w.setBoot(loadBoot(ctx, ctx.Page().URL()))
}

// OnMount starts telling the host page the widget's height and looks up
// the records the server did not answer for yet.
func (w *Widget) OnMount(ctx app.Context) {
	// Tests and the benchmark read this to know the WebAssembly widget,
	// not just the prerendered HTML, is running.
	app.Window().Get("document").Get("documentElement").Call("setAttribute", "data-snapbridge-ready", "1")
	w.stop = reportHeightTo(w.boot.ParentOrigin, w.boot.Frame)
	w.mount, w.mounted = ctx, true
	if w.boot.Error == nil && len(w.assocs) < len(w.boot.Records) {
		w.fetch(ctx, false)
	}
}

// OnDismount stops the height reports.
func (w *Widget) OnDismount() {
	if w.stop != nil {
		w.stop()
	}
}

func (w *Widget) setBoot(b Boot) {
	w.boot = b
	w.client = NewClient("", b.Token)
	if app.IsClient && pageRenew != nil {
		// With embed.js an expired session is renewed from the host
		// page's fresh context and the call sent again: the seller keeps
		// what is on screen.
		w.client.SetRenew(pageRenew)
	}
	w.assocs = make(map[string]wire.Association, len(b.Associations))
	for _, a := range b.Associations {
		w.assocs[a.RecordID] = a
	}
	// What the panel will start with (SalesNavPanel.OnInit), so the first
	// render already fits the card around it.
	w.panel = panelLoading
	switch {
	case b.SAT != nil && time.Now().Add(satMargin).Before(b.SAT.ExpiresAt):
		w.panel = panelReady
	case b.ConnectURL != "":
		w.panel = panelNotConnected
	}
}

// panelChanged hears the panel's state; the panel's update re-renders
// the widget too (go-app updates every ancestor of a dispatching component).
func (w *Widget) panelChanged(s panelState) { w.panel = s }

// fetch asks the API about every record; on failure the answers already
// shown stay, marked with why they could not be refreshed.
func (w *Widget) fetch(ctx app.Context, force bool) {
	ids := make([]string, 0, len(w.boot.Records))
	for _, r := range w.boot.Records {
		ids = append(ids, r.ID)
	}
	w.retrying = true
	client := w.client
	ctx.Async(func() {
		assocs, err := client.Associations(context.Background(), ids, force)
		ctx.Dispatch(func(app.Context) { w.settle(ids, assocs, err) })
	})
}

// settle records the answer to an associations request.
func (w *Widget) settle(ids []string, assocs []wire.Association, err error) {
	w.retrying = false
	defer func() {
		if !w.anyThrottled() {
			w.tried = time.Time{} // "still busy" only while it is
		}
	}()
	kind, _ := classify(err)
	switch kind {
	case problemNone:
		for _, a := range assocs {
			w.assocs[a.RecordID] = a
		}
		return
	case problemExpired:
		w.expired = true
		return
	}
	status := wire.StatusUnavailable
	switch kind {
	case problemThrottled:
		status = wire.StatusThrottled
	case problemBudgetSpent:
		status = statusBudgetSpent
	}
	for _, id := range ids {
		a, known := w.assocs[id]
		if known && isSettled(a.Status) {
			continue // a good answer stays good when a refresh fails
		}
		a.RecordID, a.Status = id, status
		w.assocs[id] = a
	}
}

// sessionExpired shows the one expired message: the session ended and the
// host page could not renew it.
func (w *Widget) sessionExpired() { w.expired = true }

// retry asks LinkedIn again. While LinkedIn's back-off runs the server
// would only answer "busy" again without asking, so the button counts
// down instead and the widget retries by itself when the back-off ends.
func (w *Widget) retry(ctx app.Context, _ app.Event) {
	if w.retrying || !w.waitUntil.IsZero() {
		return // the button is aria-disabled, not disabled: it still clicks
	}
	if w.mounted {
		ctx = w.mount
	}
	if until := w.busyUntil(); time.Until(until) > time.Second/2 {
		w.waitUntil = until
		w.countDown(ctx)
		return
	}
	w.retryNow(ctx)
}

func (w *Widget) retryNow(ctx app.Context) {
	w.reload++
	w.tried = time.Now()
	w.fetch(ctx, false)
}

// countDown redraws the Retry countdown each second and retries when
// the back-off ends.
func (w *Widget) countDown(ctx app.Context) {
	left := time.Until(w.waitUntil)
	if left <= 0 {
		w.waitUntil = time.Time{}
		w.retryNow(ctx)
		return
	}
	step := left % time.Second
	if step < 50*time.Millisecond {
		step += time.Second
	}
	ctx.After(min(step, left), w.countDown)
}

// busyUntil is when LinkedIn's back-off of the records shown ends, as the
// server said (Association.RetryAt); zero when none is known.
func (w *Widget) busyUntil() time.Time {
	var until time.Time
	for _, r := range w.boot.Records {
		a, ok := w.assocs[r.ID]
		if ok && a.Status == wire.StatusThrottled && a.Reason != wire.ReasonBudgetSpent && a.RetryAt != nil && a.RetryAt.After(until) {
			until = *a.RetryAt
		}
	}
	return until
}

// Render draws the error card, the record card with its panel, or the list.
func (w *Widget) Render() app.UI {
	b := w.boot
	// widget.css picks the palette for the whole page from data-theme.
	root := app.Div().ID("snapbridge-widget").Class("sb-widget sb-widget--"+b.Mode).
		DataSet("theme", b.Theme).Style("--sb-accent", b.Accent)
	var boot app.UI
	if app.IsServer {
		boot = w.bootElement()
	}
	return root.Body(boot, w.content())
}

func (w *Widget) content() app.UI {
	b := w.boot
	switch {
	case b.Error != nil:
		return &ErrorCard{Detail: *b.Error}
	case w.expired:
		return &ErrorCard{Detail: wire.ErrorDetail{Code: "session_expired"}}
	case len(b.Records) == 0:
		return &ErrorCard{Detail: wire.ErrorDetail{Code: "no_records",
			Message: "The CRM did not say which record to show."}}
	case b.Mode == ModeList:
		return &List{Records: b.Records, Assocs: w.assocs, Retrying: w.retrying, OnRetry: w.retry,
			WaitUntil: w.waitUntil, Tried: w.tried}
	}
	r := b.Records[0]
	a, ok := w.assocs[r.ID]
	// With the Sales Navigator panel showing the person, the card shrinks
	// to a header; while Connect is the thing to do, its link steps back.
	card := &Card{Record: r, Assoc: a, Loading: !ok, NoCRMSync: b.NoCRMSync, Retrying: w.retrying, OnRetry: w.retry,
		WaitUntil: w.waitUntil, Tried: w.tried,
		Header: w.panel == panelReady, Secondary: w.panel == panelNotConnected}
	return app.Div().Class("sb-stack").Body(
		card,
		&SalesNavPanel{Client: w.client, RecordID: r.ID, Name: displayName(r),
			Width: b.FrameWidth, Height: b.FrameHeight, Reload: w.reload,
			SAT: b.SAT, ConnectURL: b.ConnectURL, OnExpired: w.sessionExpired,
			CardRetries: card.offersRetry(), OnState: w.panelChanged},
	)
}

// bootElement carries the Boot from the prerender to the browser.
func (w *Widget) bootElement() app.UI {
	raw, err := encodeBoot(w.boot)
	if err != nil {
		app.Log(errors.New("widget boot not written: " + err.Error()))
		return nil
	}
	return app.Div().ID(bootElementID).Hidden(true).DataSet("boot", raw)
}

// isSettled reports whether status is a real answer from LinkedIn rather
// than a failure to ask.
func isSettled(status string) bool {
	switch status {
	case wire.StatusMatched, wire.StatusNoMatch, wire.StatusCRMSyncDisabled:
		return true
	}
	return false
}

// anyThrottled reports whether a record shown is answered "busy".
func (w *Widget) anyThrottled() bool {
	for _, r := range w.boot.Records {
		if a, ok := w.assocs[r.ID]; ok && a.Status == wire.StatusThrottled && a.Reason != wire.ReasonBudgetSpent {
			return true
		}
	}
	return false
}
