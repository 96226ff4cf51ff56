package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/sandbox"
	"github.com/snapbridge/snapbridge/internal/session"
	"github.com/snapbridge/snapbridge/internal/store/sqlite"
	"github.com/snapbridge/snapbridge/internal/tenant"
)

// TestRoundsAndThreadsGetDisjointLines: every round of a pair sends lines
// of its own, and within a run every thread a slice of its own, together
// covering the round's window exactly.
func TestRoundsAndThreadsGetDisjointLines(t *testing.T) {
	for _, tc := range []struct {
		scenario               string
		lines, rounds, threads int
		want                   [][]window // per round, per thread
	}{
		{"even split", 8, 2, 2, [][]window{{{0, 2}, {2, 2}}, {{4, 2}, {6, 2}}}},
		{"uneven: later rounds and threads take the rest", 11, 2, 3,
			[][]window{{{0, 1}, {1, 2}, {3, 2}}, {{5, 2}, {7, 2}, {9, 2}}}},
		{"one round, one thread: the whole file", 5, 1, 1, [][]window{{{0, 5}}}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			bodies := make([]string, tc.lines)
			for i := range bodies {
				bodies[i] = strings.Repeat("x", i) // lines of different lengths
			}
			f, err := writeBodyFile(filepath.Join(t.TempDir(), "bodies"), bodies)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := os.ReadFile(f.Path)
			if err != nil {
				t.Fatal(err)
			}
			for r := range tc.rounds {
				for k, s := range f.threadSlices(roundWindow(f.Lines(), r+1, tc.rounds), tc.threads) {
					if got := (window{s.First, s.Count}); got != tc.want[r][k] {
						t.Fatalf("round %d, thread %d: lines %+v, want %+v", r+1, k+1, got, tc.want[r][k])
					}
					if !strings.HasPrefix(string(raw[s.Offset:]), bodies[s.First]+"\n") || (s.Offset > 0 && raw[s.Offset-1] != '\n') {
						t.Fatalf("round %d, thread %d: offset %d is not the start of line %d", r+1, k+1, s.Offset, s.First)
					}
				}
			}
		})
	}
}

// TestEachWrkThreadSendsItsOwnSliceOfTheBodyFile runs the real wrk with
// a body file against a loopback server that records the bodies of each
// connection (a connection belongs to one wrk thread): every thread sends
// only the lines of the slice Go computed for it, starting with its first
// line, and starts it over only when it is used up, which the run reports
// as wraps.
func TestEachWrkThreadSendsItsOwnSliceOfTheBodyFile(t *testing.T) {
	bin := wrkOrSkip(t)
	dir := t.TempDir()
	bodies := make([]string, 200_000)
	for i := range bodies {
		bodies[i] = fmt.Sprintf(`{"line":%d}`, i)
	}
	f, err := writeBodyFile(filepath.Join(dir, "bodies"), bodies)
	if err != nil {
		t.Fatal(err)
	}
	opts := wrkOptions{Bin: bin, Connections: 4, Threads: 2, Duration: time.Second, Rounds: 2, Dir: dir}
	for _, tc := range []struct {
		scenario string
		w        window
		wraps    bool
	}{
		// 100,000 lines a run: more than wrk sends against this server in a second.
		{"the second round's half of the file", roundWindow(f.Lines(), 2, 2), false},
		{"a window of 5 lines, used up and started over", window{First: 7, Count: 5}, true},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			// A server per scenario: a request of the previous wrk run still
			// being answered must not count in this one.
			var mu sync.Mutex
			byConn := map[string][]int{}
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				raw, _ := io.ReadAll(r.Body)
				n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(string(raw), `{"line":`), "}"))
				if r.Method != "POST" || r.Header.Get("Content-Type") != "application/json" || err != nil {
					w.WriteHeader(http.StatusBadRequest)
					return
				}
				mu.Lock()
				byConn[r.RemoteAddr] = append(byConn[r.RemoteAddr], n)
				mu.Unlock()
			}))
			defer srv.Close()
			tgt := target{Label: "bodies", URL: srv.URL + "/api/v1/sessions", Method: "POST",
				Headers: map[string]string{"Content-Type": "application/json"}, Bodies: f, OneTime: true}
			r, err := runWrk(context.Background(), opts, tgt, filepath.Join(dir, "bodies.lua"), tc.w)
			if err != nil {
				t.Fatal(err)
			}
			if r.Errors() != 0 || (r.Wraps > 0) != tc.wraps {
				t.Fatalf("wrk reported %+v; want no errors and wraps %v", r, tc.wraps)
			}
			mu.Lock()
			defer mu.Unlock()
			slices := f.threadSlices(tc.w, opts.Threads)
			used := map[int]bool{} // slices some connection sent from
			seen := map[int]int{}
			for conn, lines := range byConn {
				k := sliceOf(slices, lines[0])
				if k < 0 {
					t.Fatalf("connection %s sent line %d, outside the window %+v", conn, lines[0], tc.w)
				}
				used[k] = true
				for _, n := range lines {
					if sliceOf(slices, n) != k {
						t.Fatalf("connection %s sent lines of two slices (%d and %d); slices %+v", conn, lines[0], n, slices)
					}
					seen[n]++
				}
			}
			if len(used) != len(slices) {
				t.Fatalf("%d of %d threads sent their slice; slices %+v", len(used), len(slices), slices)
			}
			for k, s := range slices {
				first := s.First
				if k == 0 {
					// wrk builds the first thread's first request once
					// before the run, only to check that it parses.
					first++
				}
				if seen[first] == 0 || (!tc.wraps && seen[first-1] != 0) {
					t.Fatalf("thread %d did not start at line %d of its slice %+v (sent %d times, the line before %d times)",
						k+1, first, s, seen[first], seen[first-1])
				}
			}
			for n, times := range seen {
				if times > 1 && !tc.wraps {
					t.Fatalf("line %d was sent %d times though no thread used its slice up", n, times)
				}
			}
			if tc.wraps && len(seen) != tc.w.Count {
				t.Fatalf("%d distinct lines sent, want all %d of the window", len(seen), tc.w.Count)
			}
		})
	}
}

