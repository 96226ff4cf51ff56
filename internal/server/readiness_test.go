package server_test

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/snapbridge/snapbridge/internal/wire"
)

// TestReadinessFailsWhenTheDatabaseCannotTakeWrites checks that a load
// balancer takes the server out of rotation when the database file is
// deleted or replaced underneath it (writes would be lost) or cannot be
// written, and says which.
func TestReadinessFailsWhenTheDatabaseCannotTakeWrites(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		// damage harms the database at path and returns what undoes it.
		damage  func(t *testing.T, path string) (undo func())
		status  int
		message string
	}{
		{"a healthy database", func(t *testing.T, path string) func() { return func() {} }, http.StatusOK, ""},
		{"the file was deleted", func(t *testing.T, path string) func() {
			must(t, os.Remove(path))
			return func() {}
		}, http.StatusServiceUnavailable, "the database file was replaced or deleted"},
		{"a copy was moved over the file", func(t *testing.T, path string) func() {
			raw, err := os.ReadFile(path)
			must(t, err)
			must(t, os.WriteFile(path+".copy", raw, 0o600))
			must(t, os.Rename(path+".copy", path))
			return func() {}
		}, http.StatusServiceUnavailable, "the database file was replaced or deleted"},
		{"the files were made immutable", func(t *testing.T, path string) func() {
			files := []string{path, path + "-wal"}
			if out, err := exec.Command("chattr", append([]string{"+i"}, files...)...).CombinedOutput(); err != nil {
				t.Skipf("chattr +i is not available here: %v %s", err, out)
			}
			return func() { must(t, exec.Command("chattr", append([]string{"-i"}, files...)...).Run()) }
		}, http.StatusServiceUnavailable, "the database cannot be written"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			if tc.status != http.StatusOK {
				sqliteOnly(t, "a database file deleted, replaced or immutable; PostgreSQL has no file (internal/store/postgres tests a read-only server)")
			}
			p := startBoth(t, nil)
			undo := tc.damage(t, p.srv.Config.DB)
			resp, raw := p.do("GET", p.srv.URL+"/readyz", "", nil)
			undo()
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, raw)
			}
			if tc.status == http.StatusOK {
				return
			}
			var e wire.Error
			must(t, json.Unmarshal(raw, &e))
			if e.Error.Code != "not_ready" || e.Error.Message != tc.message {
				t.Errorf("answer %s, want not_ready %q", raw, tc.message)
			}
			if strings.Contains(string(raw), p.dataDir) {
				t.Errorf("the answer names the database path: %s", raw)
			}
		})
	}
}

// TestReadinessLogsOnlyWhenItChanges moves the database away and back:
// probes answer 503 then 200 again, and the log has one line for each
// change rather than one per probe.
func TestReadinessLogsOnlyWhenItChanges(t *testing.T) {
	sqliteOnly(t, "it makes readiness fail by moving the database file")
	p := startBoth(t, nil)
	path := p.srv.Config.DB
	must(t, os.Rename(path, path+".moved"))
	for range 3 {
		p.call("GET", "/readyz", "", nil, http.StatusServiceUnavailable, nil)
	}
	must(t, os.Rename(path+".moved", path))
	for range 3 {
		p.call("GET", "/readyz", "", nil, http.StatusOK, nil)
	}
	logs := p.logs.String()
	for msg, want := range map[string]int{`"msg":"not ready"`: 1, `"msg":"ready again"`: 1, `"msg":"request failed"`: 0} {
		if got := strings.Count(logs, msg); got != want {
			t.Errorf("%s logged %d times, want %d", msg, got, want)
		}
	}
	if !strings.Contains(logs, path) {
		t.Errorf("the log does not name the database path %s", path)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
