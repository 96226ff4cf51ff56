package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

func TestLuaStringsSurviveAnyHeaderValue(t *testing.T) {
	for _, tc := range []struct {
		scenario, in, want string
	}{
		{"a bearer token as is", "Bearer eyJ.a-b_c", `"Bearer eyJ.a-b_c"`},
		{"quotes and backslashes escaped", `a"b\c`, `"a\"b\\c"`},
		{"newline and non-ASCII as decimal escapes", "a\né", `"a\010\195\169"`},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			if got := luaString(tc.in); got != tc.want {
				t.Fatalf("luaString(%q) = %s, want %s", tc.in, got, tc.want)
			}
		})
	}
}

func TestWrkReportIsReadFromTheScriptsLine(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		out      string
		wantErr  bool
		want     run
	}{
		{"figures among wrk's own lines",
			"Running 1s test @ http://127.0.0.1:1/\n  2 threads and 64 connections\n" +
				reportMark + `{"requests":1200,"durationUs":2000000,"p50Us":850.0,"p99Us":4100.5,"connect":0,"read":0,"write":0,"timeout":1,"status":2}` + "\n",
			false, run{Requests: 1200, DurationUs: 2000000, P50Us: 850, P99Us: 4100.5, Timeout: 1, Status: 2}},
		{"no report line", "Running 1s test\n", true, run{}},
		{"no request completed", reportMark + `{"requests":0,"durationUs":1000000}` + "\n", true, run{}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			got, err := parseWrk([]byte(tc.out))
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if !tc.wantErr && got != tc.want {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
			if !tc.wantErr && (got.RPS() != 600 || got.Errors() != 3) {
				t.Fatalf("RPS %v, errors %d; want 600 and 3", got.RPS(), got.Errors())
			}
		})
	}
}

// TestWrkSendsTheTargetsRequestAndCountsRefusals runs the real wrk (the
// Debian package) with the generated script against a loopback server
// that answers 200 only to the target's method, header and body.
func TestWrkSendsTheTargetsRequestAndCountsRefusals(t *testing.T) {
	bin, err := exec.LookPath("wrk")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("wrk is not installed (make bench-deps installs it)")
		}
		t.Skip("wrk is not installed: make bench-deps")
	}
	// A server per scenario: a request of the previous run still being
	// answered when wrk exits must not count in the next.
	serve := func(t *testing.T) (url string, good, bad *atomic.Int64) {
		good, bad = new(atomic.Int64), new(atomic.Int64)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body := make([]byte, 64)
			n, _ := r.Body.Read(body)
			if r.Method == "POST" && r.Header.Get("Authorization") == `Bearer a"b` && string(body[:n]) == `{"x":1}` &&
				r.URL.RawQuery == "records=r1" {
				good.Add(1)
				return
			}
			bad.Add(1)
			w.WriteHeader(http.StatusUnauthorized)
		}))
		t.Cleanup(srv.Close)
		return srv.URL, good, bad
	}
	opts := wrkOptions{Bin: bin, Connections: 2, Threads: 1, Duration: time.Second, Rounds: 1, Dir: t.TempDir()}
	for _, tc := range []struct {
		scenario string
		target   target
		refused  bool
	}{
		{"the target's request", target{Label: "good", URL: "/api?records=r1", Method: "POST",
			Headers: map[string]string{"Authorization": `Bearer a"b`}, Body: `{"x":1}`}, false},
		{"a request the server refuses", target{Label: "bad", URL: "/api?records=r1"}, true},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			base, good, bad := serve(t)
			tc.target.URL = base + tc.target.URL
			r, err := runWrk(context.Background(), opts, tc.target, filepath.Join(opts.Dir, tc.target.Label+".lua"), window{})
			if err != nil {
				t.Fatal(err)
			}
			if tc.refused {
				if r.Status != r.Requests || good.Load() != 0 {
					t.Fatalf("%d of %d answers counted as refused, server saw %d good; want all refused", r.Status, r.Requests, good.Load())
				}
				return
			}
			if r.Errors() != 0 || bad.Load() != 0 || r.Requests > good.Load() {
				t.Fatalf("wrk reported %+v; the server saw %d good and %d bad requests", r, good.Load(), bad.Load())
			}
			if r.P50Us <= 0 || r.P99Us < r.P50Us {
				t.Fatalf("latencies p50 %v p99 %v", r.P50Us, r.P99Us)
			}
		})
	}
}
