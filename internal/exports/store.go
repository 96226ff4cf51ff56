package exports

import (
	"context"
	"time"

	"github.com/snapbridge/snapbridge/internal/store"
)

// Store is the part of the database exports need; *store.DB satisfies it.
type Store interface {
	InsertAnalyticsExport(ctx context.Context, j store.AnalyticsExport) (store.AnalyticsExport, error)
	UpdateAnalyticsExport(ctx context.Context, j store.AnalyticsExport) error
	AnalyticsExportByID(ctx context.Context, tenant string, id int64) (store.AnalyticsExport, error)
	AnalyticsExports(ctx context.Context, tenant string, limit int) ([]store.AnalyticsExport, error)
	AnalyticsExportsWithStatus(ctx context.Context, status string) ([]store.AnalyticsExport, error)
	AnalyticsExportRunning(ctx context.Context, tenant, contract, action string) (bool, error)

	InsertValidationExport(ctx context.Context, j store.ValidationExport) (store.ValidationExport, error)
	UpdateValidationExport(ctx context.Context, j store.ValidationExport) error
	ValidationExportByID(ctx context.Context, tenant string, id int64) (store.ValidationExport, error)
	ValidationExports(ctx context.Context, tenant string, limit int) ([]store.ValidationExport, error)
	ValidationExportsWithStatus(ctx context.Context, status string) ([]store.ValidationExport, error)
	ValidationCursor(ctx context.Context, tenant string) (time.Time, error)
}
