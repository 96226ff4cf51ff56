package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/snapbridge/snapbridge/internal/store"
)

// ReserveLookups counts recordIDs against the tenant's budget of unique
// upstream look-ups for day (UTC, store.DayLayout). In one transaction it allows
// every id already counted that day at no cost and counts new ids while fewer
// than limit are counted; ids beyond the limit are left out of allowed.
// Duplicate ids are reserved once. It returns the allowed ids in input order
// and how many ids the day counts afterwards.
//
// The first reservation of a tenant's day purges that tenant's older days,
// so the table holds about one day per tenant.
func (db *DB) ReserveLookups(ctx context.Context, tenant, day string, recordIDs []string, limit int) (allowed []string, used int, err error) {
	allowed, used, err = db.reserveLookups(ctx, tenant, day, recordIDs, limit, false)
	if err != nil {
		return nil, 0, fmt.Errorf("reserve lookups: %w", err)
	}
	return allowed, used, nil
}

// ReserveForcedLookups is ReserveLookups for forced refreshes: each id is a
// new LinkedIn call, so it counts one more look-up while fewer than limit
// are counted, even when the record was already counted that day. An id
// counted for the first time also makes later unforced look-ups of it that
// day free, as ReserveLookups would.
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
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return nil, 0, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit

	used, err = countLookups(ctx, tx, tenant, day)
	if err != nil {
		return nil, 0, err
	}
	if used == 0 {
		for _, table := range []string{"lookup_budget", "lookup_budget_forced"} {
			if _, err := tx.ExecContext(ctx,
				`DELETE FROM `+table+` WHERE tenant = ? AND day < ?`, tenant, day); err != nil {
				return nil, 0, fmt.Errorf("purge old days: %w", err)
			}
		}
	}

	seen := make(map[string]bool, len(recordIDs))
	for _, id := range recordIDs {
		if seen[id] {
			continue
		}
		seen[id] = true
		var counted bool
		if err := tx.QueryRowContext(ctx,
			`SELECT EXISTS (SELECT 1 FROM lookup_budget WHERE tenant = ? AND day = ? AND record_id = ?)`,
			tenant, day, id).Scan(&counted); err != nil {
			return nil, 0, fmt.Errorf("check %q: %w", id, err)
		}
		switch {
		case counted && !forced:
		case used >= limit:
			continue
		case counted:
			if _, err := tx.ExecContext(ctx,
				`INSERT INTO lookup_budget_forced (tenant, day, lookups) VALUES (?, ?, 1)
				 ON CONFLICT (tenant, day) DO UPDATE SET lookups = lookups + 1`,
				tenant, day); err != nil {
				return nil, 0, fmt.Errorf("count forced %q: %w", id, err)
			}
			used++
		default:
			if _, err := tx.ExecContext(ctx,
				`INSERT INTO lookup_budget (tenant, day, record_id) VALUES (?, ?, ?)`,
				tenant, day, id); err != nil {
				return nil, 0, fmt.Errorf("count %q: %w", id, err)
			}
			used++
		}
		allowed = append(allowed, id)
	}
	if err := tx.Commit(); err != nil {
		return nil, 0, fmt.Errorf("commit: %w", err)
	}
	return allowed, used, nil
}

// LookupsUsed returns how many upstream look-ups the tenant has counted on
// day (UTC, store.DayLayout): each record once, plus every forced refresh of a
// record already counted.
func (db *DB) LookupsUsed(ctx context.Context, tenant, day string) (int, error) {
	if err := store.CheckBudgetKey(tenant, day); err != nil {
		return 0, fmt.Errorf("lookups used: %w", err)
	}
	n, err := countLookups(ctx, db.sql, tenant, day)
	if err != nil {
		return 0, fmt.Errorf("lookups used: %w", err)
	}
	return n, nil
}

// budgetQueryer is what countLookups needs from a *sql.DB or a *sql.Tx.
type budgetQueryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func countLookups(ctx context.Context, q budgetQueryer, tenant, day string) (int, error) {
	var n int
	if err := q.QueryRowContext(ctx,
		`SELECT (SELECT COUNT(*) FROM lookup_budget WHERE tenant = ? AND day = ?)
		      + COALESCE((SELECT lookups FROM lookup_budget_forced WHERE tenant = ? AND day = ?), 0)`,
		tenant, day, tenant, day).Scan(&n); err != nil {
		return 0, fmt.Errorf("count %s on %s: %w", tenant, day, err)
	}
	return n, nil
}
