package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// TestRoundRobinSpreadsRequestsEvenlyOverInstances: nine requests reach
// each of three backends three times, in turn, with the proxy's host (the
// instances' public URL) in the Host header.
func TestRoundRobinSpreadsRequestsEvenlyOverInstances(t *testing.T) {
	rr, err := listenRoundRobin()
	if err != nil {
		t.Fatal(err)
	}
	defer rr.close()
	var mu sync.Mutex
	var order []int
	hosts := map[string]bool{}
	var backends []string
	for i := range 3 {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			order = append(order, i)
			hosts[r.Host] = true
		}))
		defer srv.Close()
		backends = append(backends, srv.URL)
	}
	if err := rr.serve(backends); err != nil {
		t.Fatal(err)
	}
	for range 9 {
		resp, err := http.Get(rr.URL + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	mu.Lock()
	defer mu.Unlock()
	if got := fmtInts(order); got != "0 1 2 0 1 2 0 1 2" {
		t.Fatalf("backends in order %s, want 0 1 2 0 1 2 0 1 2", got)
	}
	if want := strings.TrimPrefix(rr.URL, "http://"); len(hosts) != 1 || !hosts[want] {
		t.Fatalf("Host headers %v, want only %s", hosts, want)
	}
}

func fmtInts(xs []int) string {
	var b strings.Builder
	for i, x := range xs {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteByte(byte('0' + x))
	}
	return b.String()
}
