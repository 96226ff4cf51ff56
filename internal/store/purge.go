package store

import (
	"context"
	"io"
	"log/slog"
	"time"
)

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
	// HostGrants is the number of expired kept CRM sign-ins (HostGrants).
	HostGrants int64
}

// ExpiredPurger removes rows nobody can use any more.
type ExpiredPurger interface {
	// PurgeExpired deletes every one-time value, context id and host grant that
	// has expired at now, in small chunks so that it never holds the
	// database for long. A value that expires during the pass is left
	// for the next one.
	PurgeExpired(ctx context.Context, now time.Time) (Purged, error)
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

// RunPurger runs s.PurgeExpired at once and then every p.Interval until
// ctx ends, and returns nil then. A failed pass is logged and the next one
// tries again: expired rows are refused when used, so a late purge only
// costs disk space.
func RunPurger(ctx context.Context, s ExpiredPurger, p Purger) error {
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
		purged, err := s.PurgeExpired(ctx, p.Now())
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			p.Logger.WarnContext(ctx, "purge expired rows", "err", err.Error())
		default:
			if purged.OneTime+purged.ContextIDs+purged.HostGrants > 0 {
				p.Logger.DebugContext(ctx, "purged expired rows", "oneTime", purged.OneTime, "contextIds", purged.ContextIDs,
					"hostGrants", purged.HostGrants)
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
