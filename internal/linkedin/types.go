package linkedin

import (
	"errors"
	"fmt"
	"time"
)

// Scopes snapbridge asks LinkedIn for.
const (
	ScopeDisplay     = "r_sales_nav_display"    // 3-legged: Sales Access Tokens
	ScopeProfiles    = "r_sales_nav_profiles"   // 2-legged: Profile Associations
	ScopeAnalytics   = "r_sales_nav_analytics"  // 3-legged: contracts and exports
	ScopeValidation  = "r_sales_nav_validation" // 2-legged: CRM data validation
	ScopeCompliance  = "r_compliance_sales_nav" // 3-legged: compliance archiving
	ScopeOpenID      = "openid"                 // 3-legged: OpenID Connect userinfo
	ScopeProfile     = "profile"                // 3-legged: the member's name and photo in userinfo
	RestliProtocol   = "2.0.0"
	HeaderRestliProt = "X-Restli-Protocol-Version"
)

// App is a LinkedIn developer application's credentials.
type App struct {
	ClientID     string
	ClientSecret string
}

// Token is an OAuth access token LinkedIn issued, with its refresh token
// when LinkedIn granted one.
type Token struct {
	AccessToken  string
	ExpiresAt    time.Time
	RefreshToken string
	// RefreshExpiresAt is zero when LinkedIn did not say.
	RefreshExpiresAt time.Time
	Scope            string
}

// SalesAccessToken is a short-lived token for the Display Services iframe.
type SalesAccessToken struct {
	Token     string
	ExpiresAt time.Time // from expiryTime, epoch seconds
}

// AssociationKey identifies one CRM record for Profile Associations.
type AssociationKey struct {
	Partner    string
	InstanceID string
	RecordID   string
}

// ProfileAssociation is LinkedIn's match for a CRM record.
type ProfileAssociation struct {
	Member       string `json:"member"`
	Profile      string `json:"profile"`
	ProfilePhoto string `json:"profilePhoto,omitempty"`
}

// BatchAssociations is the answer to a batch Profile Associations call:
// per key exactly one of Results (matched) or Errors (404 = no match, or
// another failure) is set.
type BatchAssociations struct {
	Results map[AssociationKey]ProfileAssociation
	Errors  map[AssociationKey]*Error
}

// Service error codes LinkedIn sends with a 400 from Profile Associations.
const (
	CodeCRMSyncDisabled = 40001
	CodeCRMSyncUnknown  = 40002
)

// Error is any failure LinkedIn answered, or a transport failure (Status 0).
type Error struct {
	// Status is the HTTP status; 0 when LinkedIn could not be reached.
	Status int `json:"status"`
	// ServiceErrorCode is LinkedIn's serviceErrorCode, 0 when absent.
	ServiceErrorCode int `json:"serviceErrorCode,omitempty"`
	// Code is the OAuth error code (invalid_grant, …) from token endpoints.
	Code    string `json:"code,omitempty"`
	Message string `json:"message"`
	// RetryAfter is LinkedIn's Retry-After on 429/503, 0 when absent.
	RetryAfter time.Duration `json:"-"`
	// Err is the transport error when Status is 0, or ErrMalformed when
	// LinkedIn's answer could not be understood.
	Err error `json:"-"`
}

func (e *Error) Error() string {
	switch {
	case e.Status == 0:
		return fmt.Sprintf("linkedin unreachable: %v", e.Err)
	case e.Code != "":
		return fmt.Sprintf("linkedin %d %s: %s", e.Status, e.Code, e.Message)
	case e.ServiceErrorCode != 0:
		return fmt.Sprintf("linkedin %d (%d): %s", e.Status, e.ServiceErrorCode, e.Message)
	default:
		return fmt.Sprintf("linkedin %d: %s", e.Status, e.Message)
	}
}

func (e *Error) Unwrap() error { return e.Err }

// AsError returns the *Error inside err, if any.
func AsError(err error) (*Error, bool) {
	var le *Error
	ok := errors.As(err, &le)
	return le, ok
}

// IsNotFound reports a 404 (for Profile Associations: match unavailable).
func IsNotFound(err error) bool { e, ok := AsError(err); return ok && e.Status == 404 }

// IsForbidden reports a 403: the token lacks the scope, or the member the
// right (e.g. reporting access on a contract).
func IsForbidden(err error) bool { e, ok := AsError(err); return ok && e.Status == 403 }

// IsThrottled reports a 429.
func IsThrottled(err error) bool { e, ok := AsError(err); return ok && e.Status == 429 }

// IsUnauthorized reports a 401 (token expired or revoked).
func IsUnauthorized(err error) bool { e, ok := AsError(err); return ok && e.Status == 401 }

// IsInvalidGrant reports that LinkedIn refused a code or refresh token for
// good: the member must authorize again.
func IsInvalidGrant(err error) bool {
	e, ok := AsError(err)
	return ok && e.Code == "invalid_grant"
}

// IsCRMSyncDisabled reports 400/40001 and 400/40002.
func IsCRMSyncDisabled(err error) bool {
	e, ok := AsError(err)
	return ok && e.Status == 400 && (e.ServiceErrorCode == CodeCRMSyncDisabled || e.ServiceErrorCode == CodeCRMSyncUnknown)
}
