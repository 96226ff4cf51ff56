package config

import (
	"time"

	"github.com/snapbridge/snapbridge/internal/store"
)

// Purge tunes the background removal of expired one-time values (connect
// links, OAuth states, confirmation codes) and used host context ids.
type Purge struct {
	// Interval is the time between purge passes; the first runs at start.
	// Each pass deletes in chunks of 500 rows. Default: 1m.
	Interval time.Duration `yaml:"interval"`
	// Now is the clock that decides what has expired. Default: time.Now.
	Now func() time.Time `yaml:"-"`
	// AfterPass, when set, is called after every pass with what it removed;
	// tests wait on it. Default: none.
	AfterPass func(store.Purged) `yaml:"-"`
}
