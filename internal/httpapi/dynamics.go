package httpapi

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/snapbridge/snapbridge/internal/hostctx"
	"github.com/snapbridge/snapbridge/internal/tenant"
)

// dynamicsRoutes are Dynamics 365's: the record page an IFRAME control
// opens, the sign-in popup's start and callback, and the record page's
// redemption of the popup's result for its partitioned cookie.
func (a *API) dynamicsRoutes(r gin.IRoutes) {
	r.GET("/w/:tenant/dynamics", a.dynamicsLaunch)
	r.GET("/w/:tenant/dynamics/signin", a.dynamicsSignIn)
	r.GET("/w/:tenant/dynamics/callback", a.dynamicsCallback)
	r.POST("/w/:tenant/dynamics/session", a.dynamicsSession)
}

// errSignInUnavailable answers a Dynamics route of a server built
// without the sign-in adapter.
var errSignInUnavailable = &apiError{http.StatusNotFound, "host_not_configured",
	"this server cannot sign sellers in with Microsoft", ""}

// dynamicsAdapter returns tenant c's Dynamics sign-in adapter, having set
// the frame its error pages may show in; ok false when it answered.
func (a *API) dynamicsAdapter(c *gin.Context, framed bool) (*tenant.Tenant, hostctx.SignIn, bool) {
	t, ad, ok := a.hostAdapter(c, tenant.HostDynamics, framed)
	if !ok {
		return nil, nil, false
	}
	si, isSignIn := ad.(hostctx.SignIn)
	if !isSignIn {
		a.fail(c, errSignInUnavailable)
		return nil, nil, false
	}
	return t, si, true
}

// dynamicsLaunch answers the record page a Dynamics IFRAME control (or
// web resource) opens, /w/<tenant>/dynamics?id=…&typename=…: with the
// browser's kept sign-in it proves the record through Dataverse and
// answers 303 to the card with a one-time handle, as Canvas does;
// without one it shows the card shell with "Sign in with Microsoft".
func (a *API) dynamicsLaunch(c *gin.Context) {
	t, si, ok := a.dynamicsAdapter(c, true)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	l, err := si.Launch(ctx, t, c.Request)
	if errors.Is(err, hostctx.ErrSignInRequired) {
		a.dynamicsShell(c, t)
		return
	}
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

// dynamicsSignIn starts the sign-in in the popup: the state is bound to
// this browser by a first-party cookie, then Entra ID's authorization
// page follows.
func (a *API) dynamicsSignIn(c *gin.Context) {
	t, si, ok := a.dynamicsAdapter(c, false)
	if !ok {
		return
	}
	authURL, state, err := si.Begin(c.Request.Context(), t)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.Header("Set-Cookie", fmt.Sprintf("%s=%s; Path=/w/%s/dynamics; Max-Age=%d; Secure; HttpOnly; SameSite=Lax",
		hostctx.DynamicsStateCookie, state, url.PathEscape(t.ID), int(hostctx.DynamicsSignInLifetime.Seconds())))
	c.Header("Cache-Control", "no-store")
	c.Redirect(http.StatusFound, authURL)
}

// dynamicsCallback finishes the sign-in in the popup and hands its
// one-time result to the record page that opened it (postMessage to this
// origin only), which redeems it for its own partitioned cookie: a cookie
// set here, in a top-level window, would not be in the CRM page's
// partition.
func (a *API) dynamicsCallback(c *gin.Context) {
	t, si, ok := a.dynamicsAdapter(c, false)
	if !ok {
		return
	}
	stateCookie := ""
	if ck, err := c.Request.Cookie(hostctx.DynamicsStateCookie); err == nil {
		stateCookie = ck.Value
	}
	c.Header("Set-Cookie", fmt.Sprintf("%s=; Path=/w/%s/dynamics; Max-Age=0; Secure; HttpOnly; SameSite=Lax",
		hostctx.DynamicsStateCookie, url.PathEscape(t.ID)))
	result, err := si.Finish(c.Request.Context(), t, c.Request, stateCookie)
	if err != nil {
		a.fail(c, err)
		return
	}
	nonce := cspNonce()
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'nonce-"+nonce+"'; style-src 'nonce-"+nonce+
		"'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Type", "text/html; charset=utf-8")
	c.Status(http.StatusOK)
	_ = dynamicsDonePage.Execute(c.Writer, map[string]string{"Nonce": nonce, "Result": result, "Tenant": t.Name})
}

// dynamicsSession redeems the popup's result, posted by the record page,
// for the partitioned cookie holding the browser's handle. When the page
// also sends its own parameters (`page`, its query string), the record is
// proved at once with the redeemed sign-in and the answer names the card
// to open (200 {"next": …}), so the page needs no cookie for this view: a
// browser that keeps no partitioned cookie (Safari) still opens the card,
// signing in again on the next record page. Without `page` it answers 204
// and the page reloads with its cookie.
func (a *API) dynamicsSession(c *gin.Context) {
	t, si, ok := a.dynamicsAdapter(c, false)
	if !ok {
		return
	}
	if site := c.GetHeader("Sec-Fetch-Site"); site != "" && site != "same-origin" {
		a.fail(c, &apiError{http.StatusForbidden, "cross_site", "only the record page itself may finish its sign-in", ""})
		return
	}
	var body struct {
		Result string `json:"result"`
		Page   string `json:"page"`
	}
	if err := decodeJSON(c, &body); err != nil {
		a.fail(c, err)
		return
	}
	ctx := c.Request.Context()
	handle, err := si.Redeem(ctx, t, body.Result)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.Header("Set-Cookie", DynamicsCookieHeader(t.ID, handle))
	c.Header("Cache-Control", "no-store")
	if body.Page == "" {
		c.Status(http.StatusNoContent)
		return
	}
	// The record page's own request, as it would come with the cookie.
	page := c.Request.Clone(ctx)
	page.URL = &url.URL{Path: "/w/" + url.PathEscape(t.ID) + "/dynamics", RawQuery: strings.TrimPrefix(body.Page, "?")}
	page.Header = http.Header{}
	page.AddCookie(&http.Cookie{Name: hostctx.DynamicsCookie, Value: handle})
	l, err := si.Launch(ctx, t, page)
	if err != nil {
		a.fail(c, err)
		return
	}
	card, ok := a.handOff(c, t, l)
	if !ok {
		return
	}
	c.JSON(http.StatusOK, gin.H{"next": card})
}

