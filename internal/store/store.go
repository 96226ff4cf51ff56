// Package store is the contract of snapbridge's durable state: the row
// types, the status constants, the sentinel errors, and one small
// interface per noun (member tokens, one-time values, replay ids, the
// look-up budget, tenants, API keys, the audit log, export jobs,
// compliance archives, readiness and purging, and the leases that
// make background work run once per cluster). Services depend on those
// small interfaces; Store embeds them all. The implementations live beside
// it, one package per engine (internal/store/sqlite), and every one of them
// must pass the conformance suite in internal/store/storetest.
package store

import (
	"errors"
	"io"
)

// ErrNotFound is returned when a looked-up row does not exist.
var ErrNotFound = errors.New("store: not found")

// ErrStale is returned by a conditional write whose row changed since the
// caller read it (another writer, perhaps on another instance, came first).
var ErrStale = errors.New("store: the row changed since it was read")

// Store is everything snapbridge keeps durably. Implementations are safe
// for concurrent use; Close releases the connection.
type Store interface {
	MemberTokens
	OneTimeValues
	ReplayIDs
	LookupBudget
	Tenants
	APIKeys
	AuditLog
	AnalyticsExports
	ValidationExports
	Compliance
	Readiness
	ExpiredPurger
	Leases
	ViewerNames
	HostGrants
	io.Closer
}
