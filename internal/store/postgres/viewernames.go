package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/snapbridge/snapbridge/internal/store"
)

// RememberViewerName stores name as the viewer's display name in the
// tenant; an empty name is ignored.
func (db *DB) RememberViewerName(ctx context.Context, tenant, viewer, name string, at time.Time) error {
	if name == "" {
		return nil
	}
	_, err := db.pool.Exec(ctx, `INSERT INTO viewer_names (tenant, viewer, name, seen_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (tenant, viewer) DO UPDATE SET name = excluded.name, seen_at = excluded.seen_at`,
		tenant, viewer, store.CutViewerName(name), msTime(at))
	if err != nil {
		return fmt.Errorf("remember the name of %s/%s: %w", tenant, viewer, err)
	}
	return nil
}

// ViewerNames returns the names known for those of ids that have one.
func (db *DB) ViewerNames(ctx context.Context, tenant string, ids []string) (map[string]string, error) {
	out := map[string]string{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := db.pool.Query(ctx, `SELECT viewer, name FROM viewer_names WHERE tenant = $1 AND viewer = ANY($2)`, tenant, ids)
	if err != nil {
		return nil, fmt.Errorf("viewer names of %s: %w", tenant, err)
	}
	defer rows.Close()
	for rows.Next() {
		var viewer, name string
		if err := rows.Scan(&viewer, &name); err != nil {
			return nil, fmt.Errorf("viewer names of %s: %w", tenant, err)
		}
		out[viewer] = name
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("viewer names of %s: %w", tenant, err)
	}
	return out, nil
}
