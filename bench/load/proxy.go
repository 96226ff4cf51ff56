package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"sync/atomic"
	"time"
)

// roundRobin is the load balancer in front of a side of the benchmark: a
// reverse proxy sending each request to the next backend in turn. The
// single instance sits behind one too (with one backend), so both sides
// pay the same extra hop.
type roundRobin struct {
	// URL is where the proxy listens, http://127.0.0.1:<port>.
	URL      string
	backends []*url.URL
	next     atomic.Uint64
	srv      *http.Server
	ln       net.Listener
}

// listenRoundRobin opens the proxy's loopback listener; serve starts it
// once the backends are known (the instances need the proxy's URL, their
// public URL, before they start).
func listenRoundRobin() (*roundRobin, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	return &roundRobin{URL: "http://" + ln.Addr().String(), ln: ln}, nil
}

// serve proxies to backends (base URLs) until close.
func (rr *roundRobin) serve(backends []string) error {
	for _, b := range backends {
		u, err := url.Parse(b)
		if err != nil {
			return err
		}
		rr.backends = append(rr.backends, u)
	}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(rr.pick())
			// The instances' public URL is the proxy's, as behind a real
			// load balancer.
			pr.Out.Host = pr.In.Host
		},
		// 64 connections in front need as many kept-alive connections
		// behind; net/http keeps 2 per host by default.
		Transport: &http.Transport{
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConnsPerHost: 256,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			// wrk closes its connections at the end of a run with
			// requests in flight: nobody waits for those answers.
			if errors.Is(err, context.Canceled) {
				return
			}
			fmt.Fprintln(os.Stderr, "round-robin proxy:", err)
			w.WriteHeader(http.StatusBadGateway)
		},
	}
	rr.srv = &http.Server{Handler: proxy, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	go func() {
		if err := rr.srv.Serve(rr.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintln(os.Stderr, "round-robin proxy:", err)
		}
	}()
	return nil
}

// pick returns the next backend in turn.
func (rr *roundRobin) pick() *url.URL {
	n := rr.next.Add(1) - 1
	return rr.backends[n%uint64(len(rr.backends))]
}

// close stops the proxy; before serve it closes the listener.
func (rr *roundRobin) close() {
	if rr.srv == nil {
		rr.ln.Close()
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = rr.srv.Shutdown(ctx)
}
