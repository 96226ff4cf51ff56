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
// (the Helm chart's migration Job). With --from and --to it instead copies
// a SQLite deployment into an empty PostgreSQL database and prints the row
// counts of every table.
func migrateDatabase(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	from := fs.String("from", "", "copy this SQLite database (sqlite:PATH or a file path) … ")
	to := fs.String("to", "", "… into this empty PostgreSQL database (postgres://…)")
	cfg, err := loadConfig(fs, args)
	if err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("migrate takes no arguments, got %q", fs.Args())
	}
	if *from != "" || *to != "" {
		return copyDatabase(*from, *to, out)
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

// copyDatabase copies the SQLite database from into the empty PostgreSQL
// database to and prints each table's rows in both.
func copyDatabase(from, to string, out io.Writer) error {
	if from == "" || to == "" {
		return fmt.Errorf("migrate --from needs --to, and --to needs --from\n%s", usage)
	}
	tables, err := server.CopyStore(context.Background(), from, to)
	if err != nil {
		return err
	}
	var total int64
	for _, t := range tables {
		fmt.Fprintf(out, "%-22s %8d rows copied, %8d in PostgreSQL\n", t.Name, t.Source, t.Target)
		total += t.Target
	}
	fmt.Fprintf(out, "copied %d rows in %d tables; every count matches\n", total, len(tables))
	return nil
}
