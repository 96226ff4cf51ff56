package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/snapbridge/snapbridge/internal/wire"
)

// barePair is one of issue 10's measurements: a request to the product
// against a bare Gin handler answering the same bytes.
type barePair struct {
	// Key names it in -pairs.
	Key string
	// Name says what is measured.
	Name string
	// Records is how many records a look-up names.
	Records int
	// Target is the largest ratio (the bare handler's requests/s over the
	// product's) issue 10 accepts; 0 for none.
	Target float64
}

// barePairs are every pair of the bare benchmark, in the order they run.
var barePairs = []barePair{
	{Key: "lookup1", Name: "cached look-up, 1 record", Records: 1, Target: 1.3},
	{Key: "lookup10", Name: "cached look-up, 10 records", Records: 10},
	{Key: "lookup50", Name: "cached look-up, 50 records", Records: 50, Target: 2},
	{Key: "sat", Name: "cached SAT", Target: 2},
	{Key: "session", Name: "session creation", Target: 5},
}

// setups the bare benchmark can measure the product on.
const (
	setupSingle  = "single"
	setupCluster = "cluster"
)

// parsePairs reads -pairs: keys of barePairs, comma-separated, or "all".
func parsePairs(s string) ([]barePair, error) {
	if s == "all" {
		return barePairs, nil
	}
	var out []barePair
	for _, key := range strings.Split(s, ",") {
		i := slices.IndexFunc(barePairs, func(p barePair) bool { return p.Key == strings.TrimSpace(key) })
		if i < 0 {
			return nil, fmt.Errorf("-pairs: %q is not one of lookup1, lookup10, lookup50, sat, session, all", key)
		}
		if !slices.ContainsFunc(out, func(p barePair) bool { return p.Key == barePairs[i].Key }) {
			out = append(out, barePairs[i])
		}
	}
	return out, nil
}

// parseSetups reads -setup: single, cluster or both.
func parseSetups(s string) ([]string, error) {
	switch s {
	case setupSingle, setupCluster:
		return []string{s}, nil
	case "both":
		return []string{setupSingle, setupCluster}, nil
	}
	return nil, fmt.Errorf("-setup: %q is not one of single, cluster, both", s)
}

// setupResult is what the bare benchmark measured on one setup.
type setupResult struct {
	Setup   string
	Pairs   []barePair
	Results []pairResult
	// WarmUpCalls is what warming the setup cost LinkedIn.
	WarmUpCalls int
}

// runBare is issue 10's benchmark, written to out: on each setup, after a
// warm-up, every pair of o.pairs, the product and a bare Gin handler with
// the same answer bytes in turns (A B A B), and each pair's ratio against
// its target. A missed target fails the run only with -enforce-targets;
// a failed request always does.
func runBare(ctx context.Context, o options, out io.Writer) error {
	pairs, err := parsePairs(o.pairs)
	if err != nil {
		return err
	}
	setups, err := parseSetups(o.setup)
	if err != nil {
		return err
	}
	if err := o.check(); err != nil {
		return err
	}
	if slices.ContainsFunc(pairs, func(p barePair) bool { return p.Key == "session" }) && o.contexts < 2*o.wrk.Rounds*o.wrk.Threads {
		return fmt.Errorf("-contexts must be at least 2 × -rounds × -threads")
	}
	if err := o.resolvePrograms(); err != nil {
		return err
	}
	logf := stderrLog
	machine := describeMachine(o.wrk.Bin)
	instances := 0
	if slices.Contains(setups, setupCluster) {
		instances = o.instances
	}
	s, err := startStack(ctx, o.bin, o.wasmDir, instances, o.redis, slices.Contains(setups, setupSingle), logf)
	defer s.stop(o.keep)
	if err != nil {
		return err
	}
	o.wrk.Dir = s.dir
	var measured []setupResult
	for _, setup := range setups {
		res, err := measureSetup(ctx, o, s, setup, pairs, logf)
		if err != nil {
			return fmt.Errorf("%s: %w", setup, err)
		}
		measured = append(measured, res)
	}
	missed := reportBare(out, o, machine, measured)
	var failed []string
	for _, m := range measured {
		for _, r := range m.Results {
			for _, x := range slices.Concat(r.A, r.B) {
				if x.Errors() > 0 {
					failed = append(failed, fmt.Sprintf("%s, %s: a run had %d failed requests", m.Setup, r.Pair.Name, x.Errors()))
				}
			}
			for _, x := range r.A {
				if r.Pair.A.OneTime && x.Wraps > 0 {
					failed = append(failed, fmt.Sprintf("%s, %s: the signed contexts ran out (raise -contexts)", m.Setup, r.Pair.Name))
				}
			}
		}
	}
	if len(failed) > 0 {
		return errors.New(strings.Join(failed, "; "))
	}
	if missed > 0 && o.enforceTargets {
		return fmt.Errorf("%d target(s) missed", missed)
	}
	return nil
}

