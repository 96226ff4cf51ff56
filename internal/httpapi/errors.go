package httpapi

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/snapbridge/snapbridge/internal/admin"
	"github.com/snapbridge/snapbridge/internal/assoc"
	"github.com/snapbridge/snapbridge/internal/compliance"
	"github.com/snapbridge/snapbridge/internal/exports"
	"github.com/snapbridge/snapbridge/internal/hostctx"
	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/problem"
	"github.com/snapbridge/snapbridge/internal/sat"
	"github.com/snapbridge/snapbridge/internal/session"
	"github.com/snapbridge/snapbridge/internal/tenant"
	"github.com/snapbridge/snapbridge/internal/tokens"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// apiError is an error that already knows its HTTP answer.
type apiError struct {
	status  int
	code    string
	message string
	connect string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func badRequest(code, message string) error {
	return &apiError{status: http.StatusBadRequest, code: code, message: message}
}

var (
	errMethodNotAllowed = &apiError{http.StatusMethodNotAllowed, "method_not_allowed", "this method is not allowed on this path", ""}
	errNotFound         = &apiError{http.StatusNotFound, "not_found", "no such endpoint", ""}
	errNoSession        = &apiError{http.StatusUnauthorized, "session_required", "send the widget session token as Authorization: Bearer <token>", ""}
	errForeignRecord    = &apiError{http.StatusForbidden, "record_forbidden", "this session may only ask about the records its context named", ""}
	errUnknownTenant    = &apiError{http.StatusNotFound, "unknown_tenant", "no such tenant", ""}
)

// fail writes err as the error answer (JSON, or the error page for a
// browser navigation). It is the one place where service errors become
// HTTP statuses.
func (a *API) fail(c *gin.Context, err error) {
	if a.Admin != nil && isLinkedIn(err) {
		if id := requestTenant(c); id != "" {
			a.Admin.RecordLinkedInError(id, err)
		}
	}
	status, detail := a.classify(c, err)
	if status >= 500 {
		a.Logger.ErrorContext(c.Request.Context(), "request failed", "requestId", c.GetString(ctxRequestID), "path", c.FullPath(), "err", err.Error())
		detail.RequestID = c.GetString(ctxRequestID)
	}
	if status == http.StatusTooManyRequests && c.Writer.Header().Get("Retry-After") == "" {
		c.Header("Retry-After", "60")
	}
	problem.Write(c.Writer, c.Request, problem.Answer{Status: status, Detail: detail})
	c.Abort()
}

func (a *API) classify(c *gin.Context, err error) (int, wire.ErrorDetail) {
	var ae *apiError
	var se *session.Error
	var hr *hostctx.Refusal
	var fe *wire.FieldError
	var tfe *tenant.FieldError
	var dup *exports.DuplicateError
	switch {
	case errors.As(err, &ae):
		return ae.status, wire.ErrorDetail{Code: ae.code, Message: ae.message, ConnectURL: ae.connect}
	case errors.As(err, &se):
		return http.StatusUnauthorized, wire.ErrorDetail{Code: se.Code, Message: se.Message}
	case errors.As(err, &hr):
		return hr.Status, wire.ErrorDetail{Code: hr.Code, Message: hr.Message}
	case errors.Is(err, tokens.ErrScopeMissing):
		scope := ""
		if e := (*tokens.ScopeError)(nil); errors.As(err, &e) {
			scope = e.Scope
		}
		return http.StatusConflict, wire.ErrorDetail{Code: "linkedin_scope_required", Message: scopeReason(scope)}
	case len(tenant.Fields(err)) > 1:
		return http.StatusBadRequest, wire.ErrorDetail{Code: "invalid_field", Field: tenant.Fields(err)[0].Field,
			Message: err.Error(), Fields: fieldProblems(err)}
	case errors.Is(err, tenant.ErrExists):
		return http.StatusConflict, wire.ErrorDetail{Code: "tenant_exists", Field: "id",
			Message: "a tenant with this id already exists; pick another id or update it with PUT", Fields: fieldProblems(err)}
	case errors.As(err, &tfe):
		return http.StatusBadRequest, wire.ErrorDetail{Code: "invalid_field", Field: tfe.Field, Message: tfe.Error(), Fields: fieldProblems(err)}
	case errors.Is(err, hostctx.ErrNotConfigured):
		return http.StatusNotFound, wire.ErrorDetail{Code: "host_not_configured",
			Message: "this tenant is not set up to be opened this way; its admin sets host.kind in the console"}
	case errors.Is(err, tenant.ErrUnknown):
		return http.StatusNotFound, wire.ErrorDetail{Code: "unknown_tenant", Message: "no such tenant"}
	case errors.Is(err, admin.ErrAPIKeyInvalid):
		return http.StatusUnauthorized, wire.ErrorDetail{Code: "api_key_invalid",
			Message: "the API key is unknown, revoked or malformed; create a new one in the admin console"}
	case errors.Is(err, admin.ErrContextKeyLimit):
		return http.StatusConflict, wire.ErrorDetail{Code: "context_key_limit", Message: err.Error()}
	case errors.Is(err, admin.ErrLastContextKey):
		return http.StatusConflict, wire.ErrorDetail{Code: "context_key_last", Message: err.Error()}
	case errors.Is(err, admin.ErrContextKeyNotFound):
		return http.StatusNotFound, wire.ErrorDetail{Code: "context_key_not_found", Message: err.Error()}
	case errors.Is(err, admin.ErrAPIKeyNotFound):
		return http.StatusNotFound, wire.ErrorDetail{Code: "api_key_not_found", Message: err.Error()}
	case errors.Is(err, admin.ErrTenantRevision):
		return http.StatusPreconditionFailed, wire.ErrorDetail{Code: "tenant_changed",
			Message: "someone else saved this tenant since you read it; nothing was saved: GET it again (new ETag) and redo your change"}
	case errors.Is(err, admin.ErrTenantChanged):
		return http.StatusConflict, wire.ErrorDetail{Code: "tenant_changed",
			Message: "someone else saved this tenant while your change was being saved; nothing was saved: try again"}
	case errors.As(err, &fe):
		return http.StatusBadRequest, wire.ErrorDetail{Code: "invalid_field", Field: fe.Field, Message: fe.Error()}
	case errors.Is(err, exports.ErrContractForbidden):
		return http.StatusForbidden, wire.ErrorDetail{Code: "contract_forbidden",
			Message: "you have no Sales Navigator seat with reporting access on this contract; pick one whose hasReportingAccess is true in GET /api/v1/contracts"}
	case errors.Is(err, exports.ErrViewerRequired):
		return http.StatusForbidden, wire.ErrorDetail{Code: "viewer_required", Message: exports.ErrViewerRequired.Error()}
	case errors.As(err, &dup):
		return http.StatusConflict, wire.ErrorDetail{Code: "export_duplicate", Message: dup.Error(), Existing: dup.Job.ID}
	case errors.Is(err, exports.ErrNotFound):
		return http.StatusNotFound, wire.ErrorDetail{Code: "export_not_found", Message: "no such export job for this tenant"}
	case errors.Is(err, exports.ErrNotReady):
		return http.StatusConflict, wire.ErrorDetail{Code: "export_not_ready", Message: "the export has not completed, so there is nothing to download yet"}
	case errors.Is(err, compliance.ErrNotOptedIn):
		return http.StatusConflict, wire.ErrorDetail{Code: "compliance_not_opted_in", Message: "this viewer is not opted in to compliance archiving"}
	case errors.Is(err, tokens.ErrNotConnected):
		return http.StatusConflict, wire.ErrorDetail{Code: "linkedin_not_connected",
			Message: "connect your LinkedIn account to see Sales Navigator here"}
	case errors.Is(err, assoc.ErrBudgetExhausted):
		return http.StatusTooManyRequests, wire.ErrorDetail{Code: "lookup_budget_exhausted",
			Message: "today's LinkedIn look-up budget for this CRM is spent; it resets at midnight UTC"}
	case errors.Is(err, sat.ErrExpiredOnArrival):
		return http.StatusBadGateway, wire.ErrorDetail{Code: "linkedin_unavailable",
			Message: "LinkedIn returned an unusable token; try again shortly"}
	case linkedin.IsThrottled(err):
		return http.StatusTooManyRequests, wire.ErrorDetail{Code: "throttled",
			Message: "LinkedIn is limiting requests right now; try again later"}
	case isLinkedIn(err):
		return http.StatusBadGateway, wire.ErrorDetail{Code: "linkedin_unavailable",
			Message: "LinkedIn did not answer as expected; try again later"}
	case errors.Is(err, c.Request.Context().Err()) && c.Request.Context().Err() != nil:
		// The client went away; 499 in nginx terms, but stick to 4xx standard codes.
		return http.StatusRequestTimeout, wire.ErrorDetail{Code: "request_cancelled", Message: "the request was cancelled"}
	default:
		return http.StatusInternalServerError, wire.ErrorDetail{Code: "internal",
			Message: "something went wrong on our side; quote the request id to support"}
	}
}

func isLinkedIn(err error) bool {
	_, ok := linkedin.AsError(err)
	return ok
}

// fieldProblems lists every field a tenant's validation refused.
func fieldProblems(err error) []wire.FieldProblem {
	var out []wire.FieldProblem
	for _, fe := range tenant.Fields(err) {
		code := "invalid_field"
		if errors.Is(fe, tenant.ErrExists) {
			code = "tenant_exists"
		}
		out = append(out, wire.FieldProblem{Field: fe.Field, Code: code, Message: fe.Reason})
	}
	return out
}
