package server_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/config"
	"github.com/snapbridge/snapbridge/internal/shared/redistest"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// startWithRedis starts the product with its shared state in Redis at url.
func startWithRedis(t *testing.T, url string) *product {
	t.Helper()
	addr := freeAddr(t)
	li := startLinkedIn(t, "http://"+addr+"/oauth/linkedin/callback")
	return startProduct(t, li, t.TempDir(), addr, nil, func(c *config.Config) { c.Redis.URL = url })
}

// startInstance starts another instance with a database of its own, on
// the stand-in li, sharing state through Redis at url.
func startInstance(t *testing.T, li *linkedIn, url string) *product {
	t.Helper()
	return startProduct(t, li, t.TempDir(), freeAddr(t), nil, func(c *config.Config) { c.Redis.URL = url })
}

// TestRecordLookedUpOnOneServerIsCachedOnTheOther: two servers sharing a
// Redis ask LinkedIn once for a record a seller opened on either.
func TestRecordLookedUpOnOneServerIsCachedOnTheOther(t *testing.T) {
	redis := redistest.Start(t)
	a := startWithRedis(t, redis.URL)
	b := startInstance(t, a.li, redis.URL)
	recs := a.demoRecords("demo", "matched")[:3]
	if got := a.lookUp(a.newSession("demo", "crm-user-a", recs...).Token, false, recs...); got.status != http.StatusOK {
		t.Fatalf("look-up on the first server answered %d: %s", got.status, got.raw)
	}
	a.li.ResetStats()
	got := b.lookUp(b.newSession("demo", "crm-user-b", recs...).Token, false, recs...)
	if got.status != http.StatusOK || len(got.assoc) != len(recs) {
		t.Fatalf("look-up on the second server answered %d: %s", got.status, got.raw)
	}
	for _, as := range got.assoc {
		if !as.Cached || as.Status != "matched" {
			t.Errorf("the second server answered %+v, want the cached match", as)
		}
	}
	stats := a.li.Stats()
	if n := stats["profileAssociations.batch"] + stats["profileAssociations.get"]; n != 0 {
		t.Errorf("the second server called LinkedIn %d times (%v), want none", n, stats)
	}
}

// sharedMode is the "shared" field of a 200 /readyz.
func sharedMode(t *testing.T, p *product) string {
	t.Helper()
	resp, raw := p.do("GET", p.srv.URL+"/readyz", "", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/readyz answered %d: %s", resp.StatusCode, raw)
	}
	var body struct{ Shared string }
	must(t, json.Unmarshal(raw, &body))
	return body.Shared
}

// TestRedisAwayDegradesButKeepsTheServerReady: a load balancer keeps an
// instance whose Redis is away in rotation (it answers from its own
// caches), /readyz says it is degraded, and it shares again by itself.
func TestRedisAwayDegradesButKeepsTheServerReady(t *testing.T) {
	if m := sharedMode(t, startBoth(t, nil)); m != "in-process" {
		t.Fatalf("without redis.url, shared = %q, want in-process", m)
	}
	redis := redistest.Start(t)
	p := startWithRedis(t, redis.URL)
	if m := sharedMode(t, p); m != "redis" {
		t.Fatalf("shared = %q, want redis", m)
	}
	redis.Stop()
	if m := sharedMode(t, p); m != "degraded" {
		t.Fatalf("with Redis stopped, shared = %q, want degraded", m)
	}
	rec := p.demoRecords("demo", "matched")[0]
	s := p.newSession("demo", "crm-user-redis-away", rec)
	if got := p.lookUp(s.Token, false, rec); got.status != http.StatusOK || len(got.assoc) != 1 {
		t.Fatalf("a look-up with Redis stopped answered %d: %s", got.status, got.raw)
	}
	redis.Restart()
	deadline := time.Now().Add(10 * time.Second)
	for sharedMode(t, p) != "redis" {
		if time.Now().After(deadline) {
			t.Fatal("the server did not share again within 10s of Redis coming back")
		}
		time.Sleep(50 * time.Millisecond)
	}
	logs := p.logs.String()
	if n := strings.Count(logs, "Redis does not answer"); n != 1 {
		t.Errorf("the outage was logged %d times, want once", n)
	}
	if n := strings.Count(logs, "Redis answers again"); n != 1 {
		t.Errorf("the recovery was logged %d times, want once", n)
	}
}

// TestUnreachableRedisAtStartDoesNotRefuseStart: the instance starts
// degraded and says so.
func TestUnreachableRedisAtStartDoesNotRefuseStart(t *testing.T) {
	addr := freeAddr(t) // nothing listens there
	p := startWithRedis(t, "redis://"+addr+"/0")
	if m := sharedMode(t, p); m != "degraded" {
		t.Fatalf("shared = %q, want degraded", m)
	}
}

// TestSATBurstWithRedisMakesOneLinkedInCall: with shared state in Redis
// (the cluster-wide lock and the sealed shared token), a burst of SAT
// requests for one viewer still costs LinkedIn one call, and no token
// reaches the log.
func TestSATBurstWithRedisMakesOneLinkedInCall(t *testing.T) {
	p := startWithRedis(t, redistest.Start(t).URL)
	rec := p.demoRecords("demo", "matched")[0]
	s := p.newSession("demo", "crm-user-redis-sat", rec)
	var nc wire.Error
	p.call("POST", "/api/v1/sales-access-token", s.Token, nil, http.StatusConflict, &nc)
	p.connect(nc.Error.ConnectURL, firstMember(p.li), s.Token)
	p.li.ResetStats()
	parallel(50, func(int) {
		var sat wire.SalesAccessToken
		p.call("POST", "/api/v1/sales-access-token", s.Token, nil, http.StatusOK, &sat)
	})
	if n := p.li.Stats()["salesAccessTokens"]; n != 1 {
		t.Errorf("50 parallel SAT requests made %d upstream calls, want 1", n)
	}
	if leaked := p.secretsLeaked(); len(leaked) > 0 {
		t.Errorf("secrets in the log: %v", leaked)
	}
}
