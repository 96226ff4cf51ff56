// Package storecopy moves a single-machine deployment into PostgreSQL:
// every table of a SQLite store copied into an empty PostgreSQL store,
// rows as they are (secrets stay sealed: the copy never opens them), and
// the row counts of both compared per table.
package storecopy

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/snapbridge/snapbridge/internal/store/postgres"
	"github.com/snapbridge/snapbridge/internal/store/sqlite"
)

// Table is how many rows one table held in the source and holds in the
// target after the copy; they are equal when Copy succeeds.
type Table struct {
	Name           string
	Source, Target int64
}

// column kinds, where SQLite's dynamic types meet PostgreSQL's.
const (
	kindInt   = iota // INTEGER → BIGINT
	kindText         // TEXT → TEXT
	kindBytes        // BLOB → BYTEA
	kindBool         // INTEGER 0/1 → BOOLEAN
)

type column struct {
	name   string // in PostgreSQL
	source string // expression in SQLite
	kind   int
}

type table struct {
	name    string
	columns []column
	// identity names the id column whose sequence continues after the
	// copied ids; "" when the table has none.
	identity string
}

// cols reads "name:kind" specs: kind i (integer), t (text), b (bytes),
// o (boolean); "pg=sqlite:kind" reads another SQLite expression.
func cols(specs ...string) []column {
	out := make([]column, 0, len(specs))
	for _, s := range specs {
		name, kind, _ := strings.Cut(s, ":")
		source := name
		if pg, src, ok := strings.Cut(name, "="); ok {
			name, source = pg, src
		}
		k := map[string]int{"i": kindInt, "t": kindText, "b": kindBytes, "o": kindBool}[kind]
		out = append(out, column{name: name, source: source, kind: k})
	}
	return out
}

// tables is every table that holds state (the readiness heartbeat,
// schema_migrations and the leases of running instances are each store's
// own).
var tables = []table{
	{name: "tenants", columns: cols("id:t", "config:b", "key_id:t", "sealed:b", "created_at:i", "updated_at:i", "revision:i")},
	{name: "api_keys", columns: cols("id:t", "tenant:t", "name:t", "secret_hash:b", "created_by:t", "created_at:i", "last_used_at:i", "revoked_at:i")},
	{name: "member_tokens", columns: cols("tenant:t", "viewer:t", "key_id:t", "sealed:b", "expires_at:i", "refresh_expires_at:i", "status:t", "updated_at:i")},
	{name: "oauth_states", columns: cols("kind:t", "id_hash:t", "tenant:t", "viewer:t", "session_id:t", "payload:b", "expires_at:i")},
	{name: "used_jtis", columns: cols("tenant:t", "jti:t", "expires_at:i", "records:b")},
	{name: "lookup_budget", columns: cols("tenant:t", "day:t", "record_id:t")},
	{name: "lookup_budget_forced", columns: cols("tenant:t", "day:t", "lookups:i")},
	{name: "viewer_names", columns: cols("tenant:t", "viewer:t", "name:t", "seen_at:i")},
	{name: "host_grants", columns: cols("tenant:t", "handle_hash:t", "subject:t", "key_id:t", "sealed:b", "expires_at:i", "updated_at:i")},
	{name: "audit_log", identity: "id", columns: cols("id:i", "tenant:t", "actor:t", "action:t", "detail:t", "at:i")},
	{name: "analytics_exports", identity: "id", columns: cols("id:i", "tenant:t", "viewer:t", "actor:t", "contract:t", "action:t",
		"start_at:i", "end_at:i", "status:t", "linkedin_status:t", "message:t", "linkedin_id:i", "row_count:i", "download_url:t",
		"url_expires_at:i", "polls:i", "next_poll_at:i", "created_at:i", "submitted_at:i", "finished_at:i", "updated_at:i")},
	{name: "validation_exports", identity: "id", columns: cols("id:i", "tenant:t", "actor:t", "crm_instance:t", "linkedin_id:i",
		"status:t", "linkedin_status:t", "message:t", "export_start_at:i", "export_end_at:i", "next_export_start_at:i",
		"download_urls:t", "url_expires_at:i", "polls:i", "next_poll_at:i", "created_at:i", "submitted_at:i", "finished_at:i", "updated_at:i")},
	{name: "validation_cursors", columns: cols("tenant:t", "next_export_start_at:i", "updated_at:i")},
	{name: "compliance_viewers", columns: cols("tenant:t", "viewer:t", "member:t", "developer_application:t", "status:t",
		"opted_in_at:i", "regulated_at:i", "cursor:i", "last_sync_at:i", "last_attempt_at:i", "last_error:t", "last_check_at:i", "status_changed_at:i")},
	{name: "compliance_events", columns: cols("tenant:t", "viewer:t", "id:t", "processed_at:i", "raw:b", "archived_at:i")},
	{name: "compliance_runs", identity: "id", columns: cols("id=rowid:i", "tenant:t", "viewer:t", "at:i", "ok:o", "error:t", "fetched:i", "archived:i")},
}

// ErrTargetNotEmpty refuses a copy into a PostgreSQL database that already
// holds snapbridge rows: merging two deployments is not a copy.
var ErrTargetNotEmpty = errors.New("the PostgreSQL database already holds snapbridge data; copy into an empty one")

