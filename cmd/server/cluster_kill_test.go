package main

import (
	"cmp"
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/sandbox"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// clusterExport is the part of an analytics export answer these tests read.
type clusterExport struct {
	ID       int64  `json:"id"`
	Status   string `json:"status"`
	Message  string `json:"message"`
	RowCount *int64 `json:"rowCount"`
	Download string `json:"download"`
}

// An admin's analytics export is followed by the instance holding its
// lease. That instance is killed with SIGKILL (nothing released): another
// instance takes the job over once the lease expires, the job completes,
// LinkedIn got it once, and the operator (admin API, operator key) sees
// it completed and downloads the file from a third instance.
func TestExportSurvivesItsInstanceBeingKilled(t *testing.T) {
	t.Parallel()
	c := startProcessCluster(t, 3)
	a, b, third := c.Instances[0], c.Instances[1], c.Instances[2]
	admin := c.session(t, a, "crm-admin-kill", true, c.demoRecords(t, "matched")[0])
	exports := "/api/v1/admin/tenants/demo/exports"
	end := time.Now().Add(-24 * time.Hour)
	body := map[string]any{"contract": sandbox.ContractURN(sandbox.DemoEnterpriseContract), "action": "seat",
		"startAt": end.Add(-30 * 24 * time.Hour).Format(time.RFC3339), "endAt": end.UnixMilli()}
	var nc wire.Error
	c.call(t, a, "POST", exports, admin, body, http.StatusConflict, &nc)
	if nc.Error.Code != "linkedin_not_connected" {
		t.Fatalf("export before connecting: %+v", nc.Error)
	}
	c.connect(t, a, nc.Error.ConnectURL, admin)

	// B and C are paused while A creates the job, so that A's poller is
	// the one that takes the job's lease.
	b.Signal(t, syscall.SIGSTOP)
	third.Signal(t, syscall.SIGSTOP)
	var job clusterExport
	c.call(t, a, "POST", exports, admin, body, http.StatusCreated, &job)
	if job.Status != "running" {
		b.Signal(t, syscall.SIGCONT)
		third.Signal(t, syscall.SIGCONT)
		t.Fatalf("created export %+v, want running", job)
	}
	lease := "export:" + strconv.FormatInt(job.ID, 10)
	ownerA := c.waitLease(t, lease, 10*time.Second, func(owner string) bool { return owner != "" })
	a.Kill(t)
	killed := time.Now()
	b.Signal(t, syscall.SIGCONT)
	third.Signal(t, syscall.SIGCONT)

	successor := c.waitLease(t, lease, clusterLeaseTTL+10*time.Second, func(owner string) bool { return owner != "" && owner != ownerA })
	handOver := time.Since(killed)
	path := exports + "/" + strconv.FormatInt(job.ID, 10)
	var done clusterExport
	for deadline := time.Now().Add(30 * time.Second); ; {
		c.call(t, third, "GET", path, clusterOperatorKey, nil, http.StatusOK, &done)
		if done.Status != "running" || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	completed := time.Since(killed)
	t.Logf("export %d: instance A (lease owner %s) killed; lease taken over by %s after %v (lease TTL %v, exportMaxPoll %v); completed %v after the kill",
		job.ID, ownerA, successor, handOver.Round(time.Millisecond), clusterLeaseTTL, clusterExportMaxPoll, completed.Round(time.Millisecond))
	// The lease was renewed at A's last poll, before the kill; another
	// instance looks at a job whose lease is held elsewhere at least
	// every exportMaxPoll. The rest is a loaded machine's slack.
	if limit := clusterLeaseTTL + clusterExportMaxPoll + 2*time.Second; handOver > limit {
		t.Errorf("the job was taken over %v after its instance died, want within %v", handOver, limit)
	}
	if done.Status != "completed" || done.RowCount == nil || done.Download == "" {
		t.Fatalf("export after its instance was killed: %+v, want completed with rows and a download", done)
	}
	if n := c.standInCalls(t)["analyticsExport.create"]; n != 1 {
		t.Errorf("LinkedIn got %d export jobs, want 1", n)
	}

	status, header, raw, err := c.do("GET", third.URL+done.Download, clusterOperatorKey, nil)
	if err != nil || status != http.StatusFound || !strings.HasPrefix(header.Get("Location"), c.StandIn) {
		t.Fatalf("download on instance C: %d %v to %q: %s", status, err, header.Get("Location"), raw)
	}
	status, _, csv, err := c.do("GET", header.Get("Location"), "", nil)
	lines := strings.Split(strings.TrimSpace(string(csv)), "\n")
	if err != nil || status != http.StatusOK || len(lines) < 2 || !strings.Contains(lines[0], ",") {
		t.Fatalf("the file: %d %v: %.300s", status, err, csv)
	}
	t.Logf("downloaded from instance C: %d bytes, %d lines (LinkedIn said %d rows)", len(csv), len(lines), *done.RowCount)
}

// A seller's member token has expired; a SAT request on instance A
// refreshes it, LinkedIn answers, and A is killed before it hears the
// answer. The seller stays connected: a SAT request on B succeeds once the
// locks A held (SAT fetch and refresh) expire — one lock heartbeat after
// A died, well inside the widget's 20 s request timeout — refreshing with
// the stored refresh token.
func TestSellerStaysConnectedWhenAnInstanceDiesMidRefresh(t *testing.T) {
	t.Parallel()
	c := startProcessCluster(t, 3)
	a, b := c.Instances[0], c.Instances[1]
	const viewer = "crm-user-kill-refresh"
	s := c.session(t, a, viewer, false, c.demoRecords(t, "matched")[0])
	var nc wire.Error
	c.call(t, a, "POST", "/api/v1/sales-access-token", s, nil, http.StatusConflict, &nc)
	c.connect(t, a, nc.Error.ConnectURL, s)

	// Sixty days pass: the stored access token has expired, the refresh
	// token has not.
	vault := c.vault(t)
	ctx := context.Background()
	tok, err := vault.Load(ctx, "demo", viewer)
	if err != nil {
		t.Fatal(err)
	}
	tok.ExpiresAt = time.Now().Add(-time.Minute)
	if err := vault.Save(ctx, "demo", viewer, tok); err != nil {
		t.Fatal(err)
	}

	entered, release := c.Gate.hold(t)
	go c.do("POST", a.URL+"/api/v1/sales-access-token", s, nil) // never answered: A dies
	select {
	case <-entered:
	case <-time.After(30 * time.Second):
		t.Fatal("instance A did not refresh the expired member token")
	}
	a.Kill(t)
	release()
	start := time.Now()
	var sat wire.SalesAccessToken
	c.call(t, b, "POST", "/api/v1/sales-access-token", s, nil, http.StatusOK, &sat)
	took := time.Since(start)
	t.Logf("instance A killed with LinkedIn's refresh answer in flight; the seller's SAT request on B answered 200 after %v; %d refresh grant(s) reached LinkedIn",
		took.Round(time.Millisecond), c.Gate.Refreshes.Load())
	if sat.Token == "" {
		t.Fatal("instance B answered an empty SAT")
	}
	if n := c.Gate.Refreshes.Load(); n != 2 {
		t.Errorf("%d refresh grants reached LinkedIn, want 2 (A's, lost with A, and B's)", n)
	}
	stored, err := vault.Load(ctx, "demo", viewer)
	if err != nil {
		t.Fatalf("the seller is no longer connected after the refresh on B: %v", err)
	}
	if !stored.ExpiresAt.After(time.Now().Add(24 * time.Hour)) {
		t.Errorf("stored member token expires %v, want the refreshed token's 60 days", stored.ExpiresAt)
	}
	// LinkedIn answers a refresh with the same refresh token (it is not
	// extended): the answer lost with A took nothing B needed.
	if stored.RefreshToken != tok.RefreshToken {
		t.Errorf("the stored refresh token changed")
	}
	// Nothing renews a dead instance's locks: they expire a heartbeat
	// (3 s) after A died, and the seller's widget, which gives up on a
	// request after 20 s, gets its answer.
	if took > 10*time.Second {
		t.Errorf("the SAT request on B took %v: the dead instance's locks held it up beyond a few seconds", took)
	}
}

// One instance is stopped with SIGTERM (a rolling deploy) while sellers'
// look-ups and SAT requests are spread over the three: the other two
// answer every request, the stopped one finishes what it had started and
// exits cleanly.
func TestInstanceStoppedDuringTrafficCostsTheOthersNothing(t *testing.T) {
	t.Parallel()
	c := startProcessCluster(t, 3)
	a, stopping := c.Instances[0], c.Instances[1]
	records := c.demoRecords(t, "matched")
	s := c.session(t, a, "crm-user-kill-traffic", false, records...)
	satBody := map[string]string{"recordId": records[0].ID}
	var nc wire.Error
	c.call(t, a, "POST", "/api/v1/sales-access-token", s, satBody, http.StatusConflict, &nc)
	c.connect(t, a, nc.Error.ConnectURL, s)

	var (
		signalled atomic.Bool
		sent      atomic.Int64
		answered  atomic.Int64 // by the instances that keep running, after the signal
		mu        sync.Mutex
		byStatus  = map[string]int{}
		closedErr error // the first request the stopping instance did not answer
	)
	// Traffic runs before the signal (before closes after 60 requests)
	// and goes on after it (enough closes after 120 more answers).
	before, enough := make(chan struct{}), make(chan struct{})
	var beforeOnce, enoughOnce sync.Once
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
				p := c.Instances[i%3]
				after := signalled.Load()
				if p == stopping && after {
					continue // a load balancer has taken it out
				}
				var status int
				var err error
				var raw []byte
				if i%5 == 0 {
					status, _, raw, err = c.do("POST", p.URL+"/api/v1/sales-access-token", s, satBody)
				} else {
					status, _, raw, err = c.do("GET", p.URL+"/api/v1/associations?records="+records[i%len(records)].ID, s, nil)
				}
				if n := sent.Add(1); n == 60 {
					beforeOnce.Do(func() { close(before) })
				}
				key := p.Name + " " + strconv.Itoa(status)
				switch {
				case err != nil && p == stopping && signalled.Load():
					// Sent on a kept-alive connection the instance closed
					// as idle: never started there, a client retries it.
					key = p.Name + " closed"
					mu.Lock()
					closedErr = cmp.Or(closedErr, err)
					mu.Unlock()
				case err != nil:
					t.Errorf("instance %s: %v", p.Name, err)
					key = p.Name + " error"
				case p == stopping && status >= 500:
					t.Errorf("instance %s answered %d while stopping: %s", p.Name, status, raw)
				case p != stopping && status != http.StatusOK:
					t.Errorf("instance %s answered %d: %s", p.Name, status, raw)
				}
				if p != stopping && after && answered.Add(1) == 120 {
					enoughOnce.Do(func() { close(enough) })
				}
				mu.Lock()
				byStatus[key]++
				mu.Unlock()
			}
		}()
	}
	<-before
	stopping.Signal(t, syscall.SIGTERM)
	signalled.Store(true)
	err := stopping.Stopped(t, 20*time.Second)
	select {
	case <-enough:
	case <-time.After(30 * time.Second):
		t.Errorf("only %d answers from the other instances in 30 s after the signal", answered.Load())
	}
	close(stop)
	wg.Wait()
	t.Logf("instance B stopped with SIGTERM during traffic: answers %v (a request B closed unanswered: %v)", byStatus, closedErr)
	if err != nil {
		t.Errorf("instance B did not stop cleanly: %v", err)
	}
}
