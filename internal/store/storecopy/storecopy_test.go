package storecopy

import (
	"context"
	"database/sql"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/snapbridge/snapbridge/internal/store/sqlite"
)

// A table added to the SQLite schema without a place in the copy would be
// left behind by `migrate --from --to`: the copy must name every table
// and every column SQLite has.
func TestCopyCoversEveryTableAndColumn(t *testing.T) {
	path := filepath.Join(t.TempDir(), "snapbridge.db")
	if _, _, err := sqlite.Migrate(context.Background(), path); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	rows, err := raw.Query(`SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p
		WHERE m.type = 'table' AND m.name NOT IN ('readiness', 'schema_migrations', 'sqlite_sequence', 'leases')`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var inSQLite []string
	for rows.Next() {
		var table, col string
		if err := rows.Scan(&table, &col); err != nil {
			t.Fatal(err)
		}
		inSQLite = append(inSQLite, table+"."+col)
	}
	var copied []string
	for _, tb := range tables {
		for _, c := range tb.columns {
			if c.source == "rowid" {
				continue // SQLite's implicit row id, kept as the id column
			}
			copied = append(copied, tb.name+"."+c.source)
		}
	}
	sort.Strings(inSQLite)
	sort.Strings(copied)
	if strings.Join(inSQLite, " ") != strings.Join(copied, " ") {
		t.Fatalf("SQLite has\n%v\nthe copy moves\n%v", inSQLite, copied)
	}
}
