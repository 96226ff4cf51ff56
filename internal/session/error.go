// Package session turns a host context signed by a tenant's CRM into a
// verified HostContext, and issues and verifies snapbridge's own short-lived
// widget session tokens bound to that context's tenant, viewer and records.
// It knows nothing of HTTP; handlers map its *Error codes to answers.
package session

// Error codes carried by *Error. Every context_* code and unknown_tenant
// means the CRM's host context was refused; every session_* code means the
// widget must fetch a new session. All of them are 401 answers.
const (
	// CodeContextInvalid: bad signature, algorithm, key, claim or payload.
	CodeContextInvalid = "context_invalid"
	// CodeContextExpired: `exp` has passed (beyond ContextLeeway).
	CodeContextExpired = "context_expired"
	// CodeContextReplayed: the context's `jti` was already accepted once.
	CodeContextReplayed = "context_replayed"
	// CodeContextTooLarge: the raw context exceeds MaxContextBytes.
	CodeContextTooLarge = "context_too_large"
	// CodeUnknownTenant: no tenant has the context's `iss`.
	CodeUnknownTenant = "unknown_tenant"
	// CodeSessionInvalid: the session token is not ours, altered or malformed.
	CodeSessionInvalid = "session_invalid"
	// CodeSessionExpired: the session token's `exp` has passed.
	CodeSessionExpired = "session_expired"
)

// Error is a refused host context or widget session. Code is one of the
// Code* constants; Message tells an integrator what to fix and never
// contains the token itself.
type Error struct {
	Code    string
	Message string
}

// Error returns "code: message".
func (e *Error) Error() string { return e.Code + ": " + e.Message }

func refuse(code, message string) *Error { return &Error{Code: code, Message: message} }
