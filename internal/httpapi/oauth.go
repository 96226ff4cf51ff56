package httpapi

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"html/template"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/tokens"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// connectScopes are asked for at the first connect; later features ask
// for more when they first need them. openid and profile name who
// connected ("Connected as …"); LinkedIn apps without them are asked
// again without (tokens.RetryError).
var connectScopes = []string{linkedin.ScopeDisplay, linkedin.ScopeOpenID, linkedin.ScopeProfile}

// oauthStart turns a one-time connect handle into LinkedIn's consent page.
// HEAD leaves the handle untaken and stores no OAuth state: it answers the
// headers of the popup's page.
func (a *API) oauthStart(c *gin.Context) {
	t, ok := a.Tenants.Get(c.Query("tenant"))
	if !ok || c.Query("h") == "" {
		a.connectPage(c, http.StatusBadRequest, false, "", "This connect link is incomplete. Close this window and press Connect again.")
		return
	}
	if c.Request.Method == http.MethodHead {
		a.connectPage(c, http.StatusOK, false, "", "")
		return
	}
	authURL, err := a.Connector.Start(c.Request.Context(), t, c.Query("h"), connectScopes)
	if errors.Is(err, tokens.ErrStateInvalid) {
		a.connectPage(c, http.StatusBadRequest, false, "", "This connect link was already used or has expired. Close this window and press Connect again.")
		return
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	redirect(c, authURL)
}

// oauthCallback completes the consent and tells the widget in the opener.
// HEAD leaves the OAuth state untaken and answers the page's headers.
func (a *API) oauthCallback(c *gin.Context) {
	if c.Request.Method == http.MethodHead {
		a.connectPage(c, http.StatusOK, false, "", "")
		return
	}
	h, err := a.Connector.Complete(c.Request.Context(), a.Tenants.Get, c.Query("state"), c.Query("code"), c.Query("error"))
	var retry *tokens.RetryError
	switch {
	case errors.As(err, &retry):
		c.Header("Cache-Control", "no-store")
		redirect(c, retry.URL)
	case err == nil:
		a.connectPage(c, http.StatusOK, true, h.Confirm, "LinkedIn is connected. You can close this window.")
	case errors.Is(err, tokens.ErrDenied):
		a.connectDenied(c, err)
	case errors.Is(err, tokens.ErrStateInvalid):
		a.connectPage(c, http.StatusBadRequest, false, "", "This sign-in was already completed or has expired. Close this window and press Connect again.")
	case linkedin.IsInvalidGrant(err):
		a.connectPage(c, http.StatusBadRequest, false, "", "LinkedIn refused the sign-in. Close this window and press Connect again.")
	default:
		a.Logger.ErrorContext(c.Request.Context(), "connect failed", "requestId", c.GetString(ctxRequestID), "err", err.Error())
		a.connectPage(c, http.StatusBadGateway, false, "", "LinkedIn could not be reached. Close this window and try again in a moment.")
	}
}

// connectDenied answers a consent LinkedIn sent back with an error. Only
// the allow-listed code of tokens.DeniedError reaches the page and the
// log; LinkedIn's error and error_description parameters are whatever the
// author of the callback URL wrote.
func (a *API) connectDenied(c *gin.Context, err error) {
	var denied *tokens.DeniedError
	if !errors.As(err, &denied) || denied.Cancelled() {
		code := "none"
		if denied != nil {
			code = denied.Code
		}
		a.Logger.InfoContext(c.Request.Context(), "connect denied", "requestId", c.GetString(ctxRequestID), "linkedinError", code)
		a.connectPage(c, http.StatusOK, false, "", "You did not allow access, so Sales Navigator cannot be shown. You can close this window.", wire.ConnectCancelled)
		return
	}
	a.Logger.WarnContext(c.Request.Context(), "connect refused by linkedin", "requestId", c.GetString(ctxRequestID), "linkedinError", denied.Code)
	msg := "LinkedIn did not complete the sign-in. Close this window and press Connect again; if this keeps happening, tell your administrator."
	if denied.Code != tokens.DeniedOther {
		msg = "LinkedIn did not complete the sign-in (" + denied.Code + "). Close this window and press Connect again; if this keeps happening, tell your administrator."
	}
	a.connectPage(c, http.StatusOK, false, "", msg)
}

var connectTemplate = template.Must(template.New("connect").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>snapbridge · LinkedIn</title>
<style nonce="{{.Nonce}}">body{font:15px/1.5 system-ui,sans-serif;margin:0;display:grid;place-items:center;min-height:100vh;background:#f3f2ef;color:#1d2226}
main{background:#fff;border-radius:12px;padding:24px 28px;max-width:360px;box-shadow:0 1px 3px #0002;text-align:center}
.ok{color:#057642}.fail{color:#b24020}button{font:inherit;margin-top:12px;padding:8px 18px;border-radius:18px;border:1px solid #0a66c2;background:#0a66c2;color:#fff;cursor:pointer}
@media (prefers-color-scheme:dark){body{background:#1b1f23;color:#e9e9e9}main{background:#2a2f33}}</style></head>
<body><main><p class="{{if .OK}}ok{{else}}fail{{end}}" role="status">{{.Message}}</p><button id="close" type="button">Close</button></main>
<script nonce="{{.Nonce}}">
(function(){
  var msg = {{.Payload}};
  if (window.opener) { try { window.opener.postMessage(msg, {{.Origin}}); } catch (e) {} }
  document.getElementById("close").addEventListener("click", function(){ window.close(); });
  if (msg.type === "snapbridge:connected") { setTimeout(function(){ window.close(); }, 600); }
})();
</script></body></html>`))

// connectPage renders the popup's last page. It posts the outcome to its
// opener (the widget, on our own origin) with an exact target origin; a
// failure says its reason (wire.ConnectRefused unless given).
func (a *API) connectPage(c *gin.Context, status int, ok bool, confirm, message string, reason ...string) {
	nonceBytes := make([]byte, 16)
	_, _ = rand.Read(nonceBytes)
	nonce := base64.StdEncoding.EncodeToString(nonceBytes)
	// The confirmation code goes only to our own origin in the opener: the
	// widget that asked sends it back with its session to finish.
	payload := map[string]string{"type": wire.MessageConnected, "code": confirm}
	if !ok {
		r := wire.ConnectRefused
		if len(reason) > 0 {
			r = reason[0]
		}
		payload = map[string]string{"type": wire.MessageConnectFailed, "message": message, "reason": r}
	}
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'nonce-"+nonce+"'; style-src 'nonce-"+nonce+"'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Type", "text/html; charset=utf-8")
	c.Status(status)
	if c.Request.Method == http.MethodHead {
		c.Writer.WriteHeaderNow()
		return
	}
	_ = connectTemplate.Execute(c.Writer, map[string]any{
		"OK": ok, "Message": message, "Nonce": nonce, "Payload": payload, "Origin": a.PublicURL,
	})
}

// confirmRequest is the body of POST /api/v1/linkedin/connection.
type confirmRequest struct {
	// Code is the confirmation the connect popup posted to the widget.
	Code string `json:"code"`
}

// confirmConnection finishes a connect flow: the member token is stored
// only for the widget session that started it and received the code.
func (a *API) confirmConnection(c *gin.Context) {
	s := sessionOf(c)
	var req confirmRequest
	if err := decodeJSON(c, &req); err != nil {
		a.fail(c, err)
		return
	}
	err := a.Connector.Confirm(c.Request.Context(), req.Code, s.Tenant, s.Viewer.ID, s.ID)
	if errors.Is(err, tokens.ErrStateInvalid) {
		a.fail(c, badRequest("connect_confirm_invalid", "this LinkedIn sign-in was not started here, was already used or has expired; press Connect again"))
		return
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	a.SalesAccess.Forget(s.Tenant, s.Viewer.ID)
	c.Status(http.StatusNoContent)
}
