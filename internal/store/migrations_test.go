package store

import (
	"errors"
	"testing"
	"testing/fstest"
)

func TestMigrationFilesOutOfOrderAreRefused(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		files    []string
		wantErr  bool
	}{
		{"in order", []string{"migrations/0001_a.sql", "migrations/0002_b.sql"}, false},
		{"a gap", []string{"migrations/0001_a.sql", "migrations/0003_c.sql"}, true},
		{"no number", []string{"migrations/first.sql"}, true},
		{"not starting at 1", []string{"migrations/0002_b.sql"}, true},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for _, f := range tc.files {
				fsys[f] = &fstest.MapFile{Data: []byte(`SELECT 1;`)}
			}
			all, err := Migrations(fsys)
			if (err != nil) != tc.wantErr {
				t.Fatalf("Migrations(%v) = %v, want an error: %v", tc.files, err, tc.wantErr)
			}
			if err == nil && (len(all) != 2 || all[1].Version != 2 || all[1].Name != "0002_b.sql" || all[1].SQL != "SELECT 1;") {
				t.Fatalf("Migrations(%v) = %+v", tc.files, all)
			}
		})
	}
}

func TestDatabaseFromANewerSnapbridgeIsRefused(t *testing.T) {
	for _, tc := range []struct {
		scenario     string
		have, latest int
		tooNew       bool
	}{
		{"new database", 0, 3, false},
		{"behind", 2, 3, false},
		{"current", 3, 3, false},
		{"newer", 4, 3, true},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			err := CheckSchemaVersion(tc.have, tc.latest)
			var tooNew *SchemaTooNewError
			if errors.As(err, &tooNew) != tc.tooNew || (tc.tooNew && (tooNew.Found != tc.have || tooNew.Known != tc.latest)) {
				t.Fatalf("CheckSchemaVersion(%d, %d) = %v", tc.have, tc.latest, err)
			}
			if !tc.tooNew && err != nil {
				t.Fatalf("CheckSchemaVersion(%d, %d) = %v, want nil", tc.have, tc.latest, err)
			}
		})
	}
}
