package server_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/sandbox"
	"github.com/snapbridge/snapbridge/internal/store/postgres/pgtest"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// TestCachedSATFollowsTheSellersConnection: a Sales Access Token answered
// from memory is never one of an authorization the seller ended or
// replaced: after a disconnect the widget is asked to connect, after
// connecting another LinkedIn member Sales Navigator shows that member,
// and a member token refreshed while the SAT was fetched keeps that SAT
// cached and working.
func TestCachedSATFollowsTheSellersConnection(t *testing.T) {
	for _, scenario := range []string{"disconnects", "connects another LinkedIn member", "member token refreshed while the SAT is fetched"} {
		t.Run(scenario, func(t *testing.T) {
			addr := freeAddr(t)
			li, gate := startGatedLinkedIn(t, "http://"+addr+"/oauth/linkedin/callback")
			p := startProduct(t, li, t.TempDir(), addr, nil)
			rec := p.demoRecords("demo", "matched")[0]
			s := p.newSession("demo", "crm-user-satcache", rec)
			s2 := p.newSession("demo", "crm-user-satcache", rec) // a second CRM tab
			var first, second wire.Error
			p.call("POST", "/api/v1/sales-access-token", s.Token, nil, http.StatusConflict, &first)
			p.call("POST", "/api/v1/sales-access-token", s2.Token, nil, http.StatusConflict, &second)
			members := li.Members()
			p.connect(first.Error.ConnectURL, members[0].ID, s.Token)

			if scenario == "member token refreshed while the SAT is fetched" {
				// LinkedIn refuses the member token, so the SAT fetch
				// refreshes it (held at LinkedIn meanwhile) and retries.
				li.SetFaults(sandbox.Faults{ExpireTokens: true})
				entered, release := gate.hold(t)
				held := make(chan []byte, 1)
				go func() {
					_, body, _ := postJSON(p, "/api/v1/sales-access-token", s.Token)
					held <- body
				}()
				<-entered
				li.SetFaults(sandbox.Faults{})
				release()
				var sat wire.SalesAccessToken
				if body := <-held; json.Unmarshal(body, &sat) != nil || sat.Token == "" {
					t.Fatalf("the SAT request that refreshed answered %s", body)
				}
				li.ResetStats()
				var again wire.SalesAccessToken
				p.call("POST", "/api/v1/sales-access-token", s2.Token, nil, http.StatusOK, &again)
				if again.Token != sat.Token || li.Stats()["salesAccessTokens"] != 0 {
					t.Fatalf("after the refresh the SAT was fetched again (%d calls): the refresh kept it out of the cache", li.Stats()["salesAccessTokens"])
				}
				if who := signedInAs(p, again); who != members[0].Name {
					t.Fatalf("Sales Navigator signed in as %q, want %q", who, members[0].Name)
				}
				return
			}

			var sat wire.SalesAccessToken
			p.call("POST", "/api/v1/sales-access-token", s.Token, nil, http.StatusOK, &sat)
			p.call("POST", "/api/v1/sales-access-token", s2.Token, nil, http.StatusOK, &sat) // cached
			if scenario == "disconnects" {
				p.call("DELETE", "/api/v1/linkedin/connection", s.Token, nil, http.StatusNoContent, nil)
				var nc wire.Error
				p.call("POST", "/api/v1/sales-access-token", s2.Token, nil, http.StatusConflict, &nc)
				if nc.Error.Code != "linkedin_not_connected" {
					t.Fatalf("after the disconnect: %+v, want linkedin_not_connected", nc.Error)
				}
				return
			}
			if sat.ConnectedAs == nil || sat.ConnectedAs.Name != members[0].Name {
				t.Fatalf("the cached SAT says connected as %+v, want %s", sat.ConnectedAs, members[0].Name)
			}
			p.connect(second.Error.ConnectURL, members[1].ID, s2.Token)
			p.call("POST", "/api/v1/sales-access-token", s.Token, nil, http.StatusOK, &sat)
			if who := signedInAs(p, sat); who != members[1].Name {
				t.Fatalf("after connecting another member Sales Navigator signed in as %q, want %q", who, members[1].Name)
			}
			// The widget's "Connected as" line follows too, not the name
			// remembered beside the earlier SAT.
			if sat.ConnectedAs == nil || sat.ConnectedAs.Name != members[1].Name {
				t.Fatalf("after connecting another member the widget says connected as %+v, want %s", sat.ConnectedAs, members[1].Name)
			}
		})
	}
}

// TestSellersConnectionChangeOnOneInstanceIsFollowedByTheOthers: a
// seller whose SAT another instance holds in memory connects another
// LinkedIn member, then disconnects, on one instance: the other follows
// within the notification time (well under a second), not when its SAT
// expires.
func TestSellersConnectionChangeOnOneInstanceIsFollowedByTheOthers(t *testing.T) {
	if !pgtest.Available() && !onPostgres() {
		t.Skip("PostgreSQL is not available; `make services-deps` installs it")
	}
	c := startCluster(t)
	a, b := c.at(t, 0), c.at(t, 1)
	rec := a.demoRecords("demo", "matched")[0]
	sa, sa2 := a.newSession("demo", "crm-user-moves", rec), a.newSession("demo", "crm-user-moves", rec)
	sb := b.newSession("demo", "crm-user-moves", rec)
	var first, second wire.Error
	a.call("POST", "/api/v1/sales-access-token", sa.Token, nil, http.StatusConflict, &first)
	a.call("POST", "/api/v1/sales-access-token", sa2.Token, nil, http.StatusConflict, &second)
	members := c.li.Members()
	a.connect(first.Error.ConnectURL, members[0].ID, sa.Token)
	var sat wire.SalesAccessToken
	b.call("POST", "/api/v1/sales-access-token", sb.Token, nil, http.StatusOK, &sat)
	if who := signedInAs(b, sat); who != members[0].Name {
		t.Fatalf("signed in as %q, want %q", who, members[0].Name)
	}

	start := time.Now()
	a.connect(second.Error.ConnectURL, members[1].ID, sa2.Token)
	for {
		b.call("POST", "/api/v1/sales-access-token", sb.Token, nil, http.StatusOK, &sat)
		if signedInAs(b, sat) == members[1].Name {
			break
		}
		if time.Since(start) > time.Second {
			t.Fatalf("a second after the seller connected %s on another instance, this one still signs in %s", members[1].Name, members[0].Name)
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Logf("reconnect followed by the other instance after %v", time.Since(start))

	start = time.Now()
	a.call("DELETE", "/api/v1/linkedin/connection", sa.Token, nil, http.StatusNoContent, nil)
	for {
		resp, _ := b.do("POST", b.srv.URL+"/api/v1/sales-access-token", sb.Token, nil)
		if resp.StatusCode == http.StatusConflict {
			break
		}
		if time.Since(start) > time.Second {
			t.Fatalf("a second after the seller disconnected on another instance, this one still answers %d", resp.StatusCode)
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Logf("disconnect followed by the other instance after %v", time.Since(start))
}
