package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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

func benchHTTP(b *testing.B, url, token string) { benchHTTPMethod(b, "GET", url, token) }

func benchHTTPMethod(b *testing.B, method, url, token string) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	req, _ := http.NewRequest(method, url, nil)
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

// BenchmarkCachedSAT measures a cached Sales Access Token through the
// whole handler stack (middleware, session verification, broker, JSON)
// against BenchmarkBareSATHandler, a bare Gin handler writing the same
// bytes. A cached token is answered from memory (no database read, no
// decryption): the ratio of the two ns/op is the broker's cost.
func BenchmarkCachedSAT(b *testing.B) {
	p, token, _ := connectedSeller(b)
	h := p.srv.Handler()
	req := httptest.NewRequest("POST", "/api/v1/sales-access-token", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	b.ReportAllocs()
	b.ResetTimer()
	w := &discardWriter{}
	for b.Loop() {
		w.reset()
		h.ServeHTTP(w, req)
		if w.code != http.StatusOK {
			b.Fatalf("status %d", w.code)
		}
	}
	b.StopTimer()
	p.stop()
}

// BenchmarkBareSATHandler is the baseline: Gin writing the same JSON bytes.
func BenchmarkBareSATHandler(b *testing.B) {
	p, _, body := connectedSeller(b)
	p.stop()
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.POST("/api/v1/sales-access-token", func(c *gin.Context) { c.Data(http.StatusOK, "application/json; charset=utf-8", body) })
	req := httptest.NewRequest("POST", "/api/v1/sales-access-token", nil)
	b.ReportAllocs()
	b.ResetTimer()
	w := &discardWriter{}
	for b.Loop() {
		w.reset()
		r.ServeHTTP(w, req)
		if w.code != http.StatusOK {
			b.Fatalf("status %d", w.code)
		}
	}
}

// connectedSeller starts the product with a seller connected to LinkedIn
// and returns a session token for one record with the SAT answer body
// (the token then cached).
func connectedSeller(b *testing.B) (*product, string, []byte) {
	p := startBoth(b, nil)
	rec := p.demoRecords("demo", "matched")[0]
	s := p.newSession("demo", "bench-user", rec)
	var nc wire.Error
	p.call("POST", "/api/v1/sales-access-token", s.Token, nil, http.StatusConflict, &nc)
	p.connect(nc.Error.ConnectURL, firstMember(p.li), s.Token)
	resp, body := p.do("POST", p.srv.URL+"/api/v1/sales-access-token", s.Token, nil)
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	return p, s.Token, body
}

// BenchmarkCachedSATHTTP is a cached SAT as the widget asks for it: over a
// kept-alive loopback connection to the running server. Compare it with
// BenchmarkBareSATHandlerHTTP.
func BenchmarkCachedSATHTTP(b *testing.B) {
	p, token, _ := connectedSeller(b)
	benchHTTPMethod(b, "POST", p.srv.URL+"/api/v1/sales-access-token", token)
	p.stop()
}

// BenchmarkBareSATHandlerHTTP serves the same bytes from a bare Gin
// handler over loopback.
func BenchmarkBareSATHandlerHTTP(b *testing.B) {
	p, _, body := connectedSeller(b)
	p.stop()
	r := gin.New()
	r.POST("/api/v1/sales-access-token", func(c *gin.Context) { c.Data(http.StatusOK, "application/json; charset=utf-8", body) })
	srv := httptest.NewServer(r)
	defer srv.Close()
	benchHTTPMethod(b, "POST", srv.URL+"/api/v1/sales-access-token", "")
}

// sessionBenchRecords are the sizes session creation is measured at: one
// record (a record page) and fifty (the largest list view).
var sessionBenchRecords = []int{1, 50}

// BenchmarkSessionCreate measures POST /api/v1/sessions through the whole
// handler stack (a fresh host context each time: HS256 verification, the
// jti write, Ed25519 signing, JSON) against BenchmarkSessionCreateBare, a
// bare Gin handler reading the same body and writing the same bytes.
// Report the ratio of the two ns/op from one run.
func BenchmarkSessionCreate(b *testing.B) {
	for _, n := range sessionBenchRecords {
		b.Run(fmt.Sprintf("records=%d", n), func(b *testing.B) {
			p := startBoth(b, nil)
			records := syntheticRecords(p, "bench", n)
			bodies := make([][]byte, b.N)
			for i := range bodies {
				bodies[i] = sessionBody(b, p.signedContext("demo", "bench-user", records...))
			}
			h := p.srv.Handler()
			b.ReportAllocs()
			b.ResetTimer()
			w := &discardWriter{}
			for i := range b.N {
				w.reset()
				h.ServeHTTP(w, sessionRequest(bodies[i]))
				if w.code != http.StatusCreated {
					b.Fatalf("status %d", w.code)
				}
			}
			b.StopTimer()
			p.stop()
		})
	}
}

// BenchmarkSessionCreateBare is the baseline of BenchmarkSessionCreate: a
// bare Gin handler that reads the same request body and writes the same
// answer bytes.
func BenchmarkSessionCreateBare(b *testing.B) {
	for _, n := range sessionBenchRecords {
		b.Run(fmt.Sprintf("records=%d", n), func(b *testing.B) {
			p := startBoth(b, nil)
			records := syntheticRecords(p, "bench", n)
			body := sessionBody(b, p.signedContext("demo", "bench-user", records...))
			resp, answer := p.do("POST", p.srv.URL+"/api/v1/sessions", "", json.RawMessage(body))
			if resp.StatusCode != http.StatusCreated {
				b.Fatalf("status %d: %s", resp.StatusCode, answer)
			}
			p.stop()
			gin.SetMode(gin.ReleaseMode)
			r := gin.New()
			r.POST("/api/v1/sessions", func(c *gin.Context) {
				_, _ = io.Copy(io.Discard, c.Request.Body)
				c.Data(http.StatusCreated, "application/json; charset=utf-8", answer)
			})
			b.ReportAllocs()
			b.ResetTimer()
			w := &discardWriter{}
			for b.Loop() {
				w.reset()
				r.ServeHTTP(w, sessionRequest(body))
				if w.code != http.StatusCreated {
					b.Fatalf("status %d", w.code)
				}
			}
		})
	}
}

func sessionBody(b *testing.B, ctx string) []byte {
	body, err := json.Marshal(wire.SessionRequest{Ctx: ctx})
	if err != nil {
		b.Fatal(err)
	}
	return body
}

func sessionRequest(body []byte) *http.Request {
	req := httptest.NewRequest("POST", "/api/v1/sessions", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return req
}

// BenchmarkSessionCreateHTTP is session creation as a widget page makes
// it (and as wrk measures it): over a kept-alive loopback connection to
// the running server. Compare it with BenchmarkSessionCreateBareHTTP.
func BenchmarkSessionCreateHTTP(b *testing.B) {
	for _, n := range sessionBenchRecords {
		b.Run(fmt.Sprintf("records=%d", n), func(b *testing.B) {
			p := startBoth(b, nil)
			records := syntheticRecords(p, "bench", n)
			bodies := make([][]byte, b.N)
			for i := range bodies {
				bodies[i] = sessionBody(b, p.signedContext("demo", "bench-user", records...))
			}
			benchPostHTTP(b, p.srv.URL+"/api/v1/sessions", bodies)
			p.stop()
		})
	}
}

// BenchmarkSessionCreateBareHTTP serves the same answer from a bare Gin
// handler over loopback.
func BenchmarkSessionCreateBareHTTP(b *testing.B) {
	for _, n := range sessionBenchRecords {
		b.Run(fmt.Sprintf("records=%d", n), func(b *testing.B) {
			url, bodies := bareSessionServer(b, n)
			benchPostHTTP(b, url, bodies)
		})
	}
}

// benchPostHTTP posts bodies[i] in iteration i over one kept-alive
// connection and expects 201.
func benchPostHTTP(b *testing.B, url string, bodies [][]byte) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	defer client.CloseIdleConnections()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		resp, err := client.Post(url, "application/json", bytes.NewReader(bodies[i]))
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
	b.StopTimer()
}

// BenchmarkSessionCreateParallelHTTP is session creation under concurrent
// load, as wrk makes it: 64 kept-alive loopback connections posting fresh
// contexts at once, so that commits of the jti writes overlap. Compare it
// with BenchmarkSessionCreateBareParallelHTTP from the same run.
func BenchmarkSessionCreateParallelHTTP(b *testing.B) {
	p := startBoth(b, nil)
	records := syntheticRecords(p, "bench", 1)
	bodies := make([][]byte, b.N)
	for i := range bodies {
		bodies[i] = sessionBody(b, p.signedContext("demo", "bench-user", records...))
	}
	benchPostParallelHTTP(b, p.srv.URL+"/api/v1/sessions", bodies)
	p.stop()
}

// BenchmarkSessionCreateBareParallelHTTP serves the same answer from a
// bare Gin handler to 64 concurrent loopback connections.
func BenchmarkSessionCreateBareParallelHTTP(b *testing.B) {
	url, bodies := bareSessionServer(b, 1)
	benchPostParallelHTTP(b, url, bodies)
}

// bareSessionServer asks the product once for a session of n records,
// then serves that answer from a bare Gin handler that reads the body as
// the product does; it returns the handler's URL and b.N copies of the
// request body. The server stops when the benchmark ends.
func bareSessionServer(b *testing.B, n int) (string, [][]byte) {
	p := startBoth(b, nil)
	body := sessionBody(b, p.signedContext("demo", "bench-user", syntheticRecords(p, "bench", n)...))
	resp, answer := p.do("POST", p.srv.URL+"/api/v1/sessions", "", json.RawMessage(body))
	if resp.StatusCode != http.StatusCreated {
		b.Fatalf("status %d: %s", resp.StatusCode, answer)
	}
	p.stop()
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.POST("/api/v1/sessions", func(c *gin.Context) {
		_, _ = io.Copy(io.Discard, c.Request.Body)
		c.Data(http.StatusCreated, "application/json; charset=utf-8", answer)
	})
	srv := httptest.NewServer(r)
	b.Cleanup(srv.Close)
	bodies := make([][]byte, b.N)
	for i := range bodies {
		bodies[i] = body
	}
	return srv.URL + "/api/v1/sessions", bodies
}

// benchPostParallelHTTP posts every body once, from 64 goroutines each on
// its own kept-alive connection, and expects 201. Beside ns/op it reports
// cpu-ns/op: the process's CPU time (server and client) per request.
func benchPostParallelHTTP(b *testing.B, url string, bodies [][]byte) {
	const conns = 64
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}}
	defer client.CloseIdleConnections()
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ReportAllocs()
	b.ResetTimer()
	cpu := processCPU()
	for range conns {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(len(bodies)) {
					return
				}
				resp, err := client.Post(url, "application/json", bytes.NewReader(bodies[i]))
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusCreated {
					b.Errorf("status %d", resp.StatusCode)
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(processCPU()-cpu)/float64(len(bodies)), "cpu-ns/op")
}
