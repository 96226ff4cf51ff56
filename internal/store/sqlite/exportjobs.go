package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/snapbridge/snapbridge/internal/store"
)

const analyticsColumns = `id, tenant, viewer, actor, contract, action, start_at, end_at, status, linkedin_status,
	message, linkedin_id, row_count, download_url, url_expires_at, polls, next_poll_at,
	created_at, submitted_at, finished_at, updated_at`

// InsertAnalyticsExport stores a new job and returns it with its id.
func (db *DB) InsertAnalyticsExport(ctx context.Context, j store.AnalyticsExport) (store.AnalyticsExport, error) {
	if err := j.CheckInsert(); err != nil {
		return store.AnalyticsExport{}, err
	}
	res, err := db.sql.ExecContext(ctx, `INSERT INTO analytics_exports
		(tenant, viewer, actor, contract, action, start_at, end_at, status, message, next_poll_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		j.Tenant, j.Viewer, j.Actor, j.Contract, j.Action, tokenTime(j.StartAt), tokenTime(j.EndAt),
		j.Status, j.Message, tokenTime(j.NextPollAt), tokenTime(j.CreatedAt), tokenTime(j.CreatedAt))
	if err != nil {
		return store.AnalyticsExport{}, fmt.Errorf("insert analytics export for %s: %w", j.Tenant, err)
	}
	if j.ID, err = res.LastInsertId(); err != nil {
		return store.AnalyticsExport{}, fmt.Errorf("insert analytics export for %s: %w", j.Tenant, err)
	}
	j.UpdatedAt = j.CreatedAt
	return j, nil
}

// UpdateAnalyticsExport writes every mutable field of j (status, LinkedIn
// fields, links, polling state, times) by id.
func (db *DB) UpdateAnalyticsExport(ctx context.Context, j store.AnalyticsExport) error {
	res, err := db.sql.ExecContext(ctx, `UPDATE analytics_exports SET
		status = ?, linkedin_status = ?, message = ?, linkedin_id = ?, row_count = ?, download_url = ?,
		url_expires_at = ?, polls = ?, next_poll_at = ?, submitted_at = ?, finished_at = ?, updated_at = ?
		WHERE id = ?`,
		j.Status, j.LinkedInStatus, j.Message, j.LinkedInID, j.RowCount, j.DownloadURL,
		tokenTime(j.URLExpiresAt), j.Polls, tokenTime(j.NextPollAt), tokenTime(j.SubmittedAt),
		tokenTime(j.FinishedAt), tokenTime(j.UpdatedAt), j.ID)
	if err != nil {
		return fmt.Errorf("update analytics export %d: %w", j.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("update analytics export %d: %w", j.ID, store.ErrNotFound)
	}
	return nil
}

// AnalyticsExportByID returns the tenant's job, or store.ErrNotFound.
func (db *DB) AnalyticsExportByID(ctx context.Context, tenant string, id int64) (store.AnalyticsExport, error) {
	rows, err := db.queryAnalytics(ctx, `WHERE tenant = ? AND id = ?`, tenant, id)
	if err != nil {
		return store.AnalyticsExport{}, err
	}
	if len(rows) == 0 {
		return store.AnalyticsExport{}, fmt.Errorf("analytics export %s/%d: %w", tenant, id, store.ErrNotFound)
	}
	return rows[0], nil
}

// AnalyticsExports returns the tenant's jobs, newest first, at most limit
// (limit <= 0 means 100).
func (db *DB) AnalyticsExports(ctx context.Context, tenant string, limit int) ([]store.AnalyticsExport, error) {
	if limit <= 0 {
		limit = 100
	}
	return db.queryAnalytics(ctx, `WHERE tenant = ? ORDER BY id DESC LIMIT ?`, tenant, limit)
}

// AnalyticsExportsWithStatus returns every job with this status of every
// tenant, oldest first: the poller's work list, read again after a restart.
func (db *DB) AnalyticsExportsWithStatus(ctx context.Context, status string) ([]store.AnalyticsExport, error) {
	return db.queryAnalytics(ctx, `WHERE status = ? ORDER BY id`, status)
}

// AnalyticsExportRunning reports whether a job of this tenant, contract
// and action is running at LinkedIn.
func (db *DB) AnalyticsExportRunning(ctx context.Context, tenant, contract, action string) (bool, error) {
	var n int
	err := db.sql.QueryRowContext(ctx, `SELECT COUNT(*) FROM analytics_exports
		WHERE status = ? AND tenant = ? AND contract = ? AND action = ?`, store.JobRunning, tenant, contract, action).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("running analytics exports of %s: %w", tenant, err)
	}
	return n > 0, nil
}

func (db *DB) queryAnalytics(ctx context.Context, where string, args ...any) ([]store.AnalyticsExport, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+analyticsColumns+` FROM analytics_exports `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("query analytics exports: %w", err)
	}
	defer rows.Close()
	var out []store.AnalyticsExport
	for rows.Next() {
		var j store.AnalyticsExport
		var start, end, urlExp, next, created, submitted, finished, updated int64
		if err := rows.Scan(&j.ID, &j.Tenant, &j.Viewer, &j.Actor, &j.Contract, &j.Action, &start, &end,
			&j.Status, &j.LinkedInStatus, &j.Message, &j.LinkedInID, &j.RowCount, &j.DownloadURL, &urlExp,
			&j.Polls, &next, &created, &submitted, &finished, &updated); err != nil {
			return nil, fmt.Errorf("query analytics exports: %w", err)
		}
		j.StartAt, j.EndAt, j.URLExpiresAt, j.NextPollAt = rowTime(start), rowTime(end), rowTime(urlExp), rowTime(next)
		j.CreatedAt, j.SubmittedAt, j.FinishedAt, j.UpdatedAt = rowTime(created), rowTime(submitted), rowTime(finished), rowTime(updated)
		out = append(out, j)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("query analytics exports: %w", err)
	}
	return out, nil
}

const validationColumns = `id, tenant, actor, crm_instance, linkedin_id, status, linkedin_status, message,
	export_start_at, export_end_at, next_export_start_at, download_urls, url_expires_at, polls, next_poll_at,
	created_at, submitted_at, finished_at, updated_at`

// InsertValidationExport stores a job LinkedIn accepted and returns it
// with its id.
func (db *DB) InsertValidationExport(ctx context.Context, j store.ValidationExport) (store.ValidationExport, error) {
	if err := j.CheckInsert(); err != nil {
		return store.ValidationExport{}, err
	}
	res, err := db.sql.ExecContext(ctx, `INSERT INTO validation_exports
		(tenant, actor, crm_instance, linkedin_id, status, linkedin_status, message, export_start_at,
		 next_poll_at, created_at, submitted_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		j.Tenant, j.Actor, j.CRMInstance, j.LinkedInID, j.Status, j.LinkedInStatus, j.Message,
		tokenTime(j.ExportStartAt), tokenTime(j.NextPollAt), tokenTime(j.CreatedAt), tokenTime(j.SubmittedAt), tokenTime(j.CreatedAt))
	if err != nil {
		return store.ValidationExport{}, fmt.Errorf("insert validation export for %s: %w", j.Tenant, err)
	}
	if j.ID, err = res.LastInsertId(); err != nil {
		return store.ValidationExport{}, fmt.Errorf("insert validation export for %s: %w", j.Tenant, err)
	}
	j.UpdatedAt = j.CreatedAt
	return j, nil
}

// UpdateValidationExport writes every mutable field of j by id. When j is
// completed with a NextExportStartAt, the tenant's cursor for "since last
// export" moves there in the same transaction.
func (db *DB) UpdateValidationExport(ctx context.Context, j store.ValidationExport) error {
	urls, err := json.Marshal(orEmpty(j.DownloadURLs))
	if err != nil {
		return fmt.Errorf("update validation export %d: %w", j.ID, err)
	}
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("update validation export %d: %w", j.ID, err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE validation_exports SET
		status = ?, linkedin_status = ?, message = ?, export_end_at = ?, next_export_start_at = ?,
		download_urls = ?, url_expires_at = ?, polls = ?, next_poll_at = ?, finished_at = ?, updated_at = ?
		WHERE id = ?`,
		j.Status, j.LinkedInStatus, j.Message, tokenTime(j.ExportEndAt), tokenTime(j.NextExportStartAt),
		string(urls), tokenTime(j.URLExpiresAt), j.Polls, tokenTime(j.NextPollAt), tokenTime(j.FinishedAt),
		tokenTime(j.UpdatedAt), j.ID)
	if err != nil {
		return fmt.Errorf("update validation export %d: %w", j.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("update validation export %d: %w", j.ID, store.ErrNotFound)
	}
	if j.Status == store.JobCompleted && !j.NextExportStartAt.IsZero() {
		// Only move forward: an older job finishing late must not rewind.
		_, err = tx.ExecContext(ctx, `INSERT INTO validation_cursors (tenant, next_export_start_at, updated_at)
			VALUES (?, ?, ?)
			ON CONFLICT (tenant) DO UPDATE SET next_export_start_at = excluded.next_export_start_at, updated_at = excluded.updated_at
			WHERE excluded.next_export_start_at > validation_cursors.next_export_start_at`,
			j.Tenant, tokenTime(j.NextExportStartAt), tokenTime(j.UpdatedAt))
		if err != nil {
			return fmt.Errorf("update validation cursor of %s: %w", j.Tenant, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("update validation export %d: %w", j.ID, err)
	}
	return nil
}

// ValidationCursor returns where the tenant's next "since last export"
// validation export starts, or store.ErrNotFound when no export completed yet.
func (db *DB) ValidationCursor(ctx context.Context, tenant string) (time.Time, error) {
	var ms int64
	err := db.sql.QueryRowContext(ctx, `SELECT next_export_start_at FROM validation_cursors WHERE tenant = ?`, tenant).Scan(&ms)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, fmt.Errorf("validation cursor of %s: %w", tenant, store.ErrNotFound)
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("validation cursor of %s: %w", tenant, err)
	}
	return rowTime(ms), nil
}

// ValidationExportByID returns the tenant's job, or store.ErrNotFound.
func (db *DB) ValidationExportByID(ctx context.Context, tenant string, id int64) (store.ValidationExport, error) {
	rows, err := db.queryValidation(ctx, `WHERE tenant = ? AND id = ?`, tenant, id)
	if err != nil {
		return store.ValidationExport{}, err
	}
	if len(rows) == 0 {
		return store.ValidationExport{}, fmt.Errorf("validation export %s/%d: %w", tenant, id, store.ErrNotFound)
	}
	return rows[0], nil
}

// ValidationExports returns the tenant's jobs, newest first, at most
// limit (limit <= 0 means 100).
func (db *DB) ValidationExports(ctx context.Context, tenant string, limit int) ([]store.ValidationExport, error) {
	if limit <= 0 {
		limit = 100
	}
	return db.queryValidation(ctx, `WHERE tenant = ? ORDER BY id DESC LIMIT ?`, tenant, limit)
}

// ValidationExportsWithStatus returns every job with this status, oldest
// first.
func (db *DB) ValidationExportsWithStatus(ctx context.Context, status string) ([]store.ValidationExport, error) {
	return db.queryValidation(ctx, `WHERE status = ? ORDER BY id`, status)
}

func (db *DB) queryValidation(ctx context.Context, where string, args ...any) ([]store.ValidationExport, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+validationColumns+` FROM validation_exports `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("query validation exports: %w", err)
	}
	defer rows.Close()
	var out []store.ValidationExport
	for rows.Next() {
		var j store.ValidationExport
		var urls string
		var start, end, nextStart, urlExp, next, created, submitted, finished, updated int64
		if err := rows.Scan(&j.ID, &j.Tenant, &j.Actor, &j.CRMInstance, &j.LinkedInID, &j.Status, &j.LinkedInStatus,
			&j.Message, &start, &end, &nextStart, &urls, &urlExp, &j.Polls, &next,
			&created, &submitted, &finished, &updated); err != nil {
			return nil, fmt.Errorf("query validation exports: %w", err)
		}
		if err := json.Unmarshal([]byte(urls), &j.DownloadURLs); err != nil {
			return nil, fmt.Errorf("query validation exports: job %d: download urls: %w", j.ID, err)
		}
		j.ExportStartAt, j.ExportEndAt, j.NextExportStartAt = rowTime(start), rowTime(end), rowTime(nextStart)
		j.URLExpiresAt, j.NextPollAt = rowTime(urlExp), rowTime(next)
		j.CreatedAt, j.SubmittedAt, j.FinishedAt, j.UpdatedAt = rowTime(created), rowTime(submitted), rowTime(finished), rowTime(updated)
		out = append(out, j)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("query validation exports: %w", err)
	}
	return out, nil
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
