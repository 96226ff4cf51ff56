package server

import (
	"github.com/snapbridge/snapbridge/internal/config"
	"github.com/snapbridge/snapbridge/internal/store"
	"github.com/snapbridge/snapbridge/internal/store/sqlite"
)

// OpenStore opens the store the configuration names, migrated to the
// schema this binary knows.
func OpenStore(cfg config.Config) (store.Store, error) {
	return sqlite.Open(cfg.DB)
}
