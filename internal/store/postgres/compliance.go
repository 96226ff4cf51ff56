package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/snapbridge/snapbridge/internal/store"
)

const complianceViewerColumns = `tenant, viewer, member, developer_application, status, opted_in_at, regulated_at,
	cursor, last_sync_at, last_attempt_at, last_error, last_check_at, status_changed_at`

// PutComplianceViewer inserts or replaces the viewer's row.
func (db *DB) PutComplianceViewer(ctx context.Context, v store.ComplianceViewer) error {
	if err := v.Check(); err != nil {
		return err
	}
	_, err := db.pool.Exec(ctx, `INSERT INTO compliance_viewers (`+complianceViewerColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
		ON CONFLICT (tenant, viewer) DO UPDATE SET
			member = excluded.member, developer_application = excluded.developer_application,
			status = excluded.status, opted_in_at = excluded.opted_in_at, regulated_at = excluded.regulated_at,
			cursor = excluded.cursor, last_sync_at = excluded.last_sync_at, last_attempt_at = excluded.last_attempt_at,
			last_error = excluded.last_error, last_check_at = excluded.last_check_at,
			status_changed_at = excluded.status_changed_at`,
		v.Tenant, v.Viewer, v.Member, v.DeveloperApplication, v.Status, msTime(v.OptedInAt),
		msTime(v.RegulatedAt), msTime(v.Cursor), msTime(v.LastSyncAt), msTime(v.LastAttemptAt),
		v.LastError, msTime(v.LastCheckAt), msTime(v.StatusChangedAt))
	if err != nil {
		return fmt.Errorf("put compliance viewer %s/%s: %w", v.Tenant, v.Viewer, err)
	}
	return nil
}

// ComplianceViewerOf returns the viewer's row (Events filled), or
// store.ErrNotFound.
func (db *DB) ComplianceViewerOf(ctx context.Context, tenant, viewer string) (store.ComplianceViewer, error) {
	rows, err := db.queryComplianceViewers(ctx, `WHERE v.tenant = $1 AND v.viewer = $2`, tenant, viewer)
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
	return db.queryComplianceViewers(ctx, `WHERE ($1 = '' OR v.tenant = $1) ORDER BY v.tenant, v.viewer`, tenant)
}

func (db *DB) queryComplianceViewers(ctx context.Context, where string, args ...any) ([]store.ComplianceViewer, error) {
	rows, err := db.pool.Query(ctx, `SELECT v.tenant, v.viewer, v.member, v.developer_application, v.status,
		v.opted_in_at, v.regulated_at, v.cursor, v.last_sync_at, v.last_attempt_at, v.last_error, v.last_check_at,
		v.status_changed_at,
		(SELECT COUNT(*) FROM compliance_events e WHERE e.tenant = v.tenant AND e.viewer = v.viewer)
		FROM compliance_viewers v `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("query compliance viewers: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.ComplianceViewer, error) {
		var v store.ComplianceViewer
		var optedIn, regulated, cursor, sync, attempt, check, changed int64
		err := r.Scan(&v.Tenant, &v.Viewer, &v.Member, &v.DeveloperApplication, &v.Status, &optedIn, &regulated,
			&cursor, &sync, &attempt, &v.LastError, &check, &changed, &v.Events)
		v.OptedInAt, v.RegulatedAt, v.Cursor = rowTime(optedIn), rowTime(regulated), rowTime(cursor)
		v.LastSyncAt, v.LastAttemptAt, v.LastCheckAt, v.StatusChangedAt = rowTime(sync), rowTime(attempt), rowTime(check), rowTime(changed)
		return v, err
	})
	if err != nil {
		return nil, fmt.Errorf("query compliance viewers: %w", err)
	}
	return out, nil
}

// ArchiveComplianceEvents stores events in the viewer's archive and moves
// the viewer's cursor forward to cursor, in one transaction. Events
// already archived (same id) are skipped. It returns how many were new.
func (db *DB) ArchiveComplianceEvents(ctx context.Context, tenant, viewer string, events []store.ComplianceEventRow, cursor time.Time) (int, error) {
	for _, e := range events {
		if e.ID == "" {
			return 0, fmt.Errorf("archive compliance events of %s/%s: an event has no id", tenant, viewer)
		}
	}
	added := 0
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		added = 0
		for _, e := range events {
			tag, err := tx.Exec(ctx, `INSERT INTO compliance_events (tenant, viewer, id, processed_at, raw, archived_at)
				VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tenant, viewer, id) DO NOTHING`,
				tenant, viewer, e.ID, msTime(e.ProcessedAt), nonNil(e.Raw), msTime(e.ArchivedAt))
			if err != nil {
				return fmt.Errorf("archive compliance event %s of %s/%s: %w", e.ID, tenant, viewer, err)
			}
			added += int(tag.RowsAffected())
		}
		if _, err := tx.Exec(ctx, `UPDATE compliance_viewers SET cursor = $1
			WHERE tenant = $2 AND viewer = $3 AND cursor < $1`, msTime(cursor), tenant, viewer); err != nil {
			return fmt.Errorf("move compliance cursor of %s/%s: %w", tenant, viewer, err)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("archive compliance events of %s/%s: %w", tenant, viewer, err)
	}
	return added, nil
}

// EachComplianceEvent calls fn for every event matching q, ordered by
// processedAt, viewer and id. It reads in pages (keyset pagination), so no
// connection is held while fn writes to a slow reader. An error from fn
// stops the walk and is returned.
func (db *DB) EachComplianceEvent(ctx context.Context, q store.ComplianceEventQuery, fn func(store.ComplianceEventRow) error) error {
	return store.WalkComplianceEvents(q, func(q store.ComplianceEventQuery, afterAt int64, afterViewer, afterID string, to int64) ([]store.ComplianceEventRow, error) {
		return db.complianceEventPage(ctx, q, afterAt, afterViewer, afterID, to)
	}, fn)
}

func (db *DB) complianceEventPage(ctx context.Context, q store.ComplianceEventQuery, afterAt int64, afterViewer, afterID string, to int64) ([]store.ComplianceEventRow, error) {
	rows, err := db.pool.Query(ctx, `SELECT tenant, viewer, id, processed_at, raw, archived_at
		FROM compliance_events
		WHERE tenant = $1 AND ($2 = '' OR viewer = $2) AND processed_at < $3
		  AND (processed_at > $4 OR (processed_at = $4 AND (viewer > $5 OR (viewer = $5 AND id > $6))))
		ORDER BY processed_at, viewer, id LIMIT $7`,
		q.Tenant, q.Viewer, to, afterAt, afterViewer, afterID, store.ComplianceEventPage)
	if err != nil {
		return nil, fmt.Errorf("compliance events of %s: %w", q.Tenant, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.ComplianceEventRow, error) {
		var e store.ComplianceEventRow
		var processed, archived int64
		err := r.Scan(&e.Tenant, &e.Viewer, &e.ID, &processed, &e.Raw, &archived)
		e.ProcessedAt, e.ArchivedAt = rowTime(processed), rowTime(archived)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("compliance events of %s: %w", q.Tenant, err)
	}
	return out, nil
}

// RecordComplianceRun appends a run outcome and trims the viewer's
// history to the newest store.ComplianceRunsKept, in one transaction.
func (db *DB) RecordComplianceRun(ctx context.Context, r store.ComplianceRun) error {
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO compliance_runs (tenant, viewer, at, ok, error, fetched, archived)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, r.Tenant, r.Viewer, msTime(r.At), r.OK, r.Error, r.Fetched, r.Archived); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM compliance_runs WHERE tenant = $1 AND viewer = $2 AND id NOT IN
			(SELECT id FROM compliance_runs WHERE tenant = $1 AND viewer = $2 ORDER BY at DESC, id DESC LIMIT $3)`,
			r.Tenant, r.Viewer, store.ComplianceRunsKept)
		return err
	})
	if err != nil {
		return fmt.Errorf("record compliance run of %s/%s: %w", r.Tenant, r.Viewer, err)
	}
	return nil
}

