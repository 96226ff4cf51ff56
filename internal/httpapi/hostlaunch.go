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
	t, ok := a.Tenants.Get(c.Param("tenant"))
	if !ok {
		c.Request = problem.WithFrame(c.Request, problem.AnyFrame)
		a.fail(c, errUnknownTenant)
		return
	}
	c.Request = problem.WithFrame(c.Request, t.Origins())
	if a.Hosts == nil || a.Launches == nil {
		a.fail(c, errNotFound)
		return
	}
	adapter, err := a.Hosts.For(t, kind)
	if err != nil {
		a.fail(c, err)
		return
	}
	ctx := c.Request.Context()
	l, err := adapter.Launch(ctx, t, c.Request)
	if err != nil {
		a.fail(c, err)
		return
	}
	card, ok := a.handOff(c, t, l)
	if !ok {
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Redirect(http.StatusSeeOther, card)
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
