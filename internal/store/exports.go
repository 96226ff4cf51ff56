package store

import (
	"context"
	"time"
)

// Export job statuses kept by snapbridge. LinkedIn's own status is kept
// apart (LinkedInStatus) so the console can show both.
const (
	// JobWaiting: stored, not yet sent to LinkedIn, because another job of
	// the same contract and action is running there.
	JobWaiting = "waiting"
	// JobRunning: sent to LinkedIn and being polled.
	JobRunning = "running"
	// JobCompleted: LinkedIn finished it; download links are available.
	JobCompleted = "completed"
	// JobFailed: LinkedIn or snapbridge gave up on it; Message says why.
	JobFailed = "failed"
)

// AnalyticsExport is one Sales Analytics export job.
type AnalyticsExport struct {
	// ID is snapbridge's id, assigned by InsertAnalyticsExport.
	ID int64
	// Tenant, Viewer (whose member token runs the job) and Actor (who
	// asked, as in the audit log).
	Tenant, Viewer, Actor string
	// Contract is the salesContract URN; Action is exportSeatData,
	// exportActivityData or exportActivityOutcomeData.
	Contract, Action string
	// StartAt and EndAt bound the exported data.
	StartAt, EndAt time.Time
	// Status is one of the Job* constants; LinkedInStatus is LinkedIn's
	// (ENQUEUED, PROCESSING, COMPLETED, FAILED_…), empty while waiting.
	Status, LinkedInStatus string
	// Message explains the status in words (why it waits, why it failed).
	Message string
	// LinkedInID is LinkedIn's job id, 0 until submitted.
	LinkedInID int64
	// RowCount is set when completed.
	RowCount int64
	// DownloadURL and URLExpiresAt are the last download link LinkedIn gave.
	DownloadURL  string
	URLExpiresAt time.Time
	// Polls counts polls since the last status change (for backoff);
	// NextPollAt is when the poller looks again.
	Polls      int
	NextPollAt time.Time
	// CreatedAt, SubmittedAt, FinishedAt, UpdatedAt: zero when not yet.
	CreatedAt, SubmittedAt, FinishedAt, UpdatedAt time.Time
}

// ValidationExport is one CRM data validation export job.
type ValidationExport struct {
	// ID is snapbridge's id, assigned by InsertValidationExport.
	ID int64
	// Tenant and Actor (who asked).
	Tenant, Actor string
	// CRMInstance is the urn:li:crmInstance the job exports.
	CRMInstance string
	// LinkedInID is LinkedIn's job id (from X-RestLi-Id).
	LinkedInID int64
	// Status is one of the Job* constants; LinkedInStatus is LinkedIn's.
	Status, LinkedInStatus string
	// Message explains the status in words.
	Message string
	// ExportStartAt is where the export starts; ExportEndAt and
	// NextExportStartAt are set when completed.
	ExportStartAt, ExportEndAt, NextExportStartAt time.Time
	// DownloadURLs and URLExpiresAt are LinkedIn's links when completed.
	DownloadURLs []string
	URLExpiresAt time.Time
	// Polls and NextPollAt drive the poller's backoff.
	Polls      int
	NextPollAt time.Time
	// CreatedAt, SubmittedAt, FinishedAt, UpdatedAt: zero when not yet.
	CreatedAt, SubmittedAt, FinishedAt, UpdatedAt time.Time
}

// AnalyticsExports keeps Sales Analytics export jobs.
type AnalyticsExports interface {
	// InsertAnalyticsExport stores a new job and returns it with its id
	// (ids grow) and UpdatedAt set to CreatedAt. Tenant, contract, action
	// and status are required.
	InsertAnalyticsExport(ctx context.Context, j AnalyticsExport) (AnalyticsExport, error)
	// UpdateAnalyticsExport writes every mutable field of j (status,
	// LinkedIn fields, links, polling state, times) by id; an unknown id
	// is ErrNotFound.
	UpdateAnalyticsExport(ctx context.Context, j AnalyticsExport) error
	// AnalyticsExportByID returns the tenant's job, or ErrNotFound.
	AnalyticsExportByID(ctx context.Context, tenant string, id int64) (AnalyticsExport, error)
	// AnalyticsExports returns the tenant's jobs, newest first, at most
	// limit (limit <= 0 means 100).
	AnalyticsExports(ctx context.Context, tenant string, limit int) ([]AnalyticsExport, error)
	// AnalyticsExportsWithStatus returns every job with this status of
	// every tenant, oldest first: the poller's work list, read again
	// after a restart.
	AnalyticsExportsWithStatus(ctx context.Context, status string) ([]AnalyticsExport, error)
	// AnalyticsExportRunning reports whether a job of this tenant,
	// contract and action is running at LinkedIn.
	AnalyticsExportRunning(ctx context.Context, tenant, contract, action string) (bool, error)
}

// ValidationExports keeps CRM data validation export jobs and each
// tenant's "since last export" cursor.
type ValidationExports interface {
	// InsertValidationExport stores a job LinkedIn accepted and returns it
	// with its id and UpdatedAt set to CreatedAt. Tenant, CRM instance and
	// status are required.
	InsertValidationExport(ctx context.Context, j ValidationExport) (ValidationExport, error)
	// UpdateValidationExport writes every mutable field of j by id; an
	// unknown id is ErrNotFound. When j is completed with a
	// NextExportStartAt, the tenant's cursor moves there in the same
	// transaction, only ever forward.
	UpdateValidationExport(ctx context.Context, j ValidationExport) error
	// ValidationCursor returns where the tenant's next "since last
	// export" validation export starts, or ErrNotFound when no export
	// completed yet.
	ValidationCursor(ctx context.Context, tenant string) (time.Time, error)
	// ValidationExportByID returns the tenant's job, or ErrNotFound.
	ValidationExportByID(ctx context.Context, tenant string, id int64) (ValidationExport, error)
	// ValidationExports returns the tenant's jobs, newest first, at most
	// limit (limit <= 0 means 100).
	ValidationExports(ctx context.Context, tenant string, limit int) ([]ValidationExport, error)
	// ValidationExportsWithStatus returns every job with this status,
	// oldest first.
	ValidationExportsWithStatus(ctx context.Context, status string) ([]ValidationExport, error)
}
