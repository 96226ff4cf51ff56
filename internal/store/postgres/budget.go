package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/snapbridge/snapbridge/internal/store"
)

// ReserveLookups counts recordIDs against the tenant's budget of unique
// upstream look-ups for day (UTC, store.DayLayout); see
// store.LookupBudget. Reservations of one tenant's day run one after the
// other: each transaction first locks that day's row of
// lookup_budget_forced, so concurrent reservations from any connection
// or instance never count more than limit.
func (db *DB) ReserveLookups(ctx context.Context, tenant, day string, recordIDs []string, limit int) (allowed []string, used int, err error) {
	allowed, used, err = db.reserveLookups(ctx, tenant, day, recordIDs, limit, false)
	if err != nil {
		return nil, 0, fmt.Errorf("reserve lookups: %w", err)
	}
	return allowed, used, nil
}

// ReserveForcedLookups is ReserveLookups for forced refreshes: each id
// counts one more look-up while fewer than limit are counted, even when
// the record was already counted that day.
func (db *DB) ReserveForcedLookups(ctx context.Context, tenant, day string, recordIDs []string, limit int) (allowed []string, used int, err error) {
	allowed, used, err = db.reserveLookups(ctx, tenant, day, recordIDs, limit, true)
	if err != nil {
		return nil, 0, fmt.Errorf("reserve forced lookups: %w", err)
	}
	return allowed, used, nil
}

func (db *DB) reserveLookups(ctx context.Context, tenant, day string, recordIDs []string, limit int, forced bool) (allowed []string, used int, err error) {
	if err := store.CheckReservation(tenant, day, recordIDs, limit); err != nil {
		return nil, 0, err
	}
	unique := make([]string, 0, len(recordIDs))
	seen := make(map[string]bool, len(recordIDs))
	for _, id := range recordIDs {
		if !seen[id] {
			seen[id] = true
			unique = append(unique, id)
		}
	}
	err = db.inTx(ctx, func(tx pgx.Tx) error {
		allowed, used = nil, 0
		// The day's row is the lock: an upsert that changes nothing still
		// locks the row until commit, and a concurrent first reservation
		// of the day waits for this one's insert.
		var forcedCount int
		if err := tx.QueryRow(ctx, `INSERT INTO lookup_budget_forced (tenant, day, lookups) VALUES ($1, $2, 0)
			ON CONFLICT (tenant, day) DO UPDATE SET lookups = lookup_budget_forced.lookups
			RETURNING lookups`, tenant, day).Scan(&forcedCount); err != nil {
			return fmt.Errorf("lock the day: %w", err)
		}
		var dayCount int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM lookup_budget WHERE tenant = $1 AND day = $2`,
			tenant, day).Scan(&dayCount); err != nil {
			return fmt.Errorf("count the day: %w", err)
		}
		rows, err := tx.Query(ctx, `SELECT record_id FROM lookup_budget
			WHERE tenant = $1 AND day = $2 AND record_id = ANY($3::text[])`, tenant, day, unique)
		if err != nil {
			return fmt.Errorf("check records: %w", err)
		}
		counted, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return fmt.Errorf("check records: %w", err)
		}
		used = dayCount + forcedCount
		if used == 0 {
			for _, table := range []string{"lookup_budget", "lookup_budget_forced"} {
				if _, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE tenant = $1 AND day < $2`, tenant, day); err != nil {
					return fmt.Errorf("purge old days: %w", err)
				}
			}
		}
		already := make(map[string]bool, len(counted))
		for _, id := range counted {
			already[id] = true
		}
		var fresh []string
		extraForced := 0
		for _, id := range unique {
			switch {
			case already[id] && !forced:
			case used >= limit:
				continue
			case already[id]:
				extraForced++
				used++
			default:
				fresh = append(fresh, id)
				used++
			}
			allowed = append(allowed, id)
		}
		if len(fresh) > 0 {
			if _, err := tx.Exec(ctx, `INSERT INTO lookup_budget (tenant, day, record_id)
				SELECT $1, $2, unnest($3::text[])`, tenant, day, fresh); err != nil {
				return fmt.Errorf("count new records: %w", err)
			}
		}
		if extraForced > 0 {
			if _, err := tx.Exec(ctx, `UPDATE lookup_budget_forced SET lookups = lookups + $3
				WHERE tenant = $1 AND day = $2`, tenant, day, extraForced); err != nil {
				return fmt.Errorf("count forced refreshes: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	return allowed, used, nil
}

// LookupsUsed returns how many upstream look-ups the tenant has counted on
// day (UTC, store.DayLayout).
func (db *DB) LookupsUsed(ctx context.Context, tenant, day string) (int, error) {
	if err := store.CheckBudgetKey(tenant, day); err != nil {
		return 0, fmt.Errorf("lookups used: %w", err)
	}
	var n int
	if err := db.pool.QueryRow(ctx,
		`SELECT (SELECT COUNT(*) FROM lookup_budget WHERE tenant = $1 AND day = $2)
		      + COALESCE((SELECT lookups FROM lookup_budget_forced WHERE tenant = $1 AND day = $2), 0)`,
		tenant, day).Scan(&n); err != nil {
		return 0, fmt.Errorf("lookups used: count %s on %s: %w", tenant, day, err)
	}
	return n, nil
}
