package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/snapbridge/snapbridge/internal/sandbox"
	"github.com/snapbridge/snapbridge/internal/session"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// benchRecords returns n CRM records of the demo tenant: its seed records
// first (matched, matched without photo, no match), then synthetic ones
// the stand-in answers as no match.
func benchRecords(n int) []wire.Record {
	var out []wire.Record
	for _, r := range sandbox.DemoApps(demoOptions)[0].Instances[0].Records {
		out = append(out, wire.Record{ID: r.ID, Type: r.Type, FirstName: r.FirstName, LastName: r.LastName,
			Email: r.Email, Company: r.Company, Title: r.Title})
	}
	for i := len(out); i < n; i++ {
		out = append(out, wire.Record{ID: fmt.Sprintf("bench-%03d", i), Type: "contact", FirstName: "Bench",
			LastName: fmt.Sprintf("Person%d", i), Email: fmt.Sprintf("bench-%d@bench.example", i), Company: "Bench Co"})
	}
	return out[:n]
}

// viewerIDs names n CRM users.
func viewerIDs(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("crm-user-bench-%02d", i)
	}
	return out
}

// warmUp makes a side warm as a day of use would: every viewer connected
// (as the stand-in's demo members in turn) and holding a Sales Access
// Token, every record looked up once. Through the round-robin proxy each
// request reaches the next instance, so in the cluster each record and
// token was fetched by one instance only.
// It returns the LinkedIn calls the warm-up made.
func warmUp(ctx context.Context, w *widget, viewers []string, records []wire.Record) (int, error) {
	if _, err := w.standInCalls(ctx, true); err != nil {
		return 0, err
	}
	members := sandbox.DemoMembers()
	for i, v := range viewers {
		if err := w.connect(ctx, v, members[i%len(members)].ID, records[0]); err != nil {
			return 0, fmt.Errorf("connect %s: %w", v, err)
		}
		token, err := w.newSession(ctx, v, records[0])
		if err != nil {
			return 0, err
		}
		if err := w.salesAccessToken(ctx, token); err != nil {
			return 0, fmt.Errorf("SAT of %s: %w", v, err)
		}
	}
	for start := 0; start < len(records); start += session.MaxRecords {
		batch := records[start:min(start+session.MaxRecords, len(records))]
		token, err := w.newSession(ctx, "crm-user-bench-warm", batch...)
		if err != nil {
			return 0, err
		}
		if _, err := w.lookUp(ctx, token, batch...); err != nil {
			return 0, err
		}
	}
	calls, err := w.standInCalls(ctx, false)
	total := 0
	for _, n := range calls {
		total += n
	}
	return total, err
}

// standInCalls returns the stand-in's call counts by endpoint, and with
// reset sets them back to zero.
func (w *widget) standInCalls(ctx context.Context, reset bool) (map[string]int, error) {
	method, path := "GET", "/_sandbox/stats"
	if reset {
		method, path = "POST", "/_sandbox/stats/reset"
	}
	var stats struct {
		Calls map[string]int `json:"calls"`
	}
	if err := w.call(ctx, method, w.standIn+path, "", nil, http.StatusOK, &stats); err != nil {
		return nil, err
	}
	if stats.Calls == nil {
		return nil, errors.New("the stand-in's stats carry no calls")
	}
	return stats.Calls, nil
}

// upstream is what one side cost LinkedIn during the warm loads.
type upstream struct {
	// Loads is how many widget loads ran; Calls how many calls the
	// stand-in received meanwhile, by endpoint in ByEndpoint.
	Loads, Calls int
	// WarmUpCalls is what the warm-up before them cost.
	WarmUpCalls int
	ByEndpoint  map[string]int
	// NotCached counts look-up answers not served from the cache.
	NotCached int
	Took      time.Duration
}

// String is "0" or "3 (profileAssociations.batch 2, salesAccessTokens 1)".
func (u upstream) String() string {
	if u.Calls == 0 {
		return "0"
	}
	var parts []string
	for name, n := range u.ByEndpoint {
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", name, n))
		}
	}
	sort.Strings(parts)
	return fmt.Sprintf("%d (%s)", u.Calls, strings.Join(parts, ", "))
}

// warmLoads runs loads widget loads over the viewers (one goroutine per
// viewer, loads in turn), each as the widget opens on a record page: a
// session from a freshly signed context, the look-up of its record, the
// Sales Access Token. It counts the stand-in's calls from a reset before
// the first load to after the last.
func warmLoads(ctx context.Context, w *widget, viewers []string, records []wire.Record, loads int) (upstream, error) {
	if _, err := w.standInCalls(ctx, true); err != nil {
		return upstream{}, err
	}
	began := time.Now()
	var mu sync.Mutex
	res := upstream{Loads: loads}
	g, gctx := errgroup.WithContext(ctx)
	for v := range viewers {
		g.Go(func() error {
			for i := v; i < loads; i += len(viewers) {
				rec := records[i%len(records)]
				token, err := w.newSession(gctx, viewers[v], rec)
				if err != nil {
					return err
				}
				answers, err := w.lookUp(gctx, token, rec)
				if err != nil {
					return err
				}
				if !answers[0].Cached {
					mu.Lock()
					res.NotCached++
					mu.Unlock()
				}
				if err := w.salesAccessToken(gctx, token); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return res, fmt.Errorf("warm loads: %w", err)
	}
	res.Took = time.Since(began)
	calls, err := w.standInCalls(ctx, false)
	if err != nil {
		return res, err
	}
	res.ByEndpoint = calls
	for _, n := range calls {
		res.Calls += n
	}
	return res, nil
}
