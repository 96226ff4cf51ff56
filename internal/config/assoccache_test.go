package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// An operator bounds the association cache in entries and bytes, in the
// file or the environment; a bound the resolver could not honour refuses
// the start with a message naming the setting.
func TestAssociationCacheBounds(t *testing.T) {
	for _, tc := range []struct {
		scenario    string
		yaml        string
		env         map[string]string
		wantEntries int
		wantBytes   ByteSize
		wantErr     string
	}{
		{scenario: "nothing set: the resolver's defaults (0)", wantEntries: 0, wantBytes: 0},
		{scenario: "from the file, bytes with a unit", yaml: "associations: {cacheEntries: 5000, cacheBytes: 64MiB}\n", wantEntries: 5000, wantBytes: 64 << 20},
		{scenario: "from the file, bytes as a number", yaml: "associations: {cacheBytes: 2000000}\n", wantBytes: 2000000},
		{scenario: "decimal units", yaml: "associations: {cacheBytes: 500MB}\n", wantBytes: 500e6},
		{scenario: "the environment wins over the file", yaml: "associations: {cacheEntries: 5000, cacheBytes: 64MiB}\n",
			env: map[string]string{"SNAPBRIDGE_ASSOCIATIONS_CACHE_ENTRIES": "20000", "SNAPBRIDGE_ASSOCIATIONS_CACHE_BYTES": "1GiB"}, wantEntries: 20000, wantBytes: 1 << 30},
		{scenario: "negative entries", yaml: "associations: {cacheEntries: -1}\n", wantErr: "associations.cacheEntries"},
		{scenario: "negative bytes", yaml: "associations: {cacheBytes: -5MiB}\n", wantErr: "associations.cacheBytes"},
		{scenario: "bytes under 1MiB", yaml: "associations: {cacheBytes: 64KiB}\n", wantErr: "associations.cacheBytes"},
		{scenario: "bytes that are no size", yaml: "associations: {cacheBytes: lots}\n", wantErr: "associations.cacheBytes: \"lots\" is not a size in bytes"},
		{scenario: "an unknown unit", yaml: "associations: {cacheBytes: 5TiB}\n", wantErr: "associations.cacheBytes: \"5TiB\" is not a size in bytes"},
		{scenario: "entries from the environment that are no number", env: map[string]string{"SNAPBRIDGE_ASSOCIATIONS_CACHE_ENTRIES": "many"}, wantErr: "SNAPBRIDGE_ASSOCIATIONS_CACHE_ENTRIES"},
		{scenario: "bytes from the environment that are no size", env: map[string]string{"SNAPBRIDGE_ASSOCIATIONS_CACHE_BYTES": "1 gig"}, wantErr: "SNAPBRIDGE_ASSOCIATIONS_CACHE_BYTES"},
		{scenario: "negative entries from the environment", env: map[string]string{"SNAPBRIDGE_ASSOCIATIONS_CACHE_ENTRIES": "-10"}, wantErr: "associations.cacheEntries"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "c.yaml")
			if err := os.WriteFile(file, []byte(tc.yaml+"sandbox: {enabled: true}\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg, err := Load(file, env(tc.env))
			if err == nil {
				err = cfg.Finish()
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one naming %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Associations.CacheEntries != tc.wantEntries || cfg.Associations.CacheBytes != tc.wantBytes {
				t.Fatalf("cacheEntries %d, cacheBytes %d; want %d, %d", cfg.Associations.CacheEntries, cfg.Associations.CacheBytes, tc.wantEntries, tc.wantBytes)
			}
		})
	}
}
