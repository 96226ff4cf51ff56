package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/snapbridge/snapbridge/internal/session"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// createSession exchanges a verified host context for a widget session.
func (a *API) createSession(c *gin.Context) {
	var req wire.SessionRequest
	if err := decodeJSON(c, &req); err != nil {
		a.fail(c, err)
		return
	}
	if req.Ctx == "" {
		a.fail(c, badRequest("ctx_required", `send {"ctx": "<context token>"}`))
		return
	}
	hc, err := a.Contexts.Verify(c.Request.Context(), req.Ctx)
	if err != nil {
		a.fail(c, err)
		return
	}
	if req.Tenant != "" && req.Tenant != hc.Tenant.ID {
		a.fail(c, &session.Error{Code: "context_invalid", Message: "the context belongs to another tenant"})
		return
	}
	token, s, err := a.Sessions.Issue(hc)
	if err != nil {
		a.fail(c, err)
		return
	}
	if a.Admin != nil && s.HasRole(session.RoleAdmin) {
		// Admins act in the audit log and the export list, which name
		// them; sellers are named when they opt in to archiving.
		a.Admin.RememberViewer(c.Request.Context(), s.Tenant, s.Viewer)
	}
	c.JSON(http.StatusCreated, wire.Session{
		Token: token, ExpiresAt: s.ExpiresAt, Tenant: s.Tenant, Viewer: s.Viewer, Records: s.Records,
	})
}

// decodeJSON reads one JSON object, refusing unknown fields so a typo in
// a field name is an error rather than silently ignored. The body is
// bounded by limitBody.
func decodeJSON(c *gin.Context, dst any) error {
	if ct := c.ContentType(); ct != "application/json" {
		return &apiError{status: http.StatusUnsupportedMediaType, code: "json_required",
			message: "send the body as Content-Type: application/json"}
	}
	dec := json.NewDecoder(c.Request.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			// The rest of the body is not read; do not wait for it.
			c.Header("Connection", "close")
			return errBodyTooLarge
		case errors.Is(err, io.EOF):
			return badRequest("body_required", "the body is empty; send a JSON object")
		default:
			return badRequest("malformed_json", "the body is not the expected JSON: "+err.Error())
		}
	}
	if dec.More() {
		return badRequest("malformed_json", "the body holds more than one JSON value")
	}
	return nil
}
