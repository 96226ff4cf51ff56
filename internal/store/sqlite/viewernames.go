package sqlite

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/snapbridge/snapbridge/internal/store"
)

// RememberViewerName stores name as the viewer's display name in the
// tenant; an empty name is ignored.
func (db *DB) RememberViewerName(ctx context.Context, tenant, viewer, name string, at time.Time) error {
	if name == "" {
		return nil
	}
	_, err := db.sql.ExecContext(ctx, `INSERT INTO viewer_names (tenant, viewer, name, seen_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (tenant, viewer) DO UPDATE SET name = excluded.name, seen_at = excluded.seen_at`,
		tenant, viewer, store.CutViewerName(name), tokenTime(at))
	if err != nil {
		return fmt.Errorf("remember the name of %s/%s: %w", tenant, viewer, err)
	}
	return nil
}

// viewerNamesBatch bounds the ids of one query (SQLite limits its
// parameters).
const viewerNamesBatch = 500

// ViewerNames returns the names known for those of ids that have one.
func (db *DB) ViewerNames(ctx context.Context, tenant string, ids []string) (map[string]string, error) {
	out := map[string]string{}
	for len(ids) > 0 {
		batch := ids[:min(len(ids), viewerNamesBatch)]
		ids = ids[len(batch):]
		args := []any{tenant}
		for _, id := range batch {
			args = append(args, id)
		}
		rows, err := db.sql.QueryContext(ctx, `SELECT viewer, name FROM viewer_names WHERE tenant = ? AND viewer IN (?`+
			strings.Repeat(", ?", len(batch)-1)+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("viewer names of %s: %w", tenant, err)
		}
		for rows.Next() {
			var viewer, name string
			if err := rows.Scan(&viewer, &name); err != nil {
				rows.Close()
				return nil, fmt.Errorf("viewer names of %s: %w", tenant, err)
			}
			out[viewer] = name
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("viewer names of %s: %w", tenant, err)
		}
	}
	return out, nil
}
