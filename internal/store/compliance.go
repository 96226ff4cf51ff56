package store

import (
	"context"
	"time"
)

// Compliance viewer statuses.
const (
	// ComplianceOptedIn: the viewer opted in; their events are archived.
	ComplianceOptedIn = "opted_in"
	// ComplianceOptedOut: the viewer opted out; the archive is kept.
	ComplianceOptedOut = "opted_out"
	// ComplianceRevoked: LinkedIn no longer lists the authorization,
	// although the viewer did not opt out here: the archive has a gap.
	ComplianceRevoked = "revoked"
)

// ComplianceViewer is one viewer's compliance archiving state.
type ComplianceViewer struct {
	// Tenant and Viewer identify the row.
	Tenant, Viewer string
	// Member is the viewer's person URN and DeveloperApplication the
	// application URN: together LinkedIn's authorization key.
	Member, DeveloperApplication string
	// Status is one of the Compliance* constants.
	Status string
	// OptedInAt and RegulatedAt (LinkedIn's start of capture).
	OptedInAt, RegulatedAt time.Time
	// Cursor is the processedAt of the newest archived event; the next
	// fetch starts there, inclusive.
	Cursor time.Time
	// LastSyncAt is the last successful sync, LastAttemptAt the last try,
	// LastError the last failure ("" after a success).
	LastSyncAt, LastAttemptAt time.Time
	LastError                 string
	// LastCheckAt is when the authorization status was last re-checked.
	LastCheckAt time.Time
	// StatusChangedAt is when Status last changed (for gaps: since when).
	StatusChangedAt time.Time
	// Events counts archived events; filled by ComplianceViewers only.
	Events int64
}

// ComplianceEventRow is one archived compliance event.
type ComplianceEventRow struct {
	// Tenant and Viewer say whose archive holds it.
	Tenant, Viewer string
	// ID is LinkedIn's event URN, unique per viewer archive.
	ID string
	// ProcessedAt is LinkedIn's processedAt.
	ProcessedAt time.Time
	// Raw is the event exactly as LinkedIn sent it.
	Raw []byte
	// ArchivedAt is when snapbridge stored it.
	ArchivedAt time.Time
}

// ComplianceRun is the outcome of one archiving run for a viewer.
type ComplianceRun struct {
	Tenant, Viewer string
	// At is when the run ended.
	At time.Time
	// OK is false when the run failed; Error says why.
	OK    bool
	Error string
	// Fetched counts events LinkedIn returned, Archived the new ones.
	Fetched, Archived int
}

// ComplianceEventQuery selects archived events.
type ComplianceEventQuery struct {
	// Tenant is required; Viewer "" means every viewer of the tenant.
	Tenant, Viewer string
	// From (inclusive) and To (exclusive) bound processedAt; zero means
	// unbounded.
	From, To time.Time
}

// Compliance keeps each viewer's compliance archiving state, the archived
// events and the history of archiving runs.
type Compliance interface {
	// PutComplianceViewer inserts or replaces the viewer's row; tenant,
	// viewer and status are required. Only opting in and out write the
	// whole row; the archiver writes the narrow, conditional methods below.
	PutComplianceViewer(ctx context.Context, v ComplianceViewer) error
	// RecordComplianceAttempt records an archiving run that ended at at:
	// the last attempt becomes at, the last error errText and, when
	// errText is "", the last sync at. Nothing else changes (not the
	// status, the opt-in or the cursor), so an opt-out landing meanwhile
	// on another instance stays. ErrNotFound when the viewer has no row.
	RecordComplianceAttempt(ctx context.Context, tenant, viewer string, at time.Time, errText string) error
	// RecordComplianceCheck records an authorization check at at: the last
	// check becomes at and, when errText is not "", the last error
	// errText. Nothing else changes. ErrNotFound when the viewer has no
	// row.
	RecordComplianceCheck(ctx context.Context, tenant, viewer string, at time.Time, errText string) error
	// SwapComplianceStatus moves the viewer from status from to status to
	// (status changed at at; regulatedAt replaces LinkedIn's start of
	// capture unless zero), but only if the row still holds from, and
	// reports whether it did: a status changed meanwhile (an opt-out on
	// another instance) is never overwritten by a decision made on the
	// older one.
	SwapComplianceStatus(ctx context.Context, tenant, viewer, from, to string, at, regulatedAt time.Time) (bool, error)
	// ComplianceViewerOf returns the viewer's row (Events filled), or
	// ErrNotFound.
	ComplianceViewerOf(ctx context.Context, tenant, viewer string) (ComplianceViewer, error)
	// ComplianceViewers returns the tenant's rows (every tenant's when
	// tenant is ""), with Events filled, ordered by tenant and viewer.
	ComplianceViewers(ctx context.Context, tenant string) ([]ComplianceViewer, error)
	// ArchiveComplianceEvents stores events in the viewer's archive and
	// moves the viewer's cursor forward to cursor, in one transaction.
	// Events already archived (same id) are skipped: paging with an
	// inclusive startTime returns the boundary events again. It returns
	// how many were new.
	ArchiveComplianceEvents(ctx context.Context, tenant, viewer string, events []ComplianceEventRow, cursor time.Time) (int, error)
	// EachComplianceEvent calls fn for every event matching q, ordered by
	// processedAt, viewer and id. It reads in pages so no connection is
	// held while fn writes to a slow reader. An error from fn stops the
	// walk and is returned.
	EachComplianceEvent(ctx context.Context, q ComplianceEventQuery, fn func(ComplianceEventRow) error) error
	// RecordComplianceRun appends a run outcome, keeping the newest
	// ComplianceRunsKept per viewer.
	RecordComplianceRun(ctx context.Context, r ComplianceRun) error
	// ComplianceRuns returns the viewer's newest runs first, at most limit
	// (limit <= 0 means 20).
	ComplianceRuns(ctx context.Context, tenant, viewer string, limit int) ([]ComplianceRun, error)
}

// ComplianceRunsKept bounds the run history kept per viewer.
const ComplianceRunsKept = 200