// ComplianceRuns returns the viewer's newest runs first, at most limit
// (limit <= 0 means 20).
func (db *DB) ComplianceRuns(ctx context.Context, tenant, viewer string, limit int) ([]store.ComplianceRun, error) {
	if limit <= 0 {
		limit = 20
	}
	rows, err := db.pool.Query(ctx, `SELECT tenant, viewer, at, ok, error, fetched, archived FROM compliance_runs
		WHERE tenant = $1 AND viewer = $2 ORDER BY at DESC, id DESC LIMIT $3`, tenant, viewer, limit)
	if err != nil {
		return nil, fmt.Errorf("compliance runs of %s/%s: %w", tenant, viewer, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.ComplianceRun, error) {
		var r store.ComplianceRun
		var at int64
		err := row.Scan(&r.Tenant, &r.Viewer, &at, &r.OK, &r.Error, &r.Fetched, &r.Archived)
		r.At = rowTime(at)
		return r, err
	})
	if err != nil {
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
	tag, err := db.pool.Exec(ctx, `UPDATE compliance_viewers SET last_attempt_at = $1, last_error = $2::text,
		last_sync_at = CASE WHEN $2::text = '' THEN $1 ELSE last_sync_at END
		WHERE tenant = $3 AND viewer = $4`, msTime(at), errText, tenant, viewer)
	return oneViewerChanged(tag, err, "record compliance attempt", tenant, viewer)
}

// RecordComplianceCheck records an authorization check (last check and,
// for a failed one, last error) and nothing else.
func (db *DB) RecordComplianceCheck(ctx context.Context, tenant, viewer string, at time.Time, errText string) error {
	if err := store.CheckComplianceViewerKey("record compliance check", tenant, viewer); err != nil {
		return err
	}
	tag, err := db.pool.Exec(ctx, `UPDATE compliance_viewers SET last_check_at = $1,
		last_error = CASE WHEN $2::text = '' THEN last_error ELSE $2::text END
		WHERE tenant = $3 AND viewer = $4`, msTime(at), errText, tenant, viewer)
	return oneViewerChanged(tag, err, "record compliance check", tenant, viewer)
}

// SwapComplianceStatus moves the viewer from status from to to in one
// conditional UPDATE and reports whether the row still held from.
func (db *DB) SwapComplianceStatus(ctx context.Context, tenant, viewer, from, to string, at, regulatedAt time.Time) (bool, error) {
	if err := store.CheckSwapComplianceStatus(tenant, viewer, from, to); err != nil {
		return false, err
	}
	tag, err := db.pool.Exec(ctx, `UPDATE compliance_viewers SET status = $1, status_changed_at = $2,
		regulated_at = CASE WHEN $3::bigint = 0 THEN regulated_at ELSE $3::bigint END
		WHERE tenant = $4 AND viewer = $5 AND status = $6`,
		to, msTime(at), msTime(regulatedAt), tenant, viewer, from)
	if err != nil {
		return false, fmt.Errorf("swap compliance status of %s/%s: %w", tenant, viewer, err)
	}
	return tag.RowsAffected() == 1, nil
}

// oneViewerChanged turns the outcome of a narrow viewer UPDATE into an
// error: store.ErrNotFound when no row matched.
func oneViewerChanged(tag pgconn.CommandTag, err error, what, tenant, viewer string) error {
	if err != nil {
		return fmt.Errorf("%s of %s/%s: %w", what, tenant, viewer, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%s of %s/%s: %w", what, tenant, viewer, store.ErrNotFound)
	}
	return nil
}
