package httpapi

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/session"
	"github.com/snapbridge/snapbridge/internal/telemetry"
	"github.com/snapbridge/snapbridge/internal/tenant"
	"github.com/snapbridge/snapbridge/internal/tokens"
	"github.com/snapbridge/snapbridge/internal/ui"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// widgetLoadTimeout bounds the work done while prerendering a widget page,
// LinkedIn look-ups included: a slow LinkedIn must not hold the CRM page.
const widgetLoadTimeout = 4 * time.Second

// DefaultWidgetBudget is how long the prerender of a widget page waits for
// what it can put on the page at once (Services.WidgetBudget).
const DefaultWidgetBudget = 150 * time.Millisecond

// LoadWidget is the ui.Loader: while the server prerenders a widget page it
// verifies the page's context, opens the widget session and looks up what
// LinkedIn knows, so the seller sees the card at first paint and the
// one-time context never reaches the WebAssembly code.
func (a *API) LoadWidget(ctx context.Context, tenantID, mode string, page *url.URL, referer string) ui.Boot {
	ctx, cancel := context.WithTimeout(ctx, widgetLoadTimeout)
	defer cancel()
	boot := ui.Boot{Tenant: tenantID, Mode: mode}
	t, ok := a.Tenants.Get(tenantID)
	if !ok {
		boot.Error = &wire.ErrorDetail{Code: "unknown_tenant", Message: "This widget is not set up for this CRM."}
		return boot
	}
	telemetry.SetTenant(ctx, t.ID)
	boot.Accent = t.AccentColor
	boot.Theme = widgetTheme(t.Theme, page.Query().Get("theme"))
	boot.FrameWidth, boot.FrameHeight = t.Display.Width, t.Display.Height
	boot.ParentOrigin = parentOrigin(referer, t.Origins())
	boot.NoCRMSync = t.HubSpot() != nil

	hc, err := a.pageContext(ctx, t, page.Query(), &boot)
	if err != nil {
		boot.Error = a.bootError(ctx, err)
		return boot
	}
	if hc == nil {
		return boot
	}
	token, s, err := a.Sessions.Issue(hc)
	if err != nil {
		boot.Error = a.bootError(ctx, err)
		return boot
	}
	boot.Token, boot.ExpiresAt, boot.Viewer, boot.Records = token, s.ExpiresAt, s.Viewer, s.Records
	ids := make([]string, len(s.Records))
	for i, r := range s.Records {
		ids[i] = r.ID
	}
	a.resolveForPage(ctx, t, s, mode, &boot)
	return boot
}

// pageContext returns the verified host context of a widget page: the
// signed host context in ?ctx=, or the launch a CRM host adapter handed
// over in ?h= (whose frame, if any, the widget then sizes). Nil, with
// boot.Error set, when the page names neither.
func (a *API) pageContext(ctx context.Context, t *tenant.Tenant, q url.Values, boot *ui.Boot) (*session.HostContext, error) {
	if handle := q.Get("h"); handle != "" && a.Launches != nil {
		l, err := a.Launches.Take(ctx, t, handle)
		if err != nil {
			return nil, err
		}
		if l.Frame != nil {
			boot.Frame = l.Frame
			boot.ParentOrigin = l.Frame.TargetOrigin
		}
		return l.Context, nil
	}
	raw := q.Get("ctx")
	if raw == "" {
		boot.Error = &wire.ErrorDetail{Code: "ctx_required", Message: "The CRM page did not say which record to show."}
		return nil, nil
	}
	hc, err := a.Contexts.Verify(ctx, raw)
	if err == nil && hc.Tenant.ID != t.ID {
		err = &session.Error{Code: session.CodeContextInvalid, Message: "the context belongs to another tenant"}
	}
	return hc, err
}