// Copy copies every table of the SQLite store at sqlitePath into the
// PostgreSQL store at pgURL. Both are first migrated to this snapbridge's
// schema. The target must be empty (ErrTargetNotEmpty). The whole copy is
// one PostgreSQL transaction, read from one SQLite snapshot, and commits
// only when every table's count in the target equals the source's. It
// returns the counts per table.
func Copy(ctx context.Context, sqlitePath, pgURL string) ([]Table, error) {
	if _, _, err := sqlite.Migrate(ctx, sqlitePath); err != nil {
		return nil, fmt.Errorf("source %s: %w", sqlitePath, err)
	}
	dst, err := postgres.Open(ctx, pgURL)
	if err != nil {
		return nil, fmt.Errorf("target: %w", err)
	}
	defer dst.Close()
	if sv, pv := sqlite.LatestVersion(), postgres.LatestVersion(); sv != pv {
		return nil, fmt.Errorf("this snapbridge's SQLite schema (%d) and PostgreSQL schema (%d) differ; use a snapbridge whose versions match", sv, pv)
	}
	src, err := sql.Open("sqlite", "file:"+sqlitePath+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		return nil, fmt.Errorf("source %s: %w", sqlitePath, err)
	}
	defer src.Close()
	rtx, err := src.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("source %s: %w", sqlitePath, err)
	}
	defer rtx.Rollback() //nolint:errcheck // read-only

	wtx, err := dst.Pool().Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("target: %w", err)
	}
	defer wtx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	for _, t := range tables {
		// Nobody else may write while the copy runs.
		if _, err := wtx.Exec(ctx, `LOCK TABLE `+t.name+` IN EXCLUSIVE MODE`); err != nil {
			return nil, fmt.Errorf("target: lock %s: %w", t.name, err)
		}
		var n int64
		if err := wtx.QueryRow(ctx, `SELECT COUNT(*) FROM `+t.name).Scan(&n); err != nil {
			return nil, fmt.Errorf("target: count %s: %w", t.name, err)
		}
		if n > 0 {
			return nil, fmt.Errorf("%w (%s holds %d rows)", ErrTargetNotEmpty, t.name, n)
		}
	}
	out := make([]Table, 0, len(tables))
	for _, t := range tables {
		counts, err := copyTable(ctx, rtx, wtx, t)
		if err != nil {
			return nil, fmt.Errorf("copy %s: %w", t.name, err)
		}
		if counts.Source != counts.Target {
			return nil, fmt.Errorf("copy %s: the source holds %d rows, the target %d; nothing was copied", t.name, counts.Source, counts.Target)
		}
		out = append(out, counts)
	}
	if err := wtx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("target: commit: %w", err)
	}
	return out, nil
}

func copyTable(ctx context.Context, src *sql.Tx, dst pgx.Tx, t table) (Table, error) {
	counts := Table{Name: t.name}
	if err := src.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+t.name).Scan(&counts.Source); err != nil {
		return counts, fmt.Errorf("source: count: %w", err)
	}
	names, sources := make([]string, len(t.columns)), make([]string, len(t.columns))
	for i, c := range t.columns {
		names[i], sources[i] = c.name, c.source
	}
	rows, err := src.QueryContext(ctx, `SELECT `+strings.Join(sources, ", ")+` FROM `+t.name)
	if err != nil {
		return counts, fmt.Errorf("source: read: %w", err)
	}
	defer rows.Close()
	raw := make([]any, len(t.columns))
	ptrs := make([]any, len(t.columns))
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	var convErr error
	next := func() ([]any, error) {
		if !rows.Next() {
			return nil, rows.Err()
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		vals := make([]any, len(t.columns))
		for i, c := range t.columns {
			if vals[i], convErr = convert(raw[i], c.kind); convErr != nil {
				return nil, fmt.Errorf("column %s: %w", c.name, convErr)
			}
		}
		return vals, nil
	}
	copied, err := dst.CopyFrom(ctx, pgx.Identifier{t.name}, names, pgx.CopyFromFunc(next))
	if err != nil {
		return counts, fmt.Errorf("target: write: %w", err)
	}
	if err := dst.QueryRow(ctx, `SELECT COUNT(*) FROM `+t.name).Scan(&counts.Target); err != nil {
		return counts, fmt.Errorf("target: count: %w", err)
	}
	if copied != counts.Target {
		return counts, fmt.Errorf("target: wrote %d rows, counts %d", copied, counts.Target)
	}
	if t.identity != "" {
		// New rows continue after the copied ids.
		if _, err := dst.Exec(ctx, `SELECT setval(pg_get_serial_sequence($1, $2), GREATEST(MAX(`+t.identity+`), 1), MAX(`+t.identity+`) IS NOT NULL) FROM `+t.name,
			t.name, t.identity); err != nil {
			return counts, fmt.Errorf("target: continue the ids: %w", err)
		}
	}
	return counts, nil
}

// convert turns one SQLite value into what the PostgreSQL column takes.
// SQLite stores what it was given; NOT NULL columns never hold NULL.
func convert(v any, kind int) (any, error) {
	switch kind {
	case kindBytes:
		switch x := v.(type) {
		case []byte:
			if x == nil {
				return []byte{}, nil
			}
			return x, nil
		case string:
			return []byte(x), nil
		case nil:
			return []byte{}, nil
		}
	case kindText:
		switch x := v.(type) {
		case string:
			return x, nil
		case []byte:
			return string(x), nil
		}
	case kindInt:
		if x, ok := v.(int64); ok {
			return x, nil
		}
	case kindBool:
		if x, ok := v.(int64); ok {
			return x != 0, nil
		}
		if x, ok := v.(bool); ok {
			return x, nil
		}
	}
	return nil, fmt.Errorf("unexpected value of type %T", v)
}
