package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/snapbridge/snapbridge/internal/store"
)

// Ready reports whether the database can serve: a write goes through and
// a read answers. The write rewrites the one row of the readiness table,
// so probing does not grow the database. A server that refuses writes (a
// standby, default_transaction_read_only) gives store.ErrReadOnly.
func (db *DB) Ready(ctx context.Context) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO readiness (id, probes, checked_at)
		VALUES (1, 1, (extract(epoch FROM now()) * 1000)::bigint)
		ON CONFLICT (id) DO UPDATE SET probes = readiness.probes + 1, checked_at = excluded.checked_at`)
	var pe *pgconn.PgError
	switch {
	case errors.As(err, &pe) && pe.Code == "25006": // read_only_sql_transaction
		return fmt.Errorf("%w: %v", store.ErrReadOnly, err)
	case err != nil:
		return fmt.Errorf("write the readiness heartbeat: %w", err)
	}
	var one int
	if err := db.pool.QueryRow(ctx, `SELECT 1`).Scan(&one); err != nil {
		return fmt.Errorf("read from the database: %w", err)
	}
	return nil
}
