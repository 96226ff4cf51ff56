// Package tokens keeps LinkedIn authorizations: viewers' member tokens
// encrypted at rest (Vault), kept alive by refreshing (MemberTokens),
// obtained through the OAuth connect flow in a popup (Connector), and the
// tenants' client-credentials app tokens (AppTokens).
package tokens

import (
	"errors"
	"fmt"
	"slices"
)

// ErrNotConnected means the viewer has no usable LinkedIn authorization:
// never connected, disconnected, or revoked by LinkedIn. The widget shows
// a Connect button.
var ErrNotConnected = errors.New("linkedin account not connected")

// ErrStateInvalid means an OAuth state or connect handle is unknown,
// expired, already used, or belongs to another tenant. The user must start
// connecting again.
var ErrStateInvalid = errors.New("connect link invalid, expired or already used")

// ErrHandleInvalid is the ErrStateInvalid given for connect handles, so
// errors.Is(err, ErrStateInvalid) holds for both.
var ErrHandleInvalid = fmt.Errorf("%w: connect handle", ErrStateInvalid)

// ErrDenied means the member did not grant access on LinkedIn's consent
// page (or LinkedIn returned no code).
var ErrDenied = errors.New("linkedin authorization denied")

// DeniedError is the ErrDenied of a callback that carried LinkedIn's error
// parameter; errors.Is(err, ErrDenied) holds for it.
type DeniedError struct {
	// Code is LinkedIn's error code when it is one LinkedIn or OAuth 2.0
	// documents for the consent page (user_cancelled_login,
	// user_cancelled_authorize, access_denied, unauthorized_scope_error,
	// invalid_scope, server_error, …), else DeniedOther. LinkedIn's
	// error_description is never kept: both parameters reach the callback
	// from whoever wrote the URL.
	Code string
}

func (e *DeniedError) Error() string { return "linkedin authorization denied: " + e.Code }

// Is makes errors.Is(err, ErrDenied) true.
func (e *DeniedError) Is(target error) bool { return target == ErrDenied }

// Cancelled reports whether the member chose not to sign in or not to
// allow access, rather than LinkedIn refusing the request.
func (e *DeniedError) Cancelled() bool { return slices.Contains(cancelCodes, e.Code) }

// cancelCodes are the codes of a member who chose not to sign in or not
// to allow access.
var cancelCodes = []string{"user_cancelled_login", "user_cancelled_authorize", "access_denied"}

// deniedCodes are the error codes of LinkedIn's consent page DeniedError
// keeps: the member's own cancellations, then LinkedIn's scope error and
// the OAuth 2.0 ones (RFC 6749 section 4.1.2.1).
var deniedCodes = append(slices.Clone(cancelCodes),
	"unauthorized_scope_error", "invalid_scope", "invalid_request", "unauthorized_client",
	"unsupported_response_type", "server_error", "temporarily_unavailable",
)

// DeniedOther is DeniedError's Code for any error code LinkedIn does not
// document.
const DeniedOther = "other"

// deniedCode returns code when it is one of deniedCodes, else DeniedOther.
func deniedCode(code string) string {
	if slices.Contains(deniedCodes, code) {
		return code
	}
	return DeniedOther
}
