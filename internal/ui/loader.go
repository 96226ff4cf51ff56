package ui

import (
	"context"
	"net/url"
	"sync"

	"github.com/snapbridge/snapbridge/internal/wire"
)

// RefererParam is the query parameter through which webapp's handler hands
// the page request's Referer header to the prerender: go-app gives
// OnPreRender the page URL but not the request. The handler always
// overwrites it, and the prerender strips it before calling the Loader.
const RefererParam = "snapbridge-referer"

// PageParam is the query parameter through which webapp's handler names
// one page request, so that it can send the page with the status of what
// the Loader found: a refused context is a 401 page, not a 200, for
// proxies, monitors and scripts, while the seller sees the same card.
// Like RefererParam, the handler always overwrites it and the prerender
// strips it.
const PageParam = "snapbridge-page"

// pageOutcomes holds the error the Loader reported for a page request
// until the handler takes it, keyed by the PageParam value.
var pageOutcomes sync.Map

// pageContexts holds the context of a page request (its span and request
// id, for the Loader's spans and log lines) while it is prerendered, keyed
// by the PageParam value: go-app prerenders with a context of its own.
var pageContexts sync.Map

// HoldPageContext hands ctx, the context of the page request named id, to
// the Loader (without its cancellation: the Loader bounds its own calls)
// until the returned function is called.
func HoldPageContext(id string, ctx context.Context) (release func()) {
	pageContexts.Store(id, context.WithoutCancel(ctx))
	return func() { pageContexts.Delete(id) }
}

// TakePageOutcome returns the error the Loader reported while prerendering
// the page request named id, or nil, and forgets it.
func TakePageOutcome(id string) *wire.ErrorDetail {
	v, ok := pageOutcomes.LoadAndDelete(id)
	if !ok {
		return nil
	}
	return v.(*wire.ErrorDetail)
}

// Loader builds the Boot of one widget page on the server: it verifies the
// context named in page's query (ctx=…), creates the widget session and
// looks up what it already knows. referer is the page request's Referer
// header ("" when absent). It never fails: problems go into Boot.Error.
// ctx carries no request deadline (go-app prerenders with a background
// context), so a Loader bounds its own upstream calls.
type Loader func(ctx context.Context, tenant, mode string, page *url.URL, referer string) Boot

// loaderHook is the one package-level hook of the widget. go-app builds
// components from a global route table with zero-argument factories, so
// the server has no other way to hand its services to the prerender.
var loaderHook struct {
	sync.RWMutex
	load Loader
}

// SetLoader installs the Loader used when the server prerenders a widget
// page. Only the server calls it, once at start-up. Default: none, and
// every page shows a "not configured" error card.
func SetLoader(l Loader) {
	loaderHook.Lock()
	defer loaderHook.Unlock()
	loaderHook.load = l
}

func currentLoader() Loader {
	loaderHook.RLock()
	defer loaderHook.RUnlock()
	return loaderHook.load
}

// loadBoot runs the installed Loader for the page at u.
func loadBoot(ctx context.Context, u *url.URL) Boot {
	tenant, mode, ok := parseWidgetPath(u.Path)
	if !ok {
		return Boot{Error: errorDetail("not_found", "This widget address is not valid.")}
	}
	load := currentLoader()
	if load == nil {
		return Boot{Tenant: tenant, Mode: mode,
			Error: errorDetail("not_configured", "The widget server is not configured.")}
	}
	page := *u
	q := page.Query()
	referer, pageID := q.Get(RefererParam), q.Get(PageParam)
	q.Del(RefererParam)
	q.Del(PageParam)
	page.RawQuery = q.Encode()
	if held, ok := pageContexts.Load(pageID); ok && pageID != "" {
		ctx = held.(context.Context)
	}
	b := load(ctx, tenant, mode, &page, referer)
	if b.Tenant == "" {
		b.Tenant = tenant
	}
	if pageID != "" && b.Error != nil {
		pageOutcomes.Store(pageID, b.Error)
	}
	return b.normalized(mode)
}
