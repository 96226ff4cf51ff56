// Command load is snapbridge's HTTP load benchmark (make bench-cluster,
// make bench-load): the real binary as separate processes, the real load
// generator (wrk) against them, over loopback only.
//
// The cluster benchmark starts one LinkedIn stand-in (snapbridge
// sandbox), a private PostgreSQL and Redis, three snapbridge serve on
// them with the same keys behind a round-robin reverse proxy, and one
// snapbridge serve on SQLite behind the same kind of proxy. It then
// counts LinkedIn calls per 1,000 warm widget loads on each side, and
// measures cached look-ups with wrk, cluster and single in turns (A B A
// B), printing requests/s, p50 and p99 of each and their ratio.
//
// The bare benchmark (-bench bare, make bench-load) measures the hot paths
// of issue 10 — cached look-ups of 1, 10 and 50 records, a cached Sales
// Access Token, session creation — against a bare Gin handler answering
// the same bytes from a process of its own, in turns (A B A B), on one
// instance on SQLite (-setup single), the cluster (-setup cluster) or
// both, and prints each pair's ratio against the target.
//
// Everything it starts is stopped at the end (process groups), and its
// temporary directory removed (-keep keeps it, with every log).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
)

// options are the command-line flags.
type options struct {
	bin       string
	wasmDir   string
	wrk       wrkOptions
	instances int
	redis     bool
	viewers   int
	records   int
	loads     int
	keep      bool
	// bench is the benchmark: "cluster" or "bare".
	bench string
	// setup, pairs, contexts and enforceTargets are the bare benchmark's.
	setup          string
	pairs          string
	contexts       int
	enforceTargets bool
}

func main() {
	var o options
	flag.StringVar(&o.bin, "bin", "var/bin/snapbridge", "the snapbridge binary (make build)")
	flag.StringVar(&o.wasmDir, "wasm-dir", "var/build/web", "the built widget the instances serve (make build)")
	flag.StringVar(&o.wrk.Bin, "wrk", "wrk", "the wrk binary (Debian package wrk)")
	flag.IntVar(&o.wrk.Connections, "connections", 64, "wrk connections")
	flag.IntVar(&o.wrk.Threads, "threads", 2, "wrk threads")
	flag.DurationVar(&o.wrk.Duration, "duration", 10*time.Second, "length of one wrk run (whole seconds)")
	flag.IntVar(&o.wrk.Rounds, "rounds", 2, "rounds of A B runs per pair")
	flag.IntVar(&o.instances, "instances", 3, "instances in the cluster")
	flag.BoolVar(&o.redis, "redis", true, "the cluster shares caches and locks through Redis (false: each instance its own memory)")
	flag.IntVar(&o.viewers, "viewers", 20, "connected viewers for the warm loads")
	flag.IntVar(&o.records, "records", 100, "records for the warm loads")
	flag.IntVar(&o.loads, "loads", 1000, "warm widget loads per side")
	flag.BoolVar(&o.keep, "keep", false, "keep the temporary directory (configuration and logs)")
	flag.StringVar(&o.bench, "bench", "cluster", "the benchmark: cluster (three instances vs one) or bare (the product vs a bare Gin handler, issue 10)")
	flag.StringVar(&o.setup, "setup", setupSingle, "bare: the product measured, single (one instance on SQLite), cluster (-instances on PostgreSQL + Redis) or both")
	flag.StringVar(&o.pairs, "pairs", "all", "bare: pairs to measure, comma-separated: lookup1, lookup10, lookup50, sat, session, or all")
	flag.IntVar(&o.contexts, "contexts", 200_000, "bare: signed contexts for session creation, per setup, shared among the rounds")
	flag.BoolVar(&o.enforceTargets, "enforce-targets", false, "bare: exit 1 when a pair misses its target (else only FAIL is printed)")
	serveBareFile := flag.String("serve-bare", "", "internal: serve the answer in this file as the bare Gin server (on -addr)")
	addr := flag.String("addr", "127.0.0.1:0", "internal: the bare server's address, with -serve-bare")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	measure := runCluster
	switch {
	case *serveBareFile != "":
		measure = func(ctx context.Context, _ options, _ io.Writer) error { return serveBare(ctx, *serveBareFile, *addr) }
	case o.bench == "bare":
		measure = runBare
	case o.bench != "cluster":
		fmt.Fprintln(os.Stderr, "bench/load: -bench is cluster or bare")
		os.Exit(2)
	}
	if err := measure(ctx, o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench/load:", err)
		stop()
		os.Exit(1)
	}
}

