package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// target is one side of a pair: a request wrk sends over and over.
type target struct {
	// Label names the side in the report ("cluster", "single", "bare").
	Label string
	// URL is the full URL, query included.
	URL string
	// Method defaults to GET.
	Method string
	// Headers are sent with every request (Authorization, Content-Type).
	Headers map[string]string
	// Body is sent with every request; empty for none.
	Body string
}

// pair is two targets measured against each other, A then B, in turns.
type pair struct {
	// Name says what is measured ("cached look-up, 1 record").
	Name string
	A, B target
}

// wrkOptions are the load every run puts on its target.
type wrkOptions struct {
	Bin         string        // wrk binary; default "wrk" on PATH
	Connections int           // default 64
	Threads     int           // default 2
	Duration    time.Duration // per run; default 10s
	Rounds      int           // A B runs per pair; default 2
	Dir         string        // where scripts are written
}

// run is what wrk measured in one run.
type run struct {
	Requests   int64   `json:"requests"`
	DurationUs int64   `json:"durationUs"`
	P50Us      float64 `json:"p50Us"`
	P99Us      float64 `json:"p99Us"`
	// Errors by kind: connect, read, write, timeout, and status (answers
	// other than 2xx and 3xx).
	Connect int64 `json:"connect"`
	Read    int64 `json:"read"`
	Write   int64 `json:"write"`
	Timeout int64 `json:"timeout"`
	Status  int64 `json:"status"`
}

// RPS is requests per second over the run.
func (r run) RPS() float64 {
	if r.DurationUs == 0 {
		return 0
	}
	return float64(r.Requests) / (float64(r.DurationUs) / 1e6)
}

// Errors is every failed request of the run.
func (r run) Errors() int64 { return r.Connect + r.Read + r.Write + r.Timeout + r.Status }

// pairResult holds the runs of each side in order.
type pairResult struct {
	Pair pair
	A, B []run
}

// runPairs measures each pair with wrk, its two targets in turns (A B A
// B … for opts.Rounds rounds) so that whatever else the machine does
// weighs on both alike.
func runPairs(ctx context.Context, opts wrkOptions, pairs []pair, logf func(string, ...any)) ([]pairResult, error) {
	var out []pairResult
	for i, p := range pairs {
		res := pairResult{Pair: p}
		for round := 1; round <= opts.Rounds; round++ {
			for _, side := range []struct {
				t    target
				runs *[]run
			}{{p.A, &res.A}, {p.B, &res.B}} {
				script := filepath.Join(opts.Dir, fmt.Sprintf("pair%d-%s.lua", i, side.t.Label))
				r, err := runWrk(ctx, opts, side.t, script)
				if err != nil {
					return out, fmt.Errorf("%s, %s, round %d: %w", p.Name, side.t.Label, round, err)
				}
				logf("%s, %s, round %d: %.0f req/s, p50 %s, p99 %s, %d errors",
					p.Name, side.t.Label, round, r.RPS(), micros(r.P50Us), micros(r.P99Us), r.Errors())
				*side.runs = append(*side.runs, r)
			}
		}
		out = append(out, res)
	}
	return out, nil
}

// runWrk runs wrk once against t with the Lua script written to script.
func runWrk(ctx context.Context, opts wrkOptions, t target, script string) (run, error) {
	if err := os.WriteFile(script, []byte(luaScript(t)), 0o600); err != nil {
		return run{}, err
	}
	cmd := exec.CommandContext(ctx, opts.Bin, "--threads", strconv.Itoa(opts.Threads),
		"--connections", strconv.Itoa(opts.Connections), "--duration", fmt.Sprintf("%ds", int(opts.Duration.Seconds())),
		"--latency", "--script", script, t.URL)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return run{}, fmt.Errorf("wrk: %v: %s%s", err, stderr.String(), stdout.String())
	}
	return parseWrk(stdout.Bytes())
}

// reportMark starts the line the script's done function prints.
const reportMark = "SNAPBRIDGE-BENCH "

// luaScript is the wrk script for t: its method, headers and body, and a
// done function printing the run's figures as one JSON line after
// reportMark (latencies in microseconds).
func luaScript(t target) string {
	var b strings.Builder
	method := t.Method
	if method == "" {
		method = "GET"
	}
	fmt.Fprintf(&b, "wrk.method = %s\n", luaString(method))
	keys := make([]string, 0, len(t.Headers))
	for k := range t.Headers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "wrk.headers[%s] = %s\n", luaString(k), luaString(t.Headers[k]))
	}
	if t.Body != "" {
		fmt.Fprintf(&b, "wrk.body = %s\n", luaString(t.Body))
	}
	b.WriteString(`done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('` + reportMark + `{"requests":%d,"durationUs":%d,"p50Us":%.1f,"p99Us":%.1f,` +
		`"connect":%d,"read":%d,"write":%d,"timeout":%d,"status":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.timeout, e.status))
end
`)
	return b.String()
}

// luaString quotes s as a Lua string literal: printable ASCII as is, the
// rest as decimal escapes (Lua 5.1 and LuaJIT both read \ddd).
func luaString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c >= 0x20 && c < 0x7f:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "\\%03d", c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// parseWrk reads the figures from wrk's output: the line the script's
// done function printed.
func parseWrk(out []byte) (run, error) {
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), reportMark); ok {
			var r run
			if err := json.Unmarshal([]byte(rest), &r); err != nil {
				return run{}, fmt.Errorf("wrk report %q: %w", rest, err)
			}
			if r.Requests == 0 {
				return r, fmt.Errorf("wrk completed no request:\n%s", out)
			}
			return r, nil
		}
	}
	return run{}, fmt.Errorf("wrk printed no %q line (is the script's done function run?):\n%s", strings.TrimSpace(reportMark), out)
}

// median is the median of xs (the mean of the middle two for an even
// count).
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// micros formats microseconds for the report: 850µs, 1.24ms, 12.3ms.
func micros(us float64) string {
	switch {
	case us < 1000:
		return fmt.Sprintf("%.0fµs", us)
	case us < 10000:
		return fmt.Sprintf("%.2fms", us/1000)
	default:
		return fmt.Sprintf("%.1fms", us/1000)
	}
}
