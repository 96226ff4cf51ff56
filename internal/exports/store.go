package exports

import "github.com/snapbridge/snapbridge/internal/store"

// Store is the part of the database exports need: both kinds of export
// job, and the leases that let one instance of many poll a job and submit
// the next one. Every store.Store satisfies it.
type Store interface {
	store.AnalyticsExports
	store.ValidationExports
	store.Leases
}
