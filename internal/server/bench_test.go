package server_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/snapbridge/snapbridge/internal/sandbox"
	"github.com/snapbridge/snapbridge/internal/session"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// BenchmarkCachedAssociation measures a cached association look-up through
// the whole handler stack (middleware, session verification, resolver,
// JSON) against BenchmarkBareHandler, a bare Gin handler writing the same
// bytes. Report the ratio of the two ns/op from one run.
func BenchmarkCachedAssociation(b *testing.B) { benchCached(b, 1) }

// BenchmarkBareHandler is the baseline: Gin writing the same JSON bytes.
func BenchmarkBareHandler(b *testing.B) { benchBare(b, 1) }

// BenchmarkCachedAssociation50 is BenchmarkCachedAssociation for a list
// view of 50 records (session.MaxRecords), all cached. Compare it with
// BenchmarkBareHandler50.
func BenchmarkCachedAssociation50(b *testing.B) { benchCached(b, session.MaxRecords) }

// BenchmarkBareHandler50 writes the 50 records' answer from a bare Gin
// handler.
func BenchmarkBareHandler50(b *testing.B) { benchBare(b, session.MaxRecords) }

// benchRecords returns n records of the demo tenant: its seed records
// (matched first), then records LinkedIn does not know (no match).
func benchRecords(p *product, n int) []wire.Record {
	var recs []wire.Record
	for _, outcome := range []string{sandbox.OutcomeMatched, sandbox.OutcomeNoPhoto, sandbox.OutcomeNoMatch} {
		recs = append(recs, p.demoRecords("demo", outcome)...)
	}
	for i := len(recs); i < n; i++ {
		recs = append(recs, wire.Record{ID: "bench-" + strconv.Itoa(i), Type: "contact", FirstName: "Bench", LastName: strconv.Itoa(i)})
	}
	return recs[:n]
}

// benchQuery is the query naming recs.
func benchQuery(recs []wire.Record) string {
	ids := make([]string, len(recs))
	for i, r := range recs {
		ids[i] = r.ID
	}
	return "/api/v1/associations?records=" + strings.Join(ids, ",")
}

// benchCached starts the product, caches n records' answers and measures
// the cached look-up of all of them in-process.
func benchCached(b *testing.B, n int) {
	p := startBoth(b, nil)
	recs := benchRecords(p, n)
	s := p.newSession("demo", "bench-user", recs...)
	var warm wire.Associations
	p.call("GET", "/api/v1/associations", s.Token, nil, http.StatusOK, &warm)
	h := p.srv.Handler()
	req := httptest.NewRequest("GET", benchQuery(recs), nil)
	req.Header.Set("Authorization", "Bearer "+s.Token)
	b.ReportAllocs()
	b.ResetTimer()
	w := &discardWriter{}
	cpu := processCPU()
	for b.Loop() {
		w.reset()
		h.ServeHTTP(w, req)
		if w.code != http.StatusOK {
			b.Fatalf("status %d", w.code)
		}
	}
	reportCPU(b, cpu)
	b.StopTimer()
	p.stop()
}

// benchBare gets the cached answer for n records from the product and
// measures a bare Gin handler writing it in-process.
func benchBare(b *testing.B, n int) {
	p := startBoth(b, nil)
	recs := benchRecords(p, n)
	s := p.newSession("demo", "bench-user", recs...)
	path := benchQuery(recs)
	p.do("GET", p.srv.URL+path, s.Token, nil)
	resp, body := p.do("GET", p.srv.URL+path, s.Token, nil)
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("status %d", resp.StatusCode)
	}
	p.stop()
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.GET("/api/v1/associations", func(c *gin.Context) { c.Data(http.StatusOK, "application/json; charset=utf-8", body) })
	req := httptest.NewRequest("GET", path, nil)
	req.Header.Set("Authorization", "Bearer "+s.Token)
	b.ReportAllocs()
	b.ResetTimer()
	w := &discardWriter{}
	cpu := processCPU()
	for b.Loop() {
		w.reset()
		r.ServeHTTP(w, req)
		if w.code != http.StatusOK {
			b.Fatalf("status %d", w.code)
		}
	}
	reportCPU(b, cpu)
}

// reportCPU adds cpu-ns/op: the process's CPU time since cpu (client and
// server alike for the loopback benchmarks) per iteration. Compare it
// with ns/op when the machine is busy.
func reportCPU(b *testing.B, cpu time.Duration) {
	if b.N > 0 {
		b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
	}
}

// discardWriter is what net/http gives a handler, minus the socket: a
// fresh header map per request and a body that goes nowhere. Unlike
// httptest.ResponseRecorder it does not copy headers on WriteHeader.
type discardWriter struct {
	header http.Header
	code   int
	n      int
}

func (w *discardWriter) reset()              { w.header, w.code, w.n = make(http.Header), 0, 0 }
func (w *discardWriter) Header() http.Header { return w.header }
func (w *discardWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}
func (w *discardWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	w.n += len(p)
	return len(p), nil
}

// BenchmarkCachedAssociationHTTP is the same look-up as a widget makes it:
// over a kept-alive loopback connection to the running server. Compare it
// with BenchmarkBareHandlerHTTP.
func BenchmarkCachedAssociationHTTP(b *testing.B) { benchCachedHTTP(b, 1) }

// BenchmarkBareHandlerHTTP serves the same bytes from a bare Gin handler
// over loopback.
func BenchmarkBareHandlerHTTP(b *testing.B) { benchBareHTTP(b, 1) }

// BenchmarkCachedAssociation50HTTP is BenchmarkCachedAssociationHTTP for
// 50 cached records. Compare it with BenchmarkBareHandler50HTTP.
func BenchmarkCachedAssociation50HTTP(b *testing.B) { benchCachedHTTP(b, session.MaxRecords) }

// BenchmarkBareHandler50HTTP serves the 50 records' answer from a bare Gin
// handler over loopback.
func BenchmarkBareHandler50HTTP(b *testing.B) { benchBareHTTP(b, session.MaxRecords) }

func benchCachedHTTP(b *testing.B, n int) {
	p := startBoth(b, nil)
	recs := benchRecords(p, n)
	s := p.newSession("demo", "bench-user", recs...)
	path := benchQuery(recs)
	p.do("GET", p.srv.URL+path, s.Token, nil)
	benchHTTP(b, p.srv.URL+path, s.Token)
	p.stop()
}

func benchBareHTTP(b *testing.B, n int) {
	p := startBoth(b, nil)
	recs := benchRecords(p, n)
	s := p.newSession("demo", "bench-user", recs...)
	path := benchQuery(recs)
	p.do("GET", p.srv.URL+path, s.Token, nil)
	_, body := p.do("GET", p.srv.URL+path, s.Token, nil)
	p.stop()
	r := gin.New()
	r.GET("/api/v1/associations", func(c *gin.Context) { c.Data(http.StatusOK, "application/json; charset=utf-8", body) })
	srv := httptest.NewServer(r)
	defer srv.Close()
	// The same request, token included: reading a 50-record session token
	// off the connection is not the handler's work.
	benchHTTP(b, srv.URL+path, s.Token)
}

func benchHTTP(b *testing.B, url, token string) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu := processCPU()
	defer reportCPU(b, cpu)
	for b.Loop() {
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
}
