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
	// Bodies, when set, replaces Body: each run sends the lines of its
	// round's window (roundWindow), each wrk thread a disjoint slice of
	// them in turn, starting over when its slice is used up. Both sides
	// of a pair send the same lines in the same round.
	Bodies *bodyFile
	// OneTime says each body may be accepted once only (signed
	// contexts): a run that started its slice over is reported as such.
	OneTime bool
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
	// Wraps counts the times a thread used up its slice of a body file
	// and started it over.
	Wraps int64 `json:"wraps"`
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
	for _, p := range pairs {
		res := pairResult{Pair: p}
		for round := 1; round <= opts.Rounds; round++ {
			for _, side := range []struct {
				t    target
				runs *[]run
			}{{p.A, &res.A}, {p.B, &res.B}} {
				script := filepath.Join(opts.Dir, fmt.Sprintf("pair-%s-%s.lua", fileSafe(p.Name), fileSafe(side.t.Label)))
				var w window
				if side.t.Bodies != nil {
					w = roundWindow(side.t.Bodies.Lines(), round, opts.Rounds)
				}
				r, err := runWrk(ctx, opts, side.t, script, w)
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

// fileSafe is s with every byte but letters and digits as '-'.
func fileSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return r
		}
		return '-'
	}, s)
}

// runWrk runs wrk once against t with the Lua script written to script;
// a target with Bodies sends the lines of w.
func runWrk(ctx context.Context, opts wrkOptions, t target, script string, w window) (run, error) {
	var slices []slice
	if t.Bodies != nil {
		if w.Count < opts.Threads {
			return run{}, fmt.Errorf("%d bodies cannot be shared among %d threads", w.Count, opts.Threads)
		}
		slices = t.Bodies.threadSlices(w, opts.Threads)
	}
	if err := os.WriteFile(script, []byte(luaScript(t, slices)), 0o600); err != nil {
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
//
// With slices (one per thread; t.Bodies set), each thread's init reads
// its slice's lines from t.Bodies.Path, seeking to the slice's offset,
// and its request function sends them in turn, counting the times it
// starts over (wraps). setup hands the slices to the threads in the
// order wrk creates them. wrk calls the first thread's request function
// once before the run, only to check the request parses: that thread's
// first line is never sent.
func luaScript(t target, slices []slice) string {
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
	if t.Body != "" && slices == nil {
		fmt.Fprintf(&b, "wrk.body = %s\n", luaString(t.Body))
	}
	b.WriteString("local threads = {}\n")
	if slices != nil {
		fmt.Fprintf(&b, "bodyPath = %s\nslices = {", luaString(t.Bodies.Path))
		for k, s := range slices {
			if k > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "{%d, %d}", s.Offset, s.Count)
		}
		b.WriteString("}\n")
		b.WriteString(`setup = function(thread)
  local n = #threads + 1
  thread:set("offset", slices[n][1])
  thread:set("count", slices[n][2])
  threads[n] = thread
end
init = function(args)
  bodies = {}
  local f = assert(io.open(bodyPath, "rb"))
  assert(f:seek("set", offset))
  for k = 1, count do
    local line = f:read("*l")
    if line == nil then error("the body file ends before line " .. k .. " of this thread's slice") end
    bodies[k] = line
  end
  f:close()
  nextBody, wraps = 0, 0
end
request = function()
  nextBody = nextBody + 1
  if nextBody > count then
    nextBody, wraps = 1, wraps + 1
  end
  return wrk.format(nil, nil, nil, bodies[nextBody])
end
`)
	}
	b.WriteString(`done = function(summary, latency, requests)
  local e = summary.errors
  local wraps = 0
  for _, thread in ipairs(threads) do
    wraps = wraps + (thread:get("wraps") or 0)
  end
  io.write(string.format('` + reportMark + `{"requests":%d,"durationUs":%d,"p50Us":%.1f,"p99Us":%.1f,` +
		`"connect":%d,"read":%d,"write":%d,"timeout":%d,"status":%d,"wraps":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.timeout, e.status, wraps))
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