// measureSetup warms setup and measures pairs on it. On the single setup
// wrk reaches the instance directly, as it reaches the bare server; the
// cluster is reached through its round-robin proxy, so the bare side is
// as many bare servers, each a process of its own, behind one of the same
// kind: both sides share the cores among as many processes, and the ratio
// is what the product's handlers cost, not the topology. The warm-up goes through
// the proxies either way: they are the instances' public URL, which the
// LinkedIn connect flow returns to.
func measureSetup(ctx context.Context, o options, s *stack, setup string, pairs []barePair, logf func(string, ...any)) (setupResult, error) {
	res := setupResult{Setup: setup, Pairs: pairs}
	w, direct := newWidget(s.single.URL, s.standIn, s.demo), s.singleDirect
	if setup == setupCluster {
		w, direct = newWidget(s.cluster.URL, s.standIn, s.demo), s.cluster.URL
	}
	viewers, records := viewerIDs(1), benchRecords(50)
	var err error
	if res.WarmUpCalls, err = warmUp(ctx, w, viewers, records); err != nil {
		return res, fmt.Errorf("warm-up: %w", err)
	}
	logf("%s: warm: viewer %s connected with its SAT, %d records looked up (%d LinkedIn calls)",
		setup, viewers[0], len(records), res.WarmUpCalls)
	for _, bp := range pairs {
		b := &bench{o: o, s: s, setup: setup, w: w, direct: direct, viewer: viewers[0], records: records}
		p, err := b.pair(ctx, bp)
		if err == nil {
			var r []pairResult
			r, err = runPairs(ctx, o.wrk, []pair{p}, func(f string, args ...any) { logf(setup+": "+f, args...) })
			res.Results = append(res.Results, r...)
		}
		b.close()
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

// bench prepares one pair on one setup and holds what it started.
type bench struct {
	o       options
	s       *stack
	setup   string
	w       *widget
	direct  string // the product's URL for wrk
	viewer  string // connected, its SAT cached
	records []wire.Record
	// started, stopped by close: the bare servers, their proxy, the body
	// file.
	bare  []*process
	proxy *roundRobin
	file  string
}

// pair is bp's pair: the product's target (warm, its answer captured)
// and a bare server answering the same bytes, checked to do so.
func (b *bench) pair(ctx context.Context, bp barePair) (pair, error) {
	product, first, want, err := b.productTarget(ctx, bp)
	if err != nil {
		return pair{}, err
	}
	got, err := captureAnswer(ctx, b.w.http, product, first, want)
	if err != nil {
		return pair{}, fmt.Errorf("%s: %w", bp.Name, err)
	}
	if err := checkWarm(bp, got); err != nil {
		return pair{}, err
	}
	var base string
	if b.setup == setupSingle {
		p, backend, err := startBare(ctx, b.s.dir, "bare-single-"+bp.Key, got)
		if err != nil {
			return pair{}, err
		}
		b.bare, base = append(b.bare, p), backend
	} else {
		var backends []string
		for i := range b.o.instances {
			p, backend, err := startBare(ctx, b.s.dir, fmt.Sprintf("bare-cluster-%s-%d", bp.Key, i+1), got)
			if err != nil {
				return pair{}, err
			}
			b.bare, backends = append(b.bare, p), append(backends, backend)
		}
		if b.proxy, err = listenRoundRobin(); err != nil {
			return pair{}, err
		}
		if err := b.proxy.serve(backends); err != nil {
			return pair{}, err
		}
		base = b.proxy.URL
	}
	u, err := url.Parse(product.URL)
	if err != nil {
		return pair{}, err
	}
	bare := product
	bare.Label, bare.URL, bare.OneTime = "bare", base+u.RequestURI(), false
	again, err := captureAnswer(ctx, b.w.http, bare, first, want)
	if err != nil {
		return pair{}, fmt.Errorf("bare %s: %w", bp.Name, err)
	}
	if diff := sameAnswer(got, again); diff != "" {
		return pair{}, fmt.Errorf("bare %s does not answer the product's bytes: %s", bp.Name, diff)
	}
	return pair{Name: bp.Name, A: product, B: bare}, nil
}

// productTarget is bp's request to the product, with the body to capture
// its answer with (session creation: a context of its own) and the status
// it answers.
func (b *bench) productTarget(ctx context.Context, bp barePair) (target, string, int, error) {
	t := target{Label: "product"}
	switch bp.Key {
	case "sat":
		token, err := b.w.newSession(ctx, b.viewer, b.records[0])
		if err != nil {
			return t, "", 0, err
		}
		t.Method, t.URL = "POST", b.direct+"/api/v1/sales-access-token"
		t.Headers = map[string]string{"Authorization": "Bearer " + token}
		return t, "", http.StatusOK, nil
	case "session":
		lifetime := b.s.demo.Context.MaxLifetime
		if need := time.Duration(2*b.o.wrk.Rounds)*b.o.wrk.Duration + time.Minute; need > lifetime {
			return t, "", 0, fmt.Errorf("session creation: %d rounds of %v need contexts living %v; the demo tenant allows %v",
				b.o.wrk.Rounds, b.o.wrk.Duration, need, lifetime)
		}
		began := time.Now()
		bodies, err := signSessionBodies(ctx, b.s.demo, "crm-user-bench-wrk", b.records[:1], b.o.contexts+1, lifetime)
		if err != nil {
			return t, "", 0, err
		}
		b.file = filepath.Join(b.s.dir, "contexts-"+b.setup+".txt")
		if t.Bodies, err = writeBodyFile(b.file, bodies[1:]); err != nil {
			return t, "", 0, err
		}
		stderrLog("%s: signed %d contexts (HS256, living %v) in %v", b.setup, len(bodies), lifetime, time.Since(began).Round(time.Millisecond))
		t.Method, t.URL, t.OneTime = "POST", b.direct+"/api/v1/sessions", true
		t.Headers = map[string]string{"Content-Type": "application/json"}
		return t, bodies[0], http.StatusCreated, nil
	default:
		recs := b.records[:bp.Records]
		token, err := b.w.newSession(ctx, "crm-user-bench-wrk", recs...)
		if err != nil {
			return t, "", 0, err
		}
		t.URL = b.direct + lookUpPath(recs...)
		t.Headers = map[string]string{"Authorization": "Bearer " + token}
		return t, "", http.StatusOK, nil
	}
}

// checkWarm refuses a look-up answer that was not served from the cache:
// the pairs measure the warm path.
func checkWarm(bp barePair, a answer) error {
	if bp.Records == 0 {
		return nil
	}
	var as wire.Associations
	if err := json.Unmarshal(a.Body, &as); err != nil {
		return fmt.Errorf("%s: %w", bp.Name, err)
	}
	if len(as.Associations) != bp.Records {
		return fmt.Errorf("%s: %d answers", bp.Name, len(as.Associations))
	}
	for _, x := range as.Associations {
		if !x.Cached {
			return fmt.Errorf("%s: record %s was not answered from the cache after the warm-up", bp.Name, x.RecordID)
		}
	}
	return nil
}

// close stops the pair's bare server and its proxy and removes its body
// file (unless -keep).
func (b *bench) close() {
	if b.proxy != nil {
		b.proxy.close()
	}
	for _, p := range b.bare {
		p.stop()
	}
	if b.file != "" && !b.o.keep {
		os.Remove(b.file)
	}
}