// check refuses options that cannot give a meaningful run.
func (o options) check() error {
	w := o.wrk
	switch {
	case w.Connections < 1 || w.Threads < 1 || w.Threads > w.Connections:
		return errors.New("-connections and -threads must be positive, threads at most connections")
	case w.Duration < time.Second || w.Rounds < 1:
		return errors.New("-duration must be at least 1s and -rounds at least 1")
	case time.Duration(2*w.Rounds)*w.Duration > 12*time.Minute:
		// One session token serves a whole pair; sessions last 15 minutes.
		return errors.New("-rounds × 2 × -duration must stay within 12 minutes (a widget session lasts 15)")
	case o.instances < 1 || o.viewers < 1 || o.records < 1 || o.loads < 1:
		return errors.New("-instances, -viewers, -records and -loads must be positive")
	}
	return nil
}

// resolvePrograms finds wrk on PATH and makes the binary's and the
// widget's paths absolute, checking the binary is built.
func (o *options) resolvePrograms() error {
	var err error
	if o.wrk.Bin, err = exec.LookPath(o.wrk.Bin); err != nil {
		return fmt.Errorf("wrk is not installed (make bench-deps installs the Debian package): %w", err)
	}
	if o.bin, err = filepath.Abs(o.bin); err != nil {
		return err
	}
	if o.wasmDir, err = filepath.Abs(o.wasmDir); err != nil {
		return err
	}
	if _, err := os.Stat(o.bin); err != nil {
		return fmt.Errorf("%w (run make build)", err)
	}
	return nil
}

// stderrLog prints progress to stderr, each line with the time.
func stderrLog(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

// runCluster is the cluster benchmark, written to out.
func runCluster(ctx context.Context, o options, out io.Writer) error {
	if err := o.check(); err != nil {
		return err
	}
	if err := o.resolvePrograms(); err != nil {
		return err
	}
	logf := stderrLog
	machine := describeMachine(o.wrk.Bin)
	s, err := startStack(ctx, o.bin, o.wasmDir, o.instances, o.redis, true, logf)
	defer s.stop(o.keep)
	if err != nil {
		return err
	}
	o.wrk.Dir = s.dir
	sides := []struct {
		label string
		w     *widget
	}{
		{"cluster", newWidget(s.cluster.URL, s.standIn, s.demo)},
		{"single", newWidget(s.single.URL, s.standIn, s.demo)},
	}
	viewers, records := viewerIDs(o.viewers), benchRecords(o.records)
	costs := map[string]upstream{}
	for _, side := range sides {
		warmUpCalls, err := warmUp(ctx, side.w, viewers, records)
		if err != nil {
			return fmt.Errorf("%s: warm-up: %w", side.label, err)
		}
		u, err := warmLoads(ctx, side.w, viewers, records, o.loads)
		if err != nil {
			return fmt.Errorf("%s: %w", side.label, err)
		}
		u.WarmUpCalls = warmUpCalls
		logf("%s: warm-up made %d LinkedIn calls; then %d warm loads in %v made %d", side.label, warmUpCalls,
			u.Loads, u.Took.Round(time.Millisecond), u.Calls)
		costs[side.label] = u
	}
	// The look-up wrk repeats: a matched record, cached on both sides by
	// the warm-up, each side with a session of its own.
	var targets []target
	for _, side := range sides {
		token, err := side.w.newSession(ctx, "crm-user-bench-wrk", records[0])
		if err != nil {
			return err
		}
		if _, err := side.w.lookUp(ctx, token, records[0]); err != nil {
			return err
		}
		targets = append(targets, target{Label: side.label, URL: side.w.base + lookUpPath(records[0]),
			Headers: map[string]string{"Authorization": "Bearer " + token}})
	}
	results, err := runPairs(ctx, o.wrk, []pair{{Name: "cached look-up, 1 record", A: targets[0], B: targets[1]}}, logf)
	if err != nil {
		return err
	}
	report(out, o, machine, results, costs["cluster"], costs["single"])
	for _, r := range results {
		for _, x := range append(append([]run(nil), r.A...), r.B...) {
			if x.Errors() > 0 {
				return fmt.Errorf("%s: a run had %d failed requests (see the table)", r.Pair.Name, x.Errors())
			}
		}
	}
	return nil
}
