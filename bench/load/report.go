package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"text/tabwriter"
)

// describeMachine says what the figures were measured on: CPUs, their
// model, the load average before the run, Go and wrk versions.
func describeMachine(wrkBin string) string {
	model := "unknown CPU"
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	load := "?"
	if raw, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(raw)); len(f) >= 3 {
			load = strings.Join(f[:3], " ")
		}
	}
	// wrk -v prints its version and exits 1.
	raw, _ := exec.Command(wrkBin, "-v").CombinedOutput()
	wrkVersion, _, _ := strings.Cut(strings.TrimSpace(string(raw)), " Copyright")
	return fmt.Sprintf("%d CPUs (%s), load average %s before the run; %s; %s",
		runtime.NumCPU(), model, load, runtime.Version(), wrkVersion)
}

// report prints the tables: each wrk run, the median per side and the
// ratio cluster/single, then the LinkedIn calls of the warm loads.
func report(out io.Writer, o options, machine string, results []pairResult, cluster, single upstream) {
	shared := "PostgreSQL + Redis"
	if !o.redis {
		shared = "PostgreSQL, no Redis"
	}
	fmt.Fprintf(out, "\nCluster benchmark: %d instances (%s) vs 1 instance (SQLite)\n", o.instances, shared)
	fmt.Fprintf(out, "machine: %s\n", machine)
	fmt.Fprintf(out, "wrk: %d connections, %d threads, %v per run, sides in turns (A B A B…, %d rounds); both sides\n"+
		"behind the same in-process round-robin reverse proxy (cluster: %d backends, single: 1), all on loopback\n\n",
		o.wrk.Connections, o.wrk.Threads, o.wrk.Duration, o.wrk.Rounds, o.instances)
	printRuns(out, results)
	fmt.Fprintln(out)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "pair (median of %d runs)\treq/s %s\treq/s %s\tratio\tp50 %s\tp50 %s\tp99 %s\tp99 %s\tratio\t\n", o.wrk.Rounds,
		labelA(results), labelB(results), labelA(results), labelB(results), labelA(results), labelB(results))
	for _, r := range results {
		a, b := summarize(r.A), summarize(r.B)
		fmt.Fprintf(tw, "%s\t%.0f\t%.0f\t%.2f×\t%s\t%s\t%s\t%s\t%.2f×\t\n", r.Pair.Name, a.rps, b.rps, a.rps/b.rps,
			micros(a.p50), micros(b.p50), micros(a.p99), micros(b.p99), a.p99/b.p99)
	}
	tw.Flush()
	fmt.Fprintf(out, "\nLinkedIn calls per %d warm widget loads (session from a new context + look-up + SAT;\n"+
		"%d connected viewers, %d records, all looked up once before; round-robin over the instances):\n",
		cluster.Loads, o.viewers, o.records)
	for _, side := range []struct {
		label string
		u     upstream
	}{{"cluster", cluster}, {"single", single}} {
		fmt.Fprintf(out, "  %-8s %s   (look-ups not from the cache: %d; the warm-up made %d calls)\n",
			side.label+":", side.u, side.u.NotCached, side.u.WarmUpCalls)
	}
}

// printRuns prints every wrk run of results in the order they ran.
func printRuns(out io.Writer, results []pairResult) {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "pair\tside\trun\treq/s\tp50\tp99\tfailed\t")
	for _, r := range results {
		for i := range r.A {
			for _, side := range []struct {
				label string
				x     run
			}{{r.Pair.A.Label, r.A[i]}, {r.Pair.B.Label, r.B[i]}} {
				fmt.Fprintf(tw, "%s\t%s\t%d\t%.0f\t%s\t%s\t%d\t\n", r.Pair.Name, side.label, i+1,
					side.x.RPS(), micros(side.x.P50Us), micros(side.x.P99Us), side.x.Errors())
			}
		}
	}
	tw.Flush()
}

// stats are a side's medians.
type stats struct{ rps, p50, p99 float64 }

func summarize(runs []run) stats {
	var rps, p50, p99 []float64
	for _, r := range runs {
		rps, p50, p99 = append(rps, r.RPS()), append(p50, r.P50Us), append(p99, r.P99Us)
	}
	return stats{median(rps), median(p50), median(p99)}
}

func labelA(rs []pairResult) string {
	if len(rs) == 0 {
		return "A"
	}
	return rs[0].Pair.A.Label
}

func labelB(rs []pairResult) string {
	if len(rs) == 0 {
		return "B"
	}
	return rs[0].Pair.B.Label
}

// setupNames describes the setups in the bare benchmark's report.
var setupNames = map[string]string{
	setupSingle:  "one instance on SQLite, reached directly (as the bare server)",
	setupCluster: "the cluster on PostgreSQL + Redis behind the round-robin proxy (as many bare servers behind one too)",
}

// reportBare prints the bare benchmark: per setup every wrk run, then per
// pair the medians, the ratio (the bare handler's requests/s over the
// product's: how many times a bare handler's cost a request costs) with
// its target and PASS or FAIL, and the latencies. It returns the number
// of missed targets.
func reportBare(out io.Writer, o options, machine string, measured []setupResult) int {
	fmt.Fprintf(out, "\nBare benchmark (issue 10): the product vs a bare Gin handler answering the same bytes\n")
	fmt.Fprintf(out, "machine: %s\n", machine)
	fmt.Fprintf(out, "wrk: %d connections, %d threads, %v per run, product and bare in turns (A B A B…, %d rounds);\n"+
		"the bare handler is Gin in release mode without middleware, in a process of its own\n",
		o.wrk.Connections, o.wrk.Threads, o.wrk.Duration, o.wrk.Rounds)
	missed := 0
	for _, m := range measured {
		label := setupNames[m.Setup]
		if m.Setup == setupCluster {
			label = fmt.Sprintf("%d instances: %s", o.instances, label)
		}
		fmt.Fprintf(out, "\n== %s: %s; the warm-up made %d LinkedIn calls\n\n", m.Setup, label, m.WarmUpCalls)
		printRuns(out, m.Results)
		fmt.Fprintln(out)
		tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintf(tw, "%s (median of %d runs)\treq/s product\treq/s bare\tratio\ttarget\t\tp50 product\tp50 bare\tp99 product\tp99 bare\tp99 ratio\t\n",
			m.Setup, o.wrk.Rounds)
		for i, r := range m.Results {
			bp := m.Pairs[i]
			a, b := summarize(r.A), summarize(r.B)
			ratio := b.rps / a.rps
			target, verdict := "—", ""
			if bp.Target > 0 {
				target, verdict = fmt.Sprintf("≤ %.1f×", bp.Target), "PASS"
				if ratio > bp.Target {
					verdict = "FAIL"
					missed++
				}
			}
			fmt.Fprintf(tw, "%s\t%.0f\t%.0f\t%.2f×\t%s\t%s\t%s\t%s\t%s\t%s\t%.2f×\t\n", r.Pair.Name, a.rps, b.rps, ratio, target, verdict,
				micros(a.p50), micros(b.p50), micros(a.p99), micros(b.p99), a.p99/b.p99)
		}
		tw.Flush()
	}
	fmt.Fprintf(out, "\nratio: the bare handler's requests/s over the product's (how many bare requests one product request costs);\n"+
		"p99 ratio: the product's p99 over the bare handler's. wrk shares the machine's cores with both.\n")
	return missed
}