// resolveForPage puts on the page what can be known within the widget
// budget: the records' cached (or quickly answered) associations and, on a
// card, the Sales Navigator panel — a Sales Access Token for a connected
// viewer, the consent address for one who is not. Whatever is not known by
// then the widget asks the API for; the look-ups still under way go on and
// answer that request (the resolver and the broker share one flight per
// record and viewer).
func (a *API) resolveForPage(ctx context.Context, t *tenant.Tenant, s *session.Session, mode string, boot *ui.Boot) {
	budget := a.WidgetBudget
	if budget <= 0 {
		budget = DefaultWidgetBudget
	}
	bctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	ids := make([]string, len(s.Records))
	for i, r := range s.Records {
		ids[i] = r.ID
	}
	var wg sync.WaitGroup
	if mode == ui.ModeCard && len(s.Records) > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			boot.SAT, boot.ConnectURL = a.panelForPage(ctx, bctx, t, s, s.Records[0])
		}()
	}
	// A failed look-up is not fatal: the widget shows its loading state
	// and asks the API itself, which then explains what is wrong.
	if res, err := a.Associations.Resolve(bctx, t, ids, false); err == nil {
		boot.Associations = res.Associations
	} else if bctx.Err() == nil {
		a.Logger.WarnContext(ctx, "widget prerender look-up failed", "tenant", t.ID, "err", err.Error())
	}
	wg.Wait()
}

// panelForPage returns the viewer's Sales Access Token for the record's
// Display Services iframe or, when the viewer has not connected LinkedIn,
// a one-time consent address for this session; neither when the answer
// did not come within bctx.
func (a *API) panelForPage(ctx, bctx context.Context, t *tenant.Tenant, s *session.Session, rec wire.Record) (*wire.SalesAccessToken, string) {
	tok, err := a.SalesAccess.Token(bctx, t, s.Viewer.ID)
	switch {
	case err == nil:
		return &wire.SalesAccessToken{Token: tok.Token, ExpiresAt: tok.ExpiresAt,
			IframeURL:   linkedin.DisplayURL(a.DisplayURL, displayParams(t, rec, tok.Token)),
			ConnectedAs: a.connectedAs(bctx, t.ID, s.Viewer.ID, tok.Token)}, ""
	case errors.Is(err, tokens.ErrNotConnected):
		u, err := a.connectURL(ctx, t, s)
		if err != nil {
			a.Logger.WarnContext(ctx, "widget prerender: no connect link", "tenant", t.ID, "err", err.Error())
			return nil, ""
		}
		return nil, u
	case bctx.Err() == nil:
		a.Logger.WarnContext(ctx, "widget prerender: no sales access token", "tenant", t.ID, "err", err.Error())
	}
	return nil, ""
}

// bootError turns a service error into what the widget's error card shows.
func (a *API) bootError(ctx context.Context, err error) *wire.ErrorDetail {
	var se *session.Error
	if errors.As(err, &se) {
		// An expired or reused context says what every expired view says.
		msg := ui.ExpiredTitle + ". " + ui.ExpiredAdvice
		if se.Code != session.CodeContextExpired && se.Code != session.CodeContextReplayed {
			msg = "The CRM page sent a sign-in this widget cannot trust. Ask your CRM admin to check the snapbridge set-up."
		}
		return &wire.ErrorDetail{Code: se.Code, Message: msg}
	}
	a.Logger.ErrorContext(ctx, "widget prerender failed", "err", err.Error())
	return &wire.ErrorDetail{Code: "internal", Message: "Something went wrong on our side. Reload the page to try again."}
}

// widgetTheme is the colour scheme a widget page is drawn in: the
// tenant's, or when the tenant follows the host, the page's theme
// parameter (set by embed.js from the CRM page); light when the host
// names none or something else.
func widgetTheme(setting, host string) string {
	switch setting {
	case tenant.ThemeLight, tenant.ThemeDark:
		return setting
	}
	if host == ui.ThemeDark {
		return ui.ThemeDark
	}
	return ui.ThemeLight
}

// parentOrigin returns the origin of the embedding page when it is one of
// the tenant's allowed origins; the widget then posts its height there and
// nowhere else.
func parentOrigin(referer string, allowed []string) string {
	u, err := url.Parse(referer)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	origin := u.Scheme + "://" + u.Host
	if slices.Contains(allowed, origin) {
		return origin
	}
	return ""
}
