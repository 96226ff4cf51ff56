package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/snapbridge/snapbridge/internal/store"
)

const complianceViewerColumns = `tenant, viewer, member, developer_application, status, opted_in_at, regulated_at,
	cursor, last_sync_at, last_attempt_at, last_error, last_check_at, status_changed_at`

// PutComplianceViewer inserts or replaces the viewer's row.
func (db *DB) PutComplianceViewer(ctx context.Context, v store.ComplianceViewer) error {
	if err := v.Check(); err != nil {
		return err
	}
	_, err := db.sql.ExecContext(ctx, `INSERT INTO compliance_viewers (`+complianceViewerColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (tenant, viewer) DO UPDATE SET
			member = excluded.member, developer_application = excluded.developer_application,
			status = excluded.status, opted_in_at = excluded.opted_in_at, regulated_at = excluded.regulated_at,
			cursor = excluded.cursor, last_sync_at = excluded.last_sync_at, last_attempt_at = excluded.last_attempt_at,
			last_error = excluded.last_error, last_check_at = excluded.last_check_at,
			status_changed_at = excluded.status_changed_at`,
		v.Tenant, v.Viewer, v.Member, v.DeveloperApplication, v.Status, tokenTime(v.OptedInAt),
		tokenTime(v.RegulatedAt), tokenTime(v.Cursor), tokenTime(v.LastSyncAt), tokenTime(v.LastAttemptAt),
		v.LastError, tokenTime(v.LastCheckAt), tokenTime(v.StatusChangedAt))
	if err != nil {
		return fmt.Errorf("put compliance viewer %s/%s: %w", v.Tenant, v.Viewer, err)
	}
	return nil
}

// ComplianceViewerOf returns the viewer's row (Events filled), or
// store.ErrNotFound.
func (db *DB) ComplianceViewerOf(ctx context.Context, tenant, viewer string) (store.ComplianceViewer, error) {
	rows, err := db.queryComplianceViewers(ctx, `WHERE v.tenant = ? AND v.viewer = ?`, tenant, viewer)
	if err != nil {
		return store.ComplianceViewer{}, err
	}
	if len(rows) == 0 {
		return store.ComplianceViewer{}, fmt.Errorf("compliance viewer %s/%s: %w", tenant, viewer, store.ErrNotFound)
	}
	return rows[0], nil
}

// ComplianceViewers returns the tenant's rows (every tenant's when tenant
// is ""), with Events filled, ordered by tenant and viewer.
func (db *DB) ComplianceViewers(ctx context.Context, tenant string) ([]store.ComplianceViewer, error) {
	return db.queryComplianceViewers(ctx, `WHERE (? = '' OR v.tenant = ?) ORDER BY v.tenant, v.viewer`, tenant, tenant)
}

func (db *DB) queryComplianceViewers(ctx context.Context, where string, args ...any) ([]store.ComplianceViewer, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT v.tenant, v.viewer, v.member, v.developer_application, v.status,
		v.opted_in_at, v.regulated_at, v.cursor, v.last_sync_at, v.last_attempt_at, v.last_error, v.last_check_at,
		v.status_changed_at,
		(SELECT COUNT(*) FROM compliance_events e WHERE e.tenant = v.tenant AND e.viewer = v.viewer)
		FROM compliance_viewers v `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("query compliance viewers: %w", err)
	}
	defer rows.Close()
	var out []store.ComplianceViewer
	for rows.Next() {
		var v store.ComplianceViewer
		var optedIn, regulated, cursor, sync, attempt, check, changed int64
		if err := rows.Scan(&v.Tenant, &v.Viewer, &v.Member, &v.DeveloperApplication, &v.Status, &optedIn, &regulated,
			&cursor, &sync, &attempt, &v.LastError, &check, &changed, &v.Events); err != nil {
			return nil, fmt.Errorf("query compliance viewers: %w", err)
		}
		v.OptedInAt, v.RegulatedAt, v.Cursor = rowTime(optedIn), rowTime(regulated), rowTime(cursor)
		v.LastSyncAt, v.LastAttemptAt, v.LastCheckAt, v.StatusChangedAt = rowTime(sync), rowTime(attempt), rowTime(check), rowTime(changed)
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("query compliance viewers: %w", err)
	}
	return out, nil
}

