package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/snapbridge/snapbridge/internal/store"
)

const analyticsColumns = `id, tenant, viewer, actor, contract, action, start_at, end_at, status, linkedin_status,
	message, linkedin_id, row_count, download_url, url_expires_at, polls, next_poll_at,
	created_at, submitted_at, finished_at, updated_at`

// InsertAnalyticsExport stores a new job and returns it with its id
// (INSERT … RETURNING id).
func (db *DB) InsertAnalyticsExport(ctx context.Context, j store.AnalyticsExport) (store.AnalyticsExport, error) {
	if err := j.CheckInsert(); err != nil {
		return store.AnalyticsExport{}, err
	}
	err := db.pool.QueryRow(ctx, `INSERT INTO analytics_exports
		(tenant, viewer, actor, contract, action, start_at, end_at, status, message, next_poll_at, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id`,
		j.Tenant, j.Viewer, j.Actor, j.Contract, j.Action, msTime(j.StartAt), msTime(j.EndAt),
		j.Status, j.Message, msTime(j.NextPollAt), msTime(j.CreatedAt)).Scan(&j.ID)
	if err != nil {
		return store.AnalyticsExport{}, fmt.Errorf("insert analytics export for %s: %w", j.Tenant, err)
	}
	j.UpdatedAt = j.CreatedAt
	return j, nil
}

// UpdateAnalyticsExport writes every mutable field of j by id.
func (db *DB) UpdateAnalyticsExport(ctx context.Context, j store.AnalyticsExport) error {
	tag, err := db.pool.Exec(ctx, `UPDATE analytics_exports SET
		status = $1, linkedin_status = $2, message = $3, linkedin_id = $4, row_count = $5, download_url = $6,
		url_expires_at = $7, polls = $8, next_poll_at = $9, submitted_at = $10, finished_at = $11, updated_at = $12
		WHERE id = $13`,
		j.Status, j.LinkedInStatus, j.Message, j.LinkedInID, j.RowCount, j.DownloadURL,
		msTime(j.URLExpiresAt), j.Polls, msTime(j.NextPollAt), msTime(j.SubmittedAt),
		msTime(j.FinishedAt), msTime(j.UpdatedAt), j.ID)
	if err != nil {
		return fmt.Errorf("update analytics export %d: %w", j.ID, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("update analytics export %d: %w", j.ID, store.ErrNotFound)
	}
	return nil
}

// AnalyticsExportByID returns the tenant's job, or store.ErrNotFound.
func (db *DB) AnalyticsExportByID(ctx context.Context, tenant string, id int64) (store.AnalyticsExport, error) {
	rows, err := db.queryAnalytics(ctx, `WHERE tenant = $1 AND id = $2`, tenant, id)
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
	return db.queryAnalytics(ctx, `WHERE tenant = $1 ORDER BY id DESC LIMIT $2`, tenant, limit)
}

// AnalyticsExportsWithStatus returns every job with this status of every
// tenant, oldest first.
func (db *DB) AnalyticsExportsWithStatus(ctx context.Context, status string) ([]store.AnalyticsExport, error) {
	return db.queryAnalytics(ctx, `WHERE status = $1 ORDER BY id`, status)
}

// AnalyticsExportRunning reports whether a job of this tenant, contract
// and action is running at LinkedIn.
func (db *DB) AnalyticsExportRunning(ctx context.Context, tenant, contract, action string) (bool, error) {
	var running bool
	err := db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM analytics_exports
		WHERE status = $1 AND tenant = $2 AND contract = $3 AND action = $4)`, store.JobRunning, tenant, contract, action).Scan(&running)
	if err != nil {
		return false, fmt.Errorf("running analytics exports of %s: %w", tenant, err)
	}
	return running, nil
}

func (db *DB) queryAnalytics(ctx context.Context, where string, args ...any) ([]store.AnalyticsExport, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+analyticsColumns+` FROM analytics_exports `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("query analytics exports: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.AnalyticsExport, error) {
		var j store.AnalyticsExport
		var start, end, urlExp, next, created, submitted, finished, updated int64
		err := r.Scan(&j.ID, &j.Tenant, &j.Viewer, &j.Actor, &j.Contract, &j.Action, &start, &end,
			&j.Status, &j.LinkedInStatus, &j.Message, &j.LinkedInID, &j.RowCount, &j.DownloadURL, &urlExp,
			&j.Polls, &next, &created, &submitted, &finished, &updated)
		j.StartAt, j.EndAt, j.URLExpiresAt, j.NextPollAt = rowTime(start), rowTime(end), rowTime(urlExp), rowTime(next)
		j.CreatedAt, j.SubmittedAt, j.FinishedAt, j.UpdatedAt = rowTime(created), rowTime(submitted), rowTime(finished), rowTime(updated)
		return j, err
	})
	if err != nil {
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
	err := db.pool.QueryRow(ctx, `INSERT INTO validation_exports
		(tenant, actor, crm_instance, linkedin_id, status, linkedin_status, message, export_start_at,
		 next_poll_at, created_at, submitted_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $10) RETURNING id`,
		j.Tenant, j.Actor, j.CRMInstance, j.LinkedInID, j.Status, j.LinkedInStatus, j.Message,
		msTime(j.ExportStartAt), msTime(j.NextPollAt), msTime(j.CreatedAt), msTime(j.SubmittedAt)).Scan(&j.ID)
	if err != nil {
		return store.ValidationExport{}, fmt.Errorf("insert validation export for %s: %w", j.Tenant, err)
	}
	j.UpdatedAt = j.CreatedAt
	return j, nil
}

// UpdateValidationExport writes every mutable field of j by id. When j is
// completed with a NextExportStartAt, the tenant's cursor moves there in
// the same transaction, only ever forward (a conditional upsert, so two
// instances finishing jobs together cannot rewind it).
func (db *DB) UpdateValidationExport(ctx context.Context, j store.ValidationExport) error {
	urls, err := json.Marshal(orEmpty(j.DownloadURLs))
	if err != nil {
		return fmt.Errorf("update validation export %d: %w", j.ID, err)
	}
	return db.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE validation_exports SET
			status = $1, linkedin_status = $2, message = $3, export_end_at = $4, next_export_start_at = $5,
			download_urls = $6, url_expires_at = $7, polls = $8, next_poll_at = $9, finished_at = $10, updated_at = $11
			WHERE id = $12`,
			j.Status, j.LinkedInStatus, j.Message, msTime(j.ExportEndAt), msTime(j.NextExportStartAt),
			string(urls), msTime(j.URLExpiresAt), j.Polls, msTime(j.NextPollAt), msTime(j.FinishedAt),
			msTime(j.UpdatedAt), j.ID)
		if err != nil {
			return fmt.Errorf("update validation export %d: %w", j.ID, err)
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("update validation export %d: %w", j.ID, store.ErrNotFound)
		}
		if j.Status == store.JobCompleted && !j.NextExportStartAt.IsZero() {
			if _, err := tx.Exec(ctx, `INSERT INTO validation_cursors (tenant, next_export_start_at, updated_at)
				VALUES ($1, $2, $3)
				ON CONFLICT (tenant) DO UPDATE SET next_export_start_at = excluded.next_export_start_at, updated_at = excluded.updated_at
				WHERE excluded.next_export_start_at > validation_cursors.next_export_start_at`,
				j.Tenant, msTime(j.NextExportStartAt), msTime(j.UpdatedAt)); err != nil {
				return fmt.Errorf("update validation cursor of %s: %w", j.Tenant, err)
			}
		}
		return nil
	})
}

