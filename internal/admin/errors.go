package admin

import (
	"errors"
	"fmt"
)

// Errors the HTTP layer maps to answers (internal/httpapi/errors.go).
var (
	// ErrContextKeyLimit refuses a third active context key.
	ErrContextKeyLimit = errors.New("a tenant has at most 2 active context keys")
	// ErrLastContextKey refuses removing the only context key.
	ErrLastContextKey = errors.New("the last context key cannot be removed")
	// ErrContextKeyNotFound is a context key id the tenant does not have.
	ErrContextKeyNotFound = errors.New("no such context key")
	// ErrAPIKeyNotFound is an API key id the tenant does not have.
	ErrAPIKeyNotFound = errors.New("no such API key")
	// ErrAPIKeyInvalid is a presented API key that is malformed, unknown,
	// revoked or wrong; callers cannot tell which, on purpose.
	ErrAPIKeyInvalid = errors.New("API key is invalid or revoked")
	// ErrTenantChanged refuses a tenant change made on a version of the
	// tenant that someone else, on this instance or another, replaced
	// meanwhile: nothing was saved, and re-reading the tenant shows the
	// other change.
	ErrTenantChanged = errors.New("the tenant was changed by someone else since it was read; nothing was saved")
	// ErrTenantRevision is ErrTenantChanged for an editor that named the
	// revision it read (the admin API's If-Match, the console's form):
	// the tenant is at another revision now.
	ErrTenantRevision = fmt.Errorf("the tenant is no longer at the revision you edited: %w", ErrTenantChanged)
)

// MaxContextKeys is how many context keys may be active at once: the old
// and the new one while a CRM rotates.
const MaxContextKeys = 2
