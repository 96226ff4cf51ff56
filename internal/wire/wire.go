// Package wire holds the JSON shapes of snapbridge's widget API. Both the
// server and the WebAssembly widget import it, so it must compile for
// GOOS=js GOARCH=wasm and import nothing but the standard library.
package wire

import "time"

// Record is one CRM record named by a host context.
type Record struct {
	ID        string `json:"id"`
	Type      string `json:"type"` // contact, lead or account
	FirstName string `json:"firstName,omitempty"`
	LastName  string `json:"lastName,omitempty"`
	Email     string `json:"email,omitempty"`
	Company   string `json:"company,omitempty"`
	Title     string `json:"title,omitempty"`
}

// Viewer is the CRM user looking at the records.
type Viewer struct {
	ID    string `json:"id"`
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
}

// SessionRequest is the body of POST /api/v1/sessions.
type SessionRequest struct {
	// Ctx is the host context JWT signed by the CRM.
	Ctx string `json:"ctx"`
	// Tenant, when set, must be the tenant the context belongs to.
	Tenant string `json:"tenant,omitempty"`
}

// Session is the answer to POST /api/v1/sessions.
type Session struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expiresAt"`
	Tenant    string    `json:"tenant"`
	Viewer    Viewer    `json:"viewer"`
	Records   []Record  `json:"records"`
}

// SalesAccessToken is the answer to POST /api/v1/sales-access-token.
type SalesAccessToken struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expiresAt"`
	// IframeURL is the complete Display Services URL, `sat` included.
	IframeURL string `json:"iframeUrl"`
	// ConnectedAs is the LinkedIn member the viewer connected as; nil
	// when LinkedIn did not say who (see LinkedInMember).
	ConnectedAs *LinkedInMember `json:"connectedAs,omitempty"`
}

// Connection is the answer to GET /api/v1/linkedin/connection.
type Connection struct {
	// Connected says the viewer has connected LinkedIn.
	Connected bool `json:"connected"`
	// ConnectedAs names the member when LinkedIn said who (connected only).
	ConnectedAs *LinkedInMember `json:"connectedAs,omitempty"`
	// ConnectURL is the one-time consent address (not connected only).
	ConnectURL string `json:"connectUrl,omitempty"`
}

// LinkedInMember is who a viewer connected LinkedIn as, from LinkedIn's
// OpenID Connect userinfo at connect time.
type LinkedInMember struct {
	// Name is the member's full name.
	Name string `json:"name"`
	// Picture is the address of the member's profile photo; empty when
	// there is none.
	Picture string `json:"picture,omitempty"`
}

// Association statuses.
const (
	StatusMatched         = "matched"
	StatusNoMatch         = "no_match"
	StatusCRMSyncDisabled = "crm_sync_disabled"
	StatusThrottled       = "throttled"
	StatusUnavailable     = "unavailable"
)

// Association is what LinkedIn knows about one CRM record.
type Association struct {
	RecordID string `json:"recordId"`
	Status   string `json:"status"`
	// Member is the person URN; set when matched.
	Member string `json:"member,omitempty"`
	// Profile is the Sales Navigator profile URL; set when matched.
	Profile string `json:"profile,omitempty"`
	// ProfilePhoto is set only when the member's photo is public.
	ProfilePhoto string `json:"profilePhoto,omitempty"`
	// Cached says the answer came from our cache, CachedAt when LinkedIn
	// gave it and ExpiresAt when it will be asked again.
	Cached    bool       `json:"cached"`
	CachedAt  *time.Time `json:"cachedAt,omitempty"`
	ExpiresAt *time.Time `json:"expiresAt,omitempty"`
	// Stale says LinkedIn could not be asked and this is an expired entry.
	Stale bool `json:"stale,omitempty"`
	// ForceRefused says a forceRefresh of this record was not sent to
	// LinkedIn, because the record was force-refreshed less than a minute
	// ago or the tenant's daily look-up budget is spent; the answer is the
	// cached one. RefreshAfter says when a forced refresh will be accepted
	// again (the next midnight UTC when the budget is spent).
	ForceRefused bool       `json:"forceRefused,omitempty"`
	RefreshAfter *time.Time `json:"refreshAfter,omitempty"`
	// Reason says why LinkedIn was not asked or did not answer, when the
	// status is throttled (or a kept answer is served stale instead):
	// ReasonBudgetSpent or ReasonLinkedInBusy. Default "": no reason
	// given (an older server), which reads as ReasonLinkedInBusy.
	Reason string `json:"reason,omitempty"`
	// RetryAt, set with Reason, is when the record will be looked up
	// again if asked: the next midnight UTC when the tenant's budget is
	// spent, the end of LinkedIn's back-off (its Retry-After) when
	// LinkedIn is busy. Asking earlier answers the same way.
	RetryAt *time.Time `json:"retryAt,omitempty"`
}