// ValidationCursor returns where the tenant's next "since last export"
// validation export starts, or store.ErrNotFound when no export completed yet.
func (db *DB) ValidationCursor(ctx context.Context, tenant string) (time.Time, error) {
	var ms int64
	err := db.pool.QueryRow(ctx, `SELECT next_export_start_at FROM validation_cursors WHERE tenant = $1`, tenant).Scan(&ms)
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, fmt.Errorf("validation cursor of %s: %w", tenant, store.ErrNotFound)
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("validation cursor of %s: %w", tenant, err)
	}
	return rowTime(ms), nil
}

// ValidationExportByID returns the tenant's job, or store.ErrNotFound.
func (db *DB) ValidationExportByID(ctx context.Context, tenant string, id int64) (store.ValidationExport, error) {
	rows, err := db.queryValidation(ctx, `WHERE tenant = $1 AND id = $2`, tenant, id)
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
	return db.queryValidation(ctx, `WHERE tenant = $1 ORDER BY id DESC LIMIT $2`, tenant, limit)
}

// ValidationExportsWithStatus returns every job with this status, oldest
// first.
func (db *DB) ValidationExportsWithStatus(ctx context.Context, status string) ([]store.ValidationExport, error) {
	return db.queryValidation(ctx, `WHERE status = $1 ORDER BY id`, status)
}

func (db *DB) queryValidation(ctx context.Context, where string, args ...any) ([]store.ValidationExport, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+validationColumns+` FROM validation_exports `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("query validation exports: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.ValidationExport, error) {
		var j store.ValidationExport
		var urls string
		var start, end, nextStart, urlExp, next, created, submitted, finished, updated int64
		if err := r.Scan(&j.ID, &j.Tenant, &j.Actor, &j.CRMInstance, &j.LinkedInID, &j.Status, &j.LinkedInStatus,
			&j.Message, &start, &end, &nextStart, &urls, &urlExp, &j.Polls, &next,
			&created, &submitted, &finished, &updated); err != nil {
			return j, err
		}
		if err := json.Unmarshal([]byte(urls), &j.DownloadURLs); err != nil {
			return j, fmt.Errorf("job %d: download urls: %w", j.ID, err)
		}
		j.ExportStartAt, j.ExportEndAt, j.NextExportStartAt = rowTime(start), rowTime(end), rowTime(nextStart)
		j.URLExpiresAt, j.NextPollAt = rowTime(urlExp), rowTime(next)
		j.CreatedAt, j.SubmittedAt, j.FinishedAt, j.UpdatedAt = rowTime(created), rowTime(submitted), rowTime(finished), rowTime(updated)
		return j, nil
	})
	if err != nil {
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
