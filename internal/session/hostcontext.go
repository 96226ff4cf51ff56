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

	// kept is Viewer and Records as the ContextVerifier stored them with
	// ID (a keptRecords in JSON), until keptUntil. A session refers to
	// these bytes by ID and their digest; nil when the context did not
	// come from a ContextVerifier, which Issue refuses.
	kept      []byte
	keptUntil time.Time
}

// keptRecords is what the store keeps with a context id for the session
// opened from it.
type keptRecords struct {
	Viewer  *wire.Viewer  `json:"viewer"`
	Records []wire.Record `json:"records"`
}
