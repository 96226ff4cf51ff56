package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// DayLayout is how budget days are written: the UTC calendar day, e.g.
// "2006-01-02".
const DayLayout = "2006-01-02"

// LookupBudget counts upstream look-ups per tenant and UTC day: each
// record once a day, and each forced refresh again.
type LookupBudget interface {
	// ReserveLookups counts recordIDs against the tenant's budget of
	// unique upstream look-ups for day (UTC, DayLayout). At once it allows
	// every id already counted that day at no cost and counts new ids
	// while fewer than limit are counted; ids beyond the limit are left
	// out of allowed. Duplicate ids are reserved once. It returns the
	// allowed ids in input order and how many ids the day counts
	// afterwards. Concurrent reservations never count more than limit.
	// The first reservation of a tenant's day purges that tenant's older
	// days.
	ReserveLookups(ctx context.Context, tenant, day string, recordIDs []string, limit int) (allowed []string, used int, err error)
	// ReserveForcedLookups is ReserveLookups for forced refreshes: each id
	// is a new LinkedIn call, so it counts one more look-up while fewer
	// than limit are counted, even when the record was already counted
	// that day. An id counted for the first time also makes later
	// unforced look-ups of it that day free, as ReserveLookups would.
	ReserveForcedLookups(ctx context.Context, tenant, day string, recordIDs []string, limit int) (allowed []string, used int, err error)
	// LookupsUsed returns how many upstream look-ups the tenant has
	// counted on day (UTC, DayLayout): each record once, plus every forced
	// refresh of a record already counted.
	LookupsUsed(ctx context.Context, tenant, day string) (int, error)
}

// CheckBudgetKey refuses an empty tenant and a day that is not written as
// DayLayout; days compare as strings when old ones are purged, so only the
// canonical form is accepted. Implementations call it before any work.
func CheckBudgetKey(tenant, day string) error {
	if tenant == "" {
		return errors.New("empty tenant")
	}
	d, err := time.Parse(DayLayout, day)
	if err != nil || d.Format(DayLayout) != day {
		return fmt.Errorf("day %q is not a date written as %s", day, DayLayout)
	}
	return nil
}
