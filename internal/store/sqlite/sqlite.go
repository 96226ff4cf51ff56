// Package sqlite is snapbridge's embedded storage: the store.Store
// contract on one SQLite database file (modernc.org/sqlite, pure Go), the
// single-machine default with nothing to install. Each noun has its own
// file; this one opens the database, migrate.go brings its schema up to
// date.
package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/snapbridge/snapbridge/internal/store"
)

var _ store.Store = (*DB)(nil)

// DB is the snapbridge database in one SQLite file. It implements
// store.Store and is safe for concurrent use.
type DB struct {
	sql *sql.DB
	// path and file identify the database file opened, so Ready can tell
	// when the path names another file (or none); file is nil when the
	// path could not be looked at after opening.
	path string
	file os.FileInfo
	// stmts holds the statements of the hot paths, prepared once (see
	// prepared).
	stmtMu sync.Mutex
	stmts  map[string]*sql.Stmt
	// contexts batches concurrent RememberContext calls into one
	// transaction (group commit).
	contexts contextWriter
}

// Open opens (creating if needed) the SQLite database at path and
// migrates it to the newest schema this binary knows (see Migrate). The
// parent directory is created with mode 0700, the file with mode 0600. A
// database migrated by a newer snapbridge is refused with a
// *store.SchemaTooNewError.
func Open(path string) (*DB, error) {
	db, err := open(path)
	if err != nil {
		return nil, err
	}
	if _, _, err := db.migrate(context.Background(), migrations); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// open opens the database at path without touching its schema.
func open(path string) (*DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create database directory: %w", err)
	}
	// WAL lets readers proceed during writes; busy_timeout makes concurrent
	// writers wait instead of failing with SQLITE_BUSY.
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	// One writer at a time is SQLite's model; a single connection also
	// serializes transactions without SQLITE_BUSY storms.
	db.SetMaxOpenConns(1)
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		db.Close()
		return nil, fmt.Errorf("restrict database file: %w", err)
	}
	file, _ := os.Stat(path)
	return &DB{sql: db, path: path, file: file}, nil
}

// Close closes the database.
func (db *DB) Close() error {
	db.stmtMu.Lock()
	for _, st := range db.stmts {
		st.Close()
	}
	db.stmts = nil
	db.stmtMu.Unlock()
	return db.sql.Close()
}

// prepared returns query prepared once for the life of the database, so
// a statement run on every page view is not parsed and planned each time.
// database/sql prepares it again by itself on a new connection.
func (db *DB) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	db.stmtMu.Lock()
	defer db.stmtMu.Unlock()
	if st, ok := db.stmts[query]; ok {
		return st, nil
	}
	st, err := db.sql.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if db.stmts == nil {
		db.stmts = make(map[string]*sql.Stmt)
	}
	db.stmts[query] = st
	return st, nil
}
