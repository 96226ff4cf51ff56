package server_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/config"
	"github.com/snapbridge/snapbridge/internal/sandbox"
	"github.com/snapbridge/snapbridge/internal/shared/redistest"
	"github.com/snapbridge/snapbridge/internal/store/postgres/pgtest"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// cluster is three snapbridge instances on one PostgreSQL database, one
// Redis and one LinkedIn stand-in, with the same keys, each on its own
// loopback port: what "Running many instances" describes.
type cluster struct {
	li        *linkedIn
	redis     *redistest.Server
	instances []*product
}

// startCluster starts the stand-in (knowing every instance's redirect
// URI), then the three instances one after another (each migrates the
// shared database and seeds the demo tenants, as a rolling start would).
func startCluster(t *testing.T) *cluster {
	t.Helper()
	dbURL := pgtest.URL(t)
	redis := redistest.Start(t)
	addrs := []string{freeAddr(t), freeAddr(t), freeAddr(t)}
	opts := sandbox.DemoOptions{
		ClientSecret:  "demo-client-secret-for-tests-0123",
		ContextSecret: "demo-context-secret-for-tests-0123456789",
		CRMOrigin:     "http://127.0.0.1:8090",
	}
	apps := sandbox.DemoApps(opts)
	for i := range apps {
		apps[i].RedirectURIs = nil
		for _, a := range addrs {
			apps[i].RedirectURIs = append(apps[i].RedirectURIs, "http://"+a+"/oauth/linkedin/callback")
		}
	}
	sb := sandbox.New(sandbox.Config{Apps: apps})
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	li := &linkedIn{Sandbox: sb, URL: srv.URL, opts: opts}
	c := &cluster{li: li, redis: redis}
	for _, addr := range addrs {
		c.instances = append(c.instances, startProduct(t, li, t.TempDir(), addr, nil, func(cfg *config.Config) {
			cfg.Database.URL = dbURL
			cfg.Redis.URL = redis.URL
			// The whole suite shares 2 cores: a Redis answer late by more
			// than the default 200 ms would send an instance into its
			// degraded mode, which is not what these checks are about.
			cfg.Redis.Timeout = 2 * time.Second
			// The race detector on a shared 2-core machine: wide enough
			// that one instance's concurrent look-ups share a batch.
			cfg.Associations.CoalesceWindow = 100 * time.Millisecond
		}))
	}
	return c
}

// at returns instance i modulo three, reporting failures to t.
func (c *cluster) at(t *testing.T, i int) *product { return c.instances[i%len(c.instances)].with(t) }

// syntheticRecords returns n CRM records of the demo tenant's type that
// no earlier look-up has cached (the stand-in answers them as no match).
func syntheticRecords(p *product, prefix string, n int) []wire.Record {
	kind := p.demoRecords("demo", "matched")[0].Type
	out := make([]wire.Record, n)
	for i := range out {
		out[i] = wire.Record{ID: fmt.Sprintf("%s-%03d", prefix, i), Type: kind, FirstName: "Cluster",
			LastName: fmt.Sprintf("Person%d", i), Email: fmt.Sprintf("%s-%d@cluster.example", prefix, i), Company: "Cluster Co"}
	}
	return out
}

