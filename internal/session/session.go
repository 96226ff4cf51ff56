package session

import (
	"slices"
	"time"

	"github.com/snapbridge/snapbridge/internal/wire"
)

// Session is a verified widget session: one viewer of one tenant, allowed
// to ask only about the records its host context named.
type Session struct {
	// ID is the session's unique id (the token's `jti`); OAuth state is
	// bound to it.
	ID string
	// Tenant is the tenant id.
	Tenant string
	// Viewer is the CRM user the session belongs to.
	Viewer wire.Viewer
	// Records are the records the host context named.
	Records []wire.Record
	// Roles are the roles the host context granted.
	Roles []string
	// ExpiresAt is when the token stops being accepted.
	ExpiresAt time.Time
}

// Record returns the record with this id if the session's context named it.
func (s *Session) Record(id string) (wire.Record, bool) {
	for _, r := range s.Records {
		if r.ID == id {
			return r, true
		}
	}
	return wire.Record{}, false
}

// HasRole reports whether the context granted the viewer role r.
func (s *Session) HasRole(r string) bool { return slices.Contains(s.Roles, r) }
