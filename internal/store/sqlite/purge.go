package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/snapbridge/snapbridge/internal/store"
)

// purgeChunk is how many rows one purge statement deletes at most: the
// database has one connection, so a request waits for one small delete,
// never for the whole backlog.
const purgeChunk = 500

// PurgeExpired deletes every one-time value, context id and host grant
// that has expired at now, at most 500 rows per statement so that it never holds
// the database for long. A value that expires during the pass is left for
// the next one.
func (db *DB) PurgeExpired(ctx context.Context, now time.Time) (store.Purged, error) {
	var p store.Purged
	var err error
	if p.OneTime, err = db.purgeChunks(ctx,
		`DELETE FROM oauth_states WHERE rowid IN
			(SELECT rowid FROM oauth_states WHERE expires_at <= ? LIMIT ?)`, now.UnixMilli()); err != nil {
		return p, fmt.Errorf("purge expired one-time values: %w", err)
	}
	if p.ContextIDs, err = db.purgeChunks(ctx,
		`DELETE FROM used_jtis WHERE rowid IN
			(SELECT rowid FROM used_jtis WHERE expires_at <= ? LIMIT ?)`, now.Unix()); err != nil {
		return p, fmt.Errorf("purge expired context ids: %w", err)
	}
	if p.HostGrants, err = db.purgeChunks(ctx,
		`DELETE FROM host_grants WHERE rowid IN
			(SELECT rowid FROM host_grants WHERE expires_at <= ? LIMIT ?)`, now.UnixMilli()); err != nil {
		return p, fmt.Errorf("purge expired host grants: %w", err)
	}
	return p, nil
}

// purgeChunks runs the chunked delete query until a chunk comes back
// short, and returns how many rows went.
func (db *DB) purgeChunks(ctx context.Context, query string, cutoff int64) (int64, error) {
	var total int64
	for {
		res, err := db.sql.ExecContext(ctx, query, cutoff, purgeChunk)
		if err != nil {
			return total, err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, err
		}
		total += n
		if n < purgeChunk {
			return total, nil
		}
	}
}
