package metrics_test

import (
	"context"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/metrics"
	"github.com/snapbridge/snapbridge/internal/shared"
	"github.com/snapbridge/snapbridge/internal/shared/redistest"
)

// Redis commands are timed by command name (never by key), and a missing
// key is an answer, not an error; a Redis that went away is.
func TestRedisCallsAreTimedAndFailuresCounted(t *testing.T) {
	srv := redistest.Start(t)
	r, err := shared.NewRedis(srv.URL, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	m := metrics.New(metrics.Options{})
	r.AddHook(m.RedisHook())
	ctx := context.Background()
	if err := r.Set(ctx, "assoc:acme:record-1", []byte("x"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, found, err := r.Get(ctx, "assoc:acme:no-such-record"); err != nil || found {
		t.Fatalf("get of a missing key: %v %v", found, err)
	}
	if errs := series(t, m, "snapbridge_redis_errors_total"); len(errs) != 0 {
		t.Errorf("a missing key counted as an error: %v", errs)
	}
	srv.Stop()
	if _, _, err := r.Get(ctx, "assoc:acme:record-1"); err == nil {
		t.Fatal("a stopped Redis answered")
	}
	if errs := series(t, m, "snapbridge_redis_errors_total"); errs["command=get"] < 1 {
		t.Errorf("the failed GET was not counted: %v", errs)
	}
	fams, _ := m.Gatherer().Gather()
	for _, f := range fams {
		if f.GetName() != "snapbridge_redis_call_duration_seconds" {
			continue
		}
		for _, s := range f.GetMetric() {
			for _, l := range s.GetLabel() {
				if l.GetName() == "command" && !allowedCommands[l.GetValue()] {
					t.Errorf("command label %q", l.GetValue())
				}
			}
		}
	}
}

// allowedCommands are the command label values this test's calls may
// produce: the commands, the dial and the connection handshake.
var allowedCommands = map[string]bool{"get": true, "set": true, "dial": true, "handshake": true, "hello": true, "client": true}
