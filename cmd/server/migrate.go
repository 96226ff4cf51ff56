package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/snapbridge/snapbridge/internal/server"
)

// migrateDatabase brings the configured database's schema up to the
// newest version this binary knows and exits; the server does the same at
// start, so this is for deployments that migrate in a step of their own
// (the Helm chart's migration Job).
func migrateDatabase(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	cfg, err := loadConfig(fs, args)
	if err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("migrate takes no arguments, got %q", fs.Args())
	}
	// Only the database settings matter here: a migration Job need not
	// carry tenants or secrets, so the rest of the configuration is not
	// validated.
	if err := cfg.FinishDatabase(); err != nil {
		return err
	}
	before, after, err := server.MigrateStore(context.Background(), cfg)
	if err != nil {
		return err
	}
	if before == after {
		fmt.Fprintf(out, "database schema version %d: up to date\n", after)
		return nil
	}
	fmt.Fprintf(out, "database schema version %d -> %d\n", before, after)
	return nil
}
