package httpapi

import (
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/snapbridge/snapbridge/internal/hostctx"
	"github.com/snapbridge/snapbridge/internal/problem"
	"github.com/snapbridge/snapbridge/internal/tenant"
)

// canvasLaunch answers Salesforce Canvas's POST of its signed request to
// the canvas app URL, /w/<tenant>/canvas.
func (a *API) canvasLaunch(c *gin.Context) { a.hostLaunch(c, tenant.HostSalesforce) }

// hostLaunch verifies a CRM's own launch request with the tenant's host
// adapter of kind and answers 303 to the card page with a one-time
// handle: the page opens the widget session from it, exactly as from a
// signed host context, and neither the CRM's proof nor a session token
// appears in a URL. Refusals are the error page framed by the tenant's
// origins (a navigation in the CRM's frame) or JSON.
func (a *API) hostLaunch(c *gin.Context, kind string) {
	t, l, ok := a.verifiedLaunch(c, kind, true)
	if !ok {
		return
	}
	card, ok := a.handOff(c, t, l)
	if !ok {
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Redirect(http.StatusSeeOther, card)
}

// hostAdapter returns tenant c's host adapter of kind; ok false when it
// answered (an unknown tenant, a server without adapters, a tenant whose
// CRM opens the widget another way). framed: refusals are navigations in
// the CRM's frame, so their error page may be framed by the tenant's
// origins.
func (a *API) hostAdapter(c *gin.Context, kind string, framed bool) (*tenant.Tenant, hostctx.Adapter, bool) {
	t, found := a.Tenants.Get(c.Param("tenant"))
	if !found {
		if framed {
			c.Request = problem.WithFrame(c.Request, problem.AnyFrame)
		}
		a.fail(c, errUnknownTenant)
		return nil, nil, false
	}
	if framed {
		c.Request = problem.WithFrame(c.Request, t.Origins())
	}
	if a.Hosts == nil || a.Launches == nil {
		a.fail(c, errNotFound)
		return nil, nil, false
	}
	adapter, err := a.Hosts.For(t, kind)
	if err != nil {
		a.fail(c, err)
		return nil, nil, false
	}
	return t, adapter, true
}

// verifiedLaunch verifies c, a CRM's launch request, with the tenant's
// adapter of kind; ok false when it answered.
func (a *API) verifiedLaunch(c *gin.Context, kind string, framed bool) (*tenant.Tenant, *hostctx.Launch, bool) {
	t, adapter, ok := a.hostAdapter(c, kind, framed)
	if !ok {
		return nil, nil, false
	}
	l, err := adapter.Launch(c.Request.Context(), t, c.Request)
	if err != nil {
		a.fail(c, err)
		return nil, nil, false
	}
	return t, l, true
}

// handOff keeps a verified launch under a one-time handle and returns the
// path of the card page that redeems it, /w/<tenant>/card?h=<handle>: the
// CRM's proof and the session token never appear in a URL. When the store
// fails it answers the request and returns false.
func (a *API) handOff(c *gin.Context, t *tenant.Tenant, l *hostctx.Launch) (string, bool) {
	handle, err := a.Launches.Put(c.Request.Context(), l)
	if err != nil {
		a.fail(c, err)
		return "", false
	}
	return "/w/" + url.PathEscape(t.ID) + "/card?h=" + url.QueryEscape(handle), true
}