// sliceOf is the index of the slice holding line n, or -1.
func sliceOf(slices []slice, n int) int {
	for k, s := range slices {
		if n >= s.First && n < s.First+s.Count {
			return k
		}
	}
	return -1
}

// TestSignedSessionBodiesAreFreshContextsTheProductAccepts: every body is
// a session request whose context the product's verifier accepts once,
// each with a jti of its own, living the lifetime asked for.
func TestSignedSessionBodiesAreFreshContextsTheProductAccepts(t *testing.T) {
	reg, err := tenant.NewRegistry(sandbox.DemoTenants(demoOptions, "")[:1])
	if err != nil {
		t.Fatal(err)
	}
	demo, _ := reg.Get(sandbox.DemoTenantID)
	records := benchRecords(1)
	bodies, err := signSessionBodies(context.Background(), demo, "crm-user-bench-wrk", records, 50, demo.Context.MaxLifetime)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "snapbridge.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	v := session.NewContextVerifier(reg, db, nil)
	for i, b := range bodies {
		ctxToken, ok := strings.CutSuffix(strings.TrimPrefix(b, `{"ctx":"`), `"}`)
		if !ok || strings.ContainsAny(ctxToken, "\"\n") {
			t.Fatalf("body %d is not a session request: %.60s", i, b)
		}
		hc, err := v.Verify(context.Background(), ctxToken)
		if err != nil {
			t.Fatalf("body %d: %v", i, err)
		}
		if hc.Viewer.ID != "crm-user-bench-wrk" || len(hc.Records) != 1 || hc.Records[0].ID != records[0].ID ||
			hc.ExpiresAt.Sub(hc.IssuedAt) != demo.Context.MaxLifetime {
			t.Fatalf("body %d: viewer %q, records %+v, lifetime %v", i, hc.Viewer.ID, hc.Records, hc.ExpiresAt.Sub(hc.IssuedAt))
		}
	}
}

// wrkOrSkip is the wrk binary; without it the test skips, or fails when
// CI is set.
func wrkOrSkip(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("wrk")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("wrk is not installed (make bench-deps installs it)")
		}
		t.Skip("wrk is not installed: make bench-deps")
	}
	return bin
}
