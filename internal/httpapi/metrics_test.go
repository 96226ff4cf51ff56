package httpapi

import (
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/snapbridge/snapbridge/internal/metrics"
	"github.com/snapbridge/snapbridge/internal/tenant"
)

// requestSeries returns the labels of every snapbridge_http_requests_total
// series as "route method status".
func requestSeries(t *testing.T, m *metrics.Registry) map[string]float64 {
	t.Helper()
	fams, err := m.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, f := range fams {
		if f.GetName() != "snapbridge_http_requests_total" {
			continue
		}
		for _, s := range f.GetMetric() {
			l := map[string]string{}
			for _, p := range s.GetLabel() {
				l[p.GetName()] = p.GetValue()
			}
			out[l["route"]+" "+l["method"]+" "+l["status"]] += s.GetCounter().GetValue()
		}
	}
	return out
}

// The request counter names a route by its template, so a scanner asking
// for random paths (or record ids in a URL) cannot grow the metrics
// without bound, and no id ends up in a label.
func TestRequestMetricsNameRouteTemplatesNeverRawPaths(t *testing.T) {
	reg, err := tenant.NewRegistry(nil)
	if err != nil {
		t.Fatal(err)
	}
	m := metrics.New(metrics.Options{})
	h := New(Services{Tenants: reg, Metrics: m, Logger: slog.New(slog.DiscardHandler)})
	for _, c := range []struct {
		scenario, method, path, series string
	}{
		{"widget path of a random tenant", "GET", "/w/random-tenant-8c1f/card", "/w/:tenant/* GET 404"},
		{"unknown path", "GET", "/x/random-5d1e", "unmatched GET 404"},
		{"unknown API path", "GET", "/api/v1/records/random-rec-77", "unmatched GET 404"},
		{"a method no route takes", "PATCH", "/healthz", "unmatched PATCH 405"},
		{"an unusual method", "PROPFIND", "/random-dav", "unmatched other 404"},
		{"health", "GET", "/healthz", "/healthz GET 200"},
	} {
		t.Run(c.scenario, func(t *testing.T) {
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(c.method, c.path, nil))
			if got := requestSeries(t, m); got[c.series] < 1 {
				t.Errorf("%s %s: no series %q in %v", c.method, c.path, c.series, got)
			}
		})
	}
	for series := range requestSeries(t, m) {
		if strings.Contains(series, "random") {
			t.Errorf("series %q carries a raw path", series)
		}
	}
}