// ArchiveComplianceEvents stores events in the viewer's archive and moves
// the viewer's cursor to cursor, in one transaction. Events already
// archived (same id) are skipped: paging with an inclusive startTime
// returns the boundary events again. It returns how many were new.
func (db *DB) ArchiveComplianceEvents(ctx context.Context, tenant, viewer string, events []store.ComplianceEventRow, cursor time.Time) (int, error) {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("archive compliance events of %s/%s: %w", tenant, viewer, err)
	}
	defer tx.Rollback()
	added := 0
	for _, e := range events {
		if e.ID == "" {
			return 0, fmt.Errorf("archive compliance events of %s/%s: an event has no id", tenant, viewer)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO compliance_events (tenant, viewer, id, processed_at, raw, archived_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (tenant, viewer, id) DO NOTHING`,
			tenant, viewer, e.ID, tokenTime(e.ProcessedAt), e.Raw, tokenTime(e.ArchivedAt))
		if err != nil {
			return 0, fmt.Errorf("archive compliance event %s of %s/%s: %w", e.ID, tenant, viewer, err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			added++
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE compliance_viewers SET cursor = ?
		WHERE tenant = ? AND viewer = ? AND cursor < ?`, tokenTime(cursor), tenant, viewer, tokenTime(cursor)); err != nil {
		return 0, fmt.Errorf("move compliance cursor of %s/%s: %w", tenant, viewer, err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("archive compliance events of %s/%s: %w", tenant, viewer, err)
	}
	return added, nil
}

// EachComplianceEvent calls fn for every event matching q, ordered by
// processedAt and id. It reads in pages so the single database connection
// is never held while fn writes to a slow reader. An error from fn stops
// the walk and is returned.
func (db *DB) EachComplianceEvent(ctx context.Context, q store.ComplianceEventQuery, fn func(store.ComplianceEventRow) error) error {
	return store.WalkComplianceEvents(q, func(q store.ComplianceEventQuery, afterAt int64, afterViewer, afterID string, to int64) ([]store.ComplianceEventRow, error) {
		return db.complianceEventPage(ctx, q, afterAt, afterViewer, afterID, to)
	}, fn)
}

func (db *DB) complianceEventPage(ctx context.Context, q store.ComplianceEventQuery, afterAt int64, afterViewer, afterID string, to int64) ([]store.ComplianceEventRow, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT tenant, viewer, id, processed_at, raw, archived_at
		FROM compliance_events
		WHERE tenant = ? AND (? = '' OR viewer = ?) AND processed_at < ?
		  AND (processed_at > ? OR (processed_at = ? AND (viewer > ? OR (viewer = ? AND id > ?))))
		ORDER BY processed_at, viewer, id LIMIT ?`,
		q.Tenant, q.Viewer, q.Viewer, to, afterAt, afterAt, afterViewer, afterViewer, afterID, store.ComplianceEventPage)
	if err != nil {
		return nil, fmt.Errorf("compliance events of %s: %w", q.Tenant, err)
	}
	defer rows.Close()
	var out []store.ComplianceEventRow
	for rows.Next() {
		var e store.ComplianceEventRow
		var processed, archived int64
		if err := rows.Scan(&e.Tenant, &e.Viewer, &e.ID, &processed, &e.Raw, &archived); err != nil {
			return nil, fmt.Errorf("compliance events of %s: %w", q.Tenant, err)
		}
		e.ProcessedAt, e.ArchivedAt = rowTime(processed), rowTime(archived)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("compliance events of %s: %w", q.Tenant, err)
	}
	return out, nil
}

// RecordComplianceRun appends a run outcome, keeping the newest
// store.ComplianceRunsKept per viewer.
func (db *DB) RecordComplianceRun(ctx context.Context, r store.ComplianceRun) error {
	_, err := db.sql.ExecContext(ctx, `INSERT INTO compliance_runs (tenant, viewer, at, ok, error, fetched, archived)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, r.Tenant, r.Viewer, tokenTime(r.At), r.OK, r.Error, r.Fetched, r.Archived)
	if err != nil {
		return fmt.Errorf("record compliance run of %s/%s: %w", r.Tenant, r.Viewer, err)
	}
	_, err = db.sql.ExecContext(ctx, `DELETE FROM compliance_runs WHERE tenant = ? AND viewer = ? AND rowid NOT IN
		(SELECT rowid FROM compliance_runs WHERE tenant = ? AND viewer = ? ORDER BY at DESC, rowid DESC LIMIT ?)`,
		r.Tenant, r.Viewer, r.Tenant, r.Viewer, store.ComplianceRunsKept)
	if err != nil {
		return fmt.Errorf("trim compliance runs of %s/%s: %w", r.Tenant, r.Viewer, err)
	}
	return nil
}

// ComplianceRuns returns the viewer's newest runs first, at most limit
// (limit <= 0 means 20).
func (db *DB) ComplianceRuns(ctx context.Context, tenant, viewer string, limit int) ([]store.ComplianceRun, error) {
	if limit <= 0 {
		limit = 20
	}
	rows, err := db.sql.QueryContext(ctx, `SELECT tenant, viewer, at, ok, error, fetched, archived FROM compliance_runs
		WHERE tenant = ? AND viewer = ? ORDER BY at DESC, rowid DESC LIMIT ?`, tenant, viewer, limit)
	if err != nil {
		return nil, fmt.Errorf("compliance runs of %s/%s: %w", tenant, viewer, err)
	}
	defer rows.Close()
	var out []store.ComplianceRun
	for rows.Next() {
		var r store.ComplianceRun
		var at int64
		if err := rows.Scan(&r.Tenant, &r.Viewer, &at, &r.OK, &r.Error, &r.Fetched, &r.Archived); err != nil {
			return nil, fmt.Errorf("compliance runs of %s/%s: %w", tenant, viewer, err)
		}
		r.At = rowTime(at)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("compliance runs of %s/%s: %w", tenant, viewer, err)
	}
	return out, nil
}

// RecordComplianceAttempt records an archiving run in the columns the
// archiver owns (last attempt, last sync, last error) and nothing else.
func (db *DB) RecordComplianceAttempt(ctx context.Context, tenant, viewer string, at time.Time, errText string) error {
	if err := store.CheckComplianceViewerKey("record compliance attempt", tenant, viewer); err != nil {
		return err
	}
	res, err := db.sql.ExecContext(ctx, `UPDATE compliance_viewers SET last_attempt_at = ?, last_error = ?,
		last_sync_at = CASE WHEN ? = '' THEN ? ELSE last_sync_at END
		WHERE tenant = ? AND viewer = ?`, tokenTime(at), errText, errText, tokenTime(at), tenant, viewer)
	return oneViewerChanged(res, err, "record compliance attempt", tenant, viewer)
}

// RecordComplianceCheck records an authorization check (last check and,
// for a failed one, last error) and nothing else.
func (db *DB) RecordComplianceCheck(ctx context.Context, tenant, viewer string, at time.Time, errText string) error {
	if err := store.CheckComplianceViewerKey("record compliance check", tenant, viewer); err != nil {
		return err
	}
	res, err := db.sql.ExecContext(ctx, `UPDATE compliance_viewers SET last_check_at = ?,
		last_error = CASE WHEN ? = '' THEN last_error ELSE ? END
		WHERE tenant = ? AND viewer = ?`, tokenTime(at), errText, errText, tenant, viewer)
	return oneViewerChanged(res, err, "record compliance check", tenant, viewer)
}

// SwapComplianceStatus moves the viewer from status from to to in one
// conditional UPDATE and reports whether the row still held from.
func (db *DB) SwapComplianceStatus(ctx context.Context, tenant, viewer, from, to string, at, regulatedAt time.Time) (bool, error) {
	if err := store.CheckSwapComplianceStatus(tenant, viewer, from, to); err != nil {
		return false, err
	}
	res, err := db.sql.ExecContext(ctx, `UPDATE compliance_viewers SET status = ?, status_changed_at = ?,
		regulated_at = CASE WHEN ? = 0 THEN regulated_at ELSE ? END
		WHERE tenant = ? AND viewer = ? AND status = ?`,
		to, tokenTime(at), tokenTime(regulatedAt), tokenTime(regulatedAt), tenant, viewer, from)
	if err != nil {
		return false, fmt.Errorf("swap compliance status of %s/%s: %w", tenant, viewer, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("swap compliance status of %s/%s: %w", tenant, viewer, err)
	}
	return n == 1, nil
}

// oneViewerChanged turns the outcome of a narrow viewer UPDATE into an
// error: store.ErrNotFound when no row matched.
func oneViewerChanged(res sql.Result, err error, what, tenant, viewer string) error {
	if err != nil {
		return fmt.Errorf("%s of %s/%s: %w", what, tenant, viewer, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s of %s/%s: %w", what, tenant, viewer, err)
	}
	if n == 0 {
		return fmt.Errorf("%s of %s/%s: %w", what, tenant, viewer, store.ErrNotFound)
	}
	return nil
}
