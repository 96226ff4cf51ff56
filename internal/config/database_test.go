package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// database.url (file or SNAPBRIDGE_DATABASE_URL) picks the store; a
// SQLite URL ends up as the file in DB, and db keeps working without it.
func TestDatabaseURLNamesTheStore(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "snapbridge.yaml")
	if err := os.WriteFile(file, []byte("database:\n  url: sqlite:/srv/from-file.db\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		scenario     string
		file         string
		env          map[string]string
		wantDB       string
		wantPostgres bool
		wantErr      string
	}{
		{scenario: "nothing set: the data directory's file", env: map[string]string{"SNAPBRIDGE_DATA_DIR": "/data"}, wantDB: "/data/snapbridge.db"},
		{scenario: "SNAPBRIDGE_DB as before", env: map[string]string{"SNAPBRIDGE_DB": "/srv/old.db"}, wantDB: "/srv/old.db"},
		{scenario: "a plain path", env: map[string]string{"SNAPBRIDGE_DATABASE_URL": "/srv/plain.db"}, wantDB: "/srv/plain.db"},
		{scenario: "sqlite:PATH", env: map[string]string{"SNAPBRIDGE_DATABASE_URL": "sqlite:var/x.db"}, wantDB: "var/x.db"},
		{scenario: "sqlite:///absolute", env: map[string]string{"SNAPBRIDGE_DATABASE_URL": "sqlite:///srv/abs.db"}, wantDB: "/srv/abs.db"},
		{scenario: "the URL wins over db", env: map[string]string{"SNAPBRIDGE_DB": "/srv/old.db", "SNAPBRIDGE_DATABASE_URL": "sqlite:/srv/new.db"}, wantDB: "/srv/new.db"},
		{scenario: "from the file", file: file, wantDB: "/srv/from-file.db"},
		{scenario: "the environment over the file", file: file, env: map[string]string{"SNAPBRIDGE_DATABASE_URL": "/srv/env.db"}, wantDB: "/srv/env.db"},
		{scenario: "postgres://", env: map[string]string{"SNAPBRIDGE_DATA_DIR": "/data", "SNAPBRIDGE_DATABASE_URL": "postgres://u@db:5432/snapbridge"},
			wantDB: "/data/snapbridge.db", wantPostgres: true},
		{scenario: "an unknown scheme", env: map[string]string{"SNAPBRIDGE_DATABASE_URL": "mysql://db/x"}, wantErr: `database.url: "mysql://" is not supported`},
		{scenario: "sqlite: without a file", env: map[string]string{"SNAPBRIDGE_DATABASE_URL": "sqlite:"}, wantErr: "names no file"},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			cfg, err := Load(tc.file, env(tc.env))
			if err != nil {
				t.Fatal(err)
			}
			cfg.Sandbox.Enabled = true
			err = cfg.Finish()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Finish = %v, want an error saying %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.DB != tc.wantDB || cfg.Database.IsPostgres() != tc.wantPostgres {
				t.Fatalf("db %q postgres %v, want %q %v", cfg.DB, cfg.Database.IsPostgres(), tc.wantDB, tc.wantPostgres)
			}
		})
	}
}
