package store

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"
)

// purgeChunk is how many rows one purge statement deletes at most: the
// database has one connection, so a request waits for one small delete,
// never for the whole backlog.
const purgeChunk = 500

// DefaultPurgeInterval is the time between purge passes when Purger sets
// none.
const DefaultPurgeInterval = time.Minute

// Purged counts what one purge pass removed.
type Purged struct {
	// OneTime is the number of expired one-time values: connect handles,
	// OAuth states and confirmation codes.
	OneTime int64
	// ContextIDs is the number of expired host context ids (RememberJTI).
	ContextIDs int64
}

// PurgeExpired deletes every one-time value and every context id that has
// expired at now, at most 500 rows per statement so that it never holds
// the database for long. A value that expires during the pass is left for
// the next one.
func (db *DB) PurgeExpired(ctx context.Context, now time.Time) (Purged, error) {
	var p Purged
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

// Purger tunes RunPurger.
type Purger struct {
	// Interval is the time between passes. Default: DefaultPurgeInterval (1m).
	Interval time.Duration
	// Now is the clock that decides what has expired. Default: time.Now.
	Now func() time.Time
	// AfterPass, when set, is called after every successful pass with what
	// it removed. Default: nil.
	AfterPass func(Purged)
	// Logger receives failed passes (warn) and non-empty ones (debug).
	// Default: no logging.
	Logger *slog.Logger
}

// RunPurger runs PurgeExpired at once and then every p.Interval until ctx
// ends, and returns nil then. A failed pass is logged and the next one
// tries again: expired rows are refused when used, so a late purge only
// costs disk space.
func (db *DB) RunPurger(ctx context.Context, p Purger) error {
	if p.Interval <= 0 {
		p.Interval = DefaultPurgeInterval
	}
	if p.Now == nil {
		p.Now = time.Now
	}
	if p.Logger == nil {
		p.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	tick := time.NewTicker(p.Interval)
	defer tick.Stop()
	for {
		purged, err := db.PurgeExpired(ctx, p.Now())
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			p.Logger.WarnContext(ctx, "purge expired rows", "err", err.Error())
		default:
			if purged.OneTime+purged.ContextIDs > 0 {
				p.Logger.DebugContext(ctx, "purged expired rows", "oneTime", purged.OneTime, "contextIds", purged.ContextIDs)
			}
			if p.AfterPass != nil {
				p.AfterPass(purged)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}
