package session

import (
	"time"

	"github.com/snapbridge/snapbridge/internal/tenant"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// HostContext is a host context whose signature, issuer, audience, lifetime,
// payload and one-time id have all been checked: the CRM vouches that Viewer
// is looking at Records inside Tenant.
type HostContext struct {
	// Tenant is the tenant whose key signed the context.
	Tenant *tenant.Tenant
	// Viewer is the CRM user looking at the page.
	Viewer wire.Viewer
	// Records are the CRM records on the page, 1 to MaxRecords of them.
	Records []wire.Record
	// Roles are the roles the CRM grants the viewer (only RoleAdmin exists).
	Roles []string
	// ID is the context's `jti`, already remembered against replay.
	ID string
	// IssuedAt and ExpiresAt are the context's `iat` and `exp`.
	IssuedAt, ExpiresAt time.Time
}