// Reasons of a throttled association (Association.Reason).
const (
	// ReasonBudgetSpent: the tenant's daily budget of LinkedIn look-ups is
	// spent, so LinkedIn was not asked; it resets at midnight UTC. It is
	// the code of the whole answer's 429 when no record could be answered.
	ReasonBudgetSpent = "lookup_budget_exhausted"
	// ReasonLinkedInBusy: LinkedIn answered 429 (now or within its
	// Retry-After), so it is not asked again until RetryAt.
	ReasonLinkedInBusy = "linkedin_throttled"
)

// Associations is the answer to GET /api/v1/associations.
type Associations struct {
	Associations []Association `json:"associations"`
}

// Error is the body of every API error.
type Error struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail says what went wrong in words a developer can act on.
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// Field names the offending field of a validation error
	// (code invalid_field), e.g. "context.keys[1].secret".
	Field string `json:"field,omitempty"`
	// Fields lists every offending field of a tenant's validation (codes
	// invalid_field and tenant_exists), Field being the first of them, so
	// a form can mark them all at once.
	Fields []FieldProblem `json:"fields,omitempty"`
	// ConnectURL is set with code linkedin_not_connected.
	ConnectURL string `json:"connectUrl,omitempty"`
	// RequestID is set on server faults, to quote to support.
	RequestID string `json:"requestId,omitempty"`
	// Existing is set with code export_duplicate: the id of the waiting
	// or running export the refused request repeats.
	Existing int64 `json:"existing,omitempty"`
}

// FieldProblem is one offending field of a validation error.
type FieldProblem struct {
	// Field is the field's path, e.g. "allowedOrigins[1]".
	Field string `json:"field"`
	// Code is tenant_exists for a taken id, otherwise invalid_field.
	Code string `json:"code"`
	// Message says what is wrong with the field, without its path.
	Message string `json:"message"`
}

// HostMessage types posted between the widget, its popup and the CRM page.
const (
	MessageConnected = "snapbridge:connected"
	MessageResize    = "snapbridge:resize"
)

// MessageConnectFailed is posted by the connect popup when the member did
// not connect; the message field says why and the reason field is
// ConnectCancelled or ConnectRefused.
const MessageConnectFailed = "snapbridge:connect-failed"

// Reasons of a MessageConnectFailed.
const (
	// ConnectCancelled: the member chose not to sign in or not to allow access.
	ConnectCancelled = "cancelled"
	// ConnectRefused: LinkedIn or snapbridge could not complete the sign-in.
	ConnectRefused = "failed"
)

// Session renewal between the widget and embed.js. When its session
// expires, a widget mounted by embed.js posts MessageContextRequest
// {type, id} to the CRM page (the tenant's allowed origin it was served
// for); embed.js, which only believes its own widget iframes on the
// snapbridge origin, calls the page's context callback and posts back
// MessageContext {type, id, ctx} (a new signed context) or {type, id,
// error} to the widget's origin. The widget believes only its parent, on
// that allowed origin, and exchanges ctx for a new session
// (POST /api/v1/sessions).
const (
	MessageContextRequest = "snapbridge:context-request"
	MessageContext        = "snapbridge:context"
)
