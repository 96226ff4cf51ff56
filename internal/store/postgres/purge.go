package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/snapbridge/snapbridge/internal/store"
)

// purgeChunk is how many rows one purge statement deletes at most, so a
// pass never holds many row locks for long.
const purgeChunk = 500

// PurgeExpired deletes every one-time value, context id and host grant
// that has expired at now, at most 500 rows per statement. Rows another instance's
// purge has locked are skipped (SKIP LOCKED): that purge removes them.
func (db *DB) PurgeExpired(ctx context.Context, now time.Time) (store.Purged, error) {
	var p store.Purged
	var err error
	if p.OneTime, err = db.purgeChunks(ctx,
		`DELETE FROM oauth_states WHERE (kind, id_hash) IN
			(SELECT kind, id_hash FROM oauth_states WHERE expires_at <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`,
		now.UnixMilli()); err != nil {
		return p, fmt.Errorf("purge expired one-time values: %w", err)
	}
	if p.ContextIDs, err = db.purgeChunks(ctx,
		`DELETE FROM used_jtis WHERE (tenant, jti) IN
			(SELECT tenant, jti FROM used_jtis WHERE expires_at <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`,
		now.Unix()); err != nil {
		return p, fmt.Errorf("purge expired context ids: %w", err)
	}
	if p.HostGrants, err = db.purgeChunks(ctx,
		`DELETE FROM host_grants WHERE (tenant, handle_hash) IN
			(SELECT tenant, handle_hash FROM host_grants WHERE expires_at <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`,
		now.UnixMilli()); err != nil {
		return p, fmt.Errorf("purge expired host grants: %w", err)
	}
	return p, nil
}

// purgeChunks runs the chunked delete until a chunk comes back short, and
// returns how many rows went.
func (db *DB) purgeChunks(ctx context.Context, query string, cutoff int64) (int64, error) {
	var total int64
	for {
		tag, err := db.pool.Exec(ctx, query, cutoff, purgeChunk)
		if err != nil {
			return total, err
		}
		n := tag.RowsAffected()
		total += n
		if n < purgeChunk {
			return total, nil
		}
	}
}
