package exports

import "github.com/snapbridge/snapbridge/internal/store"

// Store is the part of the database exports need: both kinds of export
// job. Every store.Store satisfies it.
type Store interface {
	store.AnalyticsExports
	store.ValidationExports
}