// DynamicsCookieHeader is the Set-Cookie value keeping a browser's
// handle: partitioned (CHIPS) so it is only ever sent to the widget
// framed under the same top-level CRM site, HttpOnly, and scoped to the
// tenant's pages.
func DynamicsCookieHeader(tenantID, handle string) string {
	return fmt.Sprintf("%s=%s; Path=/w/%s/; Max-Age=%d; Secure; HttpOnly; SameSite=None; Partitioned",
		hostctx.DynamicsCookie, handle, url.PathEscape(tenantID), int(hostctx.DynamicsGrantLifetime.Seconds()))
}

// dynamicsShell is the card shell a record page shows before the seller
// signed in: the button opens the sign-in popup.
func (a *API) dynamicsShell(c *gin.Context, t *tenant.Tenant) {
	nonce := cspNonce()
	h := c.Writer.Header()
	h.Del("X-Frame-Options")
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'nonce-"+nonce+"'; style-src 'nonce-"+nonce+
		"'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors "+t.FrameAncestors())
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Type", "text/html; charset=utf-8")
	c.Status(http.StatusOK)
	base := "/w/" + url.PathEscape(t.ID) + "/dynamics"
	_ = dynamicsShellPage.Execute(c.Writer, map[string]string{"Nonce": nonce, "Tenant": t.Name, "Accent": t.AccentColor,
		"SignIn": base + "/signin", "Session": base + "/session"})
}

// cspNonce is a fresh nonce for one page's script and style.
func cspNonce() string {
	var b [18]byte
	_, _ = rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}

var dynamicsShellPage = template.Must(template.New("shell").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>LinkedIn Sales Navigator</title>
<style nonce="{{.Nonce}}">body{font-family:"Segoe UI",system-ui,sans-serif;margin:0;padding:16px;color:#242424}
.card{border:1px solid #e0e0e0;border-radius:8px;padding:16px;max-width:420px}
h1{font-size:16px;margin:0 0 8px}p{font-size:14px;margin:0 0 12px;color:#616161}
button{font:inherit;font-size:14px;padding:8px 14px;border:1px solid #8a8886;border-radius:4px;background:#fff;cursor:pointer}
button:focus-visible{outline:2px solid {{.Accent}};outline-offset:2px}#msg{color:#a4262c;min-height:1em}</style></head>
<body><main class="card" aria-labelledby="title"><h1 id="title">LinkedIn Sales Navigator</h1>
<p>Sign in with your Microsoft work account once, so this panel can check that you may see this record.</p>
<button type="button" id="signin">Sign in with Microsoft</button><p id="msg" role="status" aria-live="polite"></p></main>
<script nonce="{{.Nonce}}">
(function () {
  var msg = document.getElementById("msg");
  document.getElementById("signin").addEventListener("click", function () {
    msg.textContent = "";
    var w = window.open({{.SignIn}}, "snapbridge-dynamics-signin", "popup,width=520,height=680");
    if (!w) { msg.textContent = "Your browser blocked the sign-in window: allow pop-ups for this page and try again."; }
  });
  window.addEventListener("message", function (e) {
    if (e.origin !== location.origin || !e.data || e.data.type !== "snapbridge:dynamics-signin") { return; }
    var failed = "The sign-in could not be finished; please try again.";
    fetch({{.Session}}, {method: "POST", credentials: "same-origin", headers: {"Content-Type": "application/json"},
      body: JSON.stringify({result: e.data.result, page: location.search})}).then(function (r) {
      if (r.status === 204) { location.reload(); return; }
      return r.json().then(function (j) {
        if (r.ok && j.next) { location.replace(j.next); return; }
        msg.textContent = (j && j.error && j.error.message) || failed;
      });
    }).catch(function () { msg.textContent = failed; });
  });
})();
</script></body></html>`))

var dynamicsDonePage = template.Must(template.New("done").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Signed in</title>
<style nonce="{{.Nonce}}">body{font-family:"Segoe UI",system-ui,sans-serif;margin:2rem;color:#242424}</style></head>
<body><main><h1>Signed in</h1><p id="msg">You are signed in for {{.Tenant}}. This window closes by itself; if it does not, close it and reload the record.</p></main>
<script nonce="{{.Nonce}}">
(function () {
  if (window.opener) {
    window.opener.postMessage({type: "snapbridge:dynamics-signin", result: {{.Result}}}, location.origin);
    window.close();
  }
})();
</script></body></html>`))