// setDailyBudget has instance p's admin API (operator key) set the demo
// tenant's daily look-up budget, and returns how long the other instances
// took to enforce it, failing if any took more than a second.
func (c *cluster) setDailyBudget(t *testing.T, p *product, budget int) time.Duration {
	t.Helper()
	cur := p.tenant("demo")
	edit := p.tenantSpec("demo", "")
	edit.ID, edit.Name, edit.AllowedOrigins = "", cur.Name, cur.AllowedOrigins
	edit.CRM, edit.LinkedIn.ClientID = cur.CRM, cur.LinkedIn.ClientID
	edit.Context.Issuer, edit.Context.Keys = cur.Context.Issuer, nil
	edit.DailyLookupBudget = budget
	p.call("PUT", "/api/v1/admin/tenants/demo", testOperatorKey, edit, http.StatusOK, nil)
	start := time.Now() // from the moment the admin's save is answered
	for {
		lagging := 0
		for _, q := range c.instances {
			if q.tenant("demo").DailyLookupBudget != budget {
				lagging++
			}
		}
		took := time.Since(start)
		if lagging == 0 {
			return took
		}
		if took > time.Second {
			t.Fatalf("%d instance(s) still enforce the old budget %v after the edit", lagging, took)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestClusterOfThreeInstancesSharesOneLinkedInQuota: three instances on
// one PostgreSQL, one Redis and one stand-in behave as one snapbridge for
// LinkedIn's quota and for sellers and admins. The figures are logged for
// the README ("Running many instances → the cluster test").
func TestClusterOfThreeInstancesSharesOneLinkedInQuota(t *testing.T) {
	if !pgtest.Available() && !onPostgres() {
		t.Skip("PostgreSQL is not available; `make services-deps` installs it")
	}
	began := time.Now()
	c := startCluster(t)
	a, b := c.instances[0], c.instances[1]
	t.Logf("three instances up in %v", time.Since(began).Round(time.Millisecond))
	matched := a.demoRecords("demo", "matched")

	t.Run("a seller connected on one instance gets a SAT from another", func(t *testing.T) {
		a, b := a.with(t), b.with(t)
		s := a.newSession("demo", "crm-user-cluster-connect", matched[0])
		var nc wire.Error
		a.call("POST", "/api/v1/sales-access-token", s.Token, nil, http.StatusConflict, &nc)
		a.connect(nc.Error.ConnectURL, firstMember(c.li), s.Token)
		var sat wire.SalesAccessToken
		b.call("POST", "/api/v1/sales-access-token", s.Token, nil, http.StatusOK, &sat)
		if sat.Token == "" {
			t.Fatalf("instance B answered an empty SAT: %+v", sat)
		}
	})

	t.Run("a 50-record session opened on one instance works on the others", func(t *testing.T) {
		records := syntheticRecords(a, "cluster-session", 50)
		s := c.at(t, 0).newSession("demo", "crm-user-cluster-session", records...)
		if len(s.Token) > 1024 {
			t.Errorf("the session token is %d bytes, want at most 1024", len(s.Token))
		}
		for i := 1; i <= 2; i++ {
			var got wire.Associations
			c.at(t, i).call("GET", "/api/v1/associations?records="+records[49].ID, s.Token, nil, http.StatusOK, &got)
			if len(got.Associations) != 1 || got.Associations[0].RecordID != records[49].ID {
				t.Fatalf("instance %d answered %+v for the session's 50th record", i, got)
			}
			var e wire.Error
			c.at(t, i).call("GET", "/api/v1/associations?records="+matched[0].ID, s.Token, nil, http.StatusForbidden, &e)
		}
	})

	t.Run("50 concurrent SAT requests over three instances make one LinkedIn call", func(t *testing.T) {
		s := c.at(t, 2).newSession("demo", "crm-user-cluster-sat", matched[0])
		var nc wire.Error
		c.at(t, 2).call("POST", "/api/v1/sales-access-token", s.Token, nil, http.StatusConflict, &nc)
		c.at(t, 2).connect(nc.Error.ConnectURL, firstMember(c.li), s.Token)
		c.li.ResetStats()
		start := time.Now()
		parallel(50, func(i int) {
			var sat wire.SalesAccessToken
			c.at(t, i).call("POST", "/api/v1/sales-access-token", s.Token, nil, http.StatusOK, &sat)
		})
		took := time.Since(start)
		n := c.li.Stats()["salesAccessTokens"]
		t.Logf("50 SAT requests over 3 instances: %d LinkedIn salesAccessTokens call(s), %v", n, took.Round(time.Millisecond))
		if n != 1 {
			t.Errorf("50 parallel SAT requests made %d upstream calls, want 1", n)
		}
	})

	t.Run("a budget set on one instance is in force on the others within a second", func(t *testing.T) {
		took := c.setDailyBudget(t, a.with(t), 25)
		t.Logf("daily budget edited on instance A: in force on all three after %v", took.Round(time.Millisecond))
	})

	t.Run("a daily budget of 25 is never exceeded across instances", func(t *testing.T) {
		recs := syntheticRecords(a, "cluster-budget", 60)
		s := a.newSession("demo", "crm-user-cluster-budget", recs[:50]...)
		s2 := a.newSession("demo", "crm-user-cluster-budget-2", recs[50:]...)
		c.li.ResetStats()
		var mu sync.Mutex
		maxUsed, answered, statuses := 0, 0, map[int]int{}
		parallel(60, func(i int) {
			tok := s.Token
			if i >= 50 {
				tok = s2.Token
			}
			got := c.at(t, i).lookUp(tok, false, recs[i])
			mu.Lock()
			defer mu.Unlock()
			statuses[got.status]++
			maxUsed = max(maxUsed, got.used)
			if got.status == http.StatusOK && len(got.assoc) == 1 && got.assoc[0].Status != wire.StatusThrottled {
				answered++
			}
			if got.status != http.StatusOK && got.status != http.StatusTooManyRequests {
				t.Errorf("record %s on instance %d: status %d: %s", recs[i].ID, i%3, got.status, got.raw)
			}
		})
		calls := associationCalls(c.li)
		t.Logf("60 distinct records over 3 instances, budget 25: %d answered from LinkedIn, answers %v, X-RateLimit-Used at most %d, %d association call(s)",
			answered, statuses, maxUsed, calls)
		if maxUsed > 25 {
			t.Errorf("X-RateLimit-Used reached %d, budget 25", maxUsed)
		}
		if answered > 25 || calls > 25 {
			t.Errorf("%d records answered from LinkedIn in %d calls, budget 25", answered, calls)
		}
		if answered == 0 {
			t.Error("no record was looked up at all")
		}
	})

	t.Run("40 distinct uncached records over three instances share batch calls", func(t *testing.T) {
		took := c.setDailyBudget(t, b.with(t), 5000)
		t.Logf("daily budget raised on instance B: in force on all three after %v", took.Round(time.Millisecond))
		recs := syntheticRecords(a, "cluster-batch", 40)
		s := a.newSession("demo", "crm-user-cluster-batch", recs...)
		c.li.ResetStats()
		start := time.Now()
		parallel(40, func(i int) {
			if got := c.at(t, i).lookUp(s.Token, false, recs[i]); got.status != http.StatusOK || len(got.assoc) != 1 {
				t.Errorf("record %s on instance %d: status %d: %s", recs[i].ID, i%3, got.status, got.raw)
			}
		})
		maxBatch := config.Defaults().Associations.MaxBatch
		calls, limit := associationCalls(c.li), (40+maxBatch-1)/maxBatch+2
		t.Logf("40 distinct uncached records over 3 instances: %d association call(s) (limit %d), %v", calls, limit, time.Since(start).Round(time.Millisecond))
		if calls > limit {
			t.Errorf("%d association calls, want at most %d", calls, limit)
		}
	})

	t.Run("1,000 warm widget loads over 20 sellers and 100 records cost at most 10 LinkedIn calls", func(t *testing.T) {
		recs := append(matched[:len(matched):len(matched)], syntheticRecords(a, "cluster-warm", 100-len(matched))...)
		members := c.li.Members()
		viewers := make([]string, 20)
		for i := range viewers {
			viewers[i] = fmt.Sprintf("crm-user-cluster-warm-%02d", i)
			p := c.at(t, i)
			s := p.newSession("demo", viewers[i], recs[i])
			var nc wire.Error
			p.call("POST", "/api/v1/sales-access-token", s.Token, nil, http.StatusConflict, &nc)
			p.connect(nc.Error.ConnectURL, members[i%len(members)].ID, s.Token)
		}
		// A widget load as a seller's browser makes it, on whichever
		// instance the load balancer picks for each request.
		load := func(i int) {
			viewer, rec := viewers[i%len(viewers)], recs[(i*7)%len(recs)]
			s := c.at(t, i).newSession("demo", viewer, rec)
			if got := c.at(t, i+1).lookUp(s.Token, false, rec); got.status != http.StatusOK || len(got.assoc) != 1 {
				t.Errorf("load %d: look-up of %s: status %d: %s", i, rec.ID, got.status, got.raw)
			}
			var sat wire.SalesAccessToken
			c.at(t, i+2).call("POST", "/api/v1/sales-access-token", s.Token, nil, http.StatusOK, &sat)
		}
		parallel(max(len(recs), len(viewers)), load) // warm-up: every record and every seller once
		c.li.ResetStats()
		start := time.Now()
		var next atomic.Int64
		parallel(16, func(int) {
			for i := int(next.Add(1)) - 1; i < 1000; i = int(next.Add(1)) - 1 {
				load(i)
			}
		})
		calls := 0
		for _, n := range c.li.Stats() {
			calls += n
		}
		t.Logf("1,000 warm widget loads (session + look-up + SAT) over 20 sellers, 100 records, 3 instances: %d LinkedIn call(s) %v, %v",
			calls, c.li.Stats(), time.Since(start).Round(time.Millisecond))
		if calls > 10 {
			t.Errorf("%d LinkedIn calls after warm-up, want at most 10: %v", calls, c.li.Stats())
		}
	})

	t.Run("Redis stopped and started during a run: no 5xx, nothing lost", func(t *testing.T) {
		recs := append(matched[:10:10], syntheticRecords(a, "cluster-redis", 20)...)
		s := a.newSession("demo", "crm-user-cluster-connect", recs...)
		var failures atomic.Int64
		var sent atomic.Int64
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; ; i += 6 {
					select {
					case <-stop:
						return
					default:
					}
					p := c.at(t, i)
					sent.Add(1)
					if i%5 == 0 {
						resp, raw := p.do("POST", p.srv.URL+"/api/v1/sales-access-token", s.Token, map[string]string{"recordId": recs[i%len(recs)].ID})
						if resp.StatusCode != http.StatusOK {
							failures.Add(1)
							t.Errorf("SAT on instance %d: status %d: %s", i%3, resp.StatusCode, raw)
						}
						continue
					}
					rec := recs[i%len(recs)]
					if got := p.lookUp(s.Token, false, rec); got.status != http.StatusOK || len(got.assoc) != 1 || got.assoc[0].Status == wire.StatusThrottled {
						failures.Add(1)
						t.Errorf("record %s on instance %d: status %d: %s", rec.ID, i%3, got.status, got.raw)
					}
				}
			}()
		}
		waitSent := func(n int64) {
			for target := sent.Load() + n; sent.Load() < target; {
				time.Sleep(5 * time.Millisecond)
			}
		}
		noticed := func() bool {
			for _, p := range c.instances {
				if !strings.Contains(p.logs.String(), "Redis does not answer") {
					return false
				}
			}
			return true
		}
		waitSent(60)
		c.redis.Stop()
		// Requests keep flowing until every instance has met the outage
		// (how many that takes depends on the machine's speed).
		for outage := time.Now().Add(10 * time.Second); !noticed() && time.Now().Before(outage); {
			time.Sleep(20 * time.Millisecond)
		}
		waitSent(60)
		c.redis.Restart()
		deadline := time.Now().Add(10 * time.Second)
		for _, p := range c.instances {
			for sharedMode(t, p.with(t)) != "redis" {
				if time.Now().After(deadline) {
					t.Fatal("an instance did not share again within 10s of Redis coming back")
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
		waitSent(60)
		close(stop)
		wg.Wait()
		t.Logf("Redis stopped and started during %d requests over 3 instances: %d failed", sent.Load(), failures.Load())
		for i, p := range c.instances {
			if !strings.Contains(p.logs.String(), "Redis does not answer") {
				t.Errorf("instance %d never noticed Redis was away: the run did not cover the outage", i)
			}
		}
	})

	t.Logf("cluster test: %v in all", time.Since(began).Round(time.Millisecond))
}
