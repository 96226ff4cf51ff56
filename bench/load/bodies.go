package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/snapbridge/snapbridge/internal/session"
	"github.com/snapbridge/snapbridge/internal/tenant"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// bodyFile is a file of request bodies, one a line, that wrk sends in
// turn instead of one fixed body: the session pair's signed contexts,
// which are one-time.
type bodyFile struct {
	// Path is the file; each line is one body, without its newline.
	Path string
	// offsets holds the byte offset of every line's start, and one more:
	// the file's length.
	offsets []int64
}

// Lines is how many bodies the file holds.
func (f *bodyFile) Lines() int { return len(f.offsets) - 1 }

// window is the lines [First, First+Count) of a body file one wrk run
// sends.
type window struct{ First, Count int }

// roundWindow is the part of a file of lines bodies that round (1-based)
// of rounds sends: each round lines of its own, so that no context is
// sent twice to the product, whose runs in a pair are several.
func roundWindow(lines, round, rounds int) window {
	first := (round - 1) * lines / rounds
	return window{First: first, Count: round*lines/rounds - first}
}

// slice is what one wrk thread sends: Count lines from line First (0-based),
// which starts at byte Offset.
type slice struct {
	First, Count int
	Offset       int64
}

// threadSlices splits w among threads, disjoint and in order, the first
// threads getting one line fewer when w.Count does not divide evenly.
// The wrk script reads each thread's lines from its slice's Offset.
func (f *bodyFile) threadSlices(w window, threads int) []slice {
	out := make([]slice, threads)
	for k := range out {
		first := w.First + k*w.Count/threads
		out[k] = slice{First: first, Count: w.First + (k+1)*w.Count/threads - first, Offset: f.offsets[first]}
	}
	return out
}

// writeBodyFile writes bodies, one a line, to path; no body may hold a
// newline.
func writeBodyFile(path string, bodies []string) (*bodyFile, error) {
	out, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, err
	}
	w := bufio.NewWriterSize(out, 1<<20)
	f := &bodyFile{Path: path, offsets: make([]int64, 0, len(bodies)+1)}
	var at int64
	for _, b := range bodies {
		if strings.ContainsAny(b, "\r\n") {
			out.Close()
			return nil, fmt.Errorf("body %.40q… holds a newline", b)
		}
		f.offsets = append(f.offsets, at)
		n, _ := w.WriteString(b)
		w.WriteByte('\n')
		at += int64(n) + 1
	}
	f.offsets = append(f.offsets, at)
	if err := w.Flush(); err != nil {
		out.Close()
		return nil, err
	}
	return f, out.Close()
}

// signSessionBodies signs n fresh host contexts for viewer and records, as
// the CRM does for every page view, each as the body of a session request
// ({"ctx":"…"}). They live lifetime (at most the tenant's
// context.maxLifetime), counted from now: sign them just before the run.
func signSessionBodies(ctx context.Context, t *tenant.Tenant, viewer string, records []wire.Record, n int, lifetime time.Duration) ([]string, error) {
	bodies := make([]string, n)
	workers := runtime.NumCPU()
	g, gctx := errgroup.WithContext(ctx)
	for k := range workers {
		g.Go(func() error {
			for i := k; i < n; i += workers {
				if i%1000 == 0 && gctx.Err() != nil {
					return gctx.Err()
				}
				signed, err := session.SignContext(t, session.ContextClaims{Viewer: wire.Viewer{ID: viewer, Name: "Bench Seller"},
					Records: records, Lifetime: lifetime}, time.Now())
				if err != nil {
					return err
				}
				raw, err := json.Marshal(wire.SessionRequest{Ctx: signed})
				if err != nil {
					return err
				}
				bodies[i] = string(raw)
			}
			return nil
		})
	}
	return bodies, g.Wait()
}
