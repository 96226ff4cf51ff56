package linkedin

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestOptInCompliance(t *testing.T) {
	const member = "AQX-member"
	post := sent{
		Method:        "POST",
		RequestURI:    "/rest/memberComplianceAuthorizations",
		Authorization: "Bearer " + member,
		Restli:        "2.0.0",
		Version:       "202310",
		ContentType:   "application/json",
		Body:          "{}",
	}
	tests := []struct {
		scenario  string
		handler   func(n int, w http.ResponseWriter, r *http.Request)
		wantCalls int
		check     func(t *testing.T, err error)
	}{
		{
			scenario:  "201 opts the member in",
			handler:   func(n int, w http.ResponseWriter, r *http.Request) { w.WriteHeader(201) },
			wantCalls: 1,
		},
		{
			scenario:  "token without r_compliance_sales_nav is forbidden",
			handler:   func(n int, w http.ResponseWriter, r *http.Request) { liError(w, 403, 0, "Not enough permissions") },
			wantCalls: 1,
			check: func(t *testing.T, err error) {
				if !IsForbidden(err) {
					t.Fatalf("IsForbidden(%v) = false", err)
				}
			},
		},
		{
			scenario:  "429 is not retried",
			handler:   func(n int, w http.ResponseWriter, r *http.Request) { liError(w, 429, 0, "throttled") },
			wantCalls: 1,
			check: func(t *testing.T, err error) {
				if !IsThrottled(err) {
					t.Fatalf("IsThrottled(%v) = false", err)
				}
			},
		},
		{
			scenario:  "500 is not retried",
			handler:   func(n int, w http.ResponseWriter, r *http.Request) { liError(w, 500, 0, "oops") },
			wantCalls: 1,
			check:     func(t *testing.T, err error) { wantErrorStatus(t, err, 500) },
		},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			c, p := newPlatform(t, tt.handler)
			err := c.OptInCompliance(context.Background(), member)
			p.check(t, post, tt.wantCalls)
			if tt.check != nil {
				if err == nil {
					t.Fatal("want an error")
				}
				tt.check(t, err)
				return
			}
			if err != nil {
				t.Fatalf("OptInCompliance: %v", err)
			}
		})
	}
}

func TestComplianceAuthorizations(t *testing.T) {
	const member = "AQX-member"
	regulated := time.UnixMilli(1698382869085)
	get := sent{
		Method:        "GET",
		RequestURI:    "/rest/memberComplianceAuthorizations",
		Authorization: "Bearer " + member,
		Restli:        "2.0.0",
		Version:       "202310",
	}
	optedIn := `{"elements":[{"memberComplianceAuthorizationKey":{"developerApplication":"urn:li:developerApplication:123456","member":"urn:li:person:123ABC"},"regulatedAt":1698382869085,"memberComplianceScopes":["SALES_NAV"]}]}`
	tests := []struct {
		scenario  string
		handler   func(n int, w http.ResponseWriter, r *http.Request)
		want      []ComplianceAuthorization
		wantCalls int
		check     func(t *testing.T, err error)
	}{
		{
			scenario:  "opted-in member has the application's authorization",
			handler:   func(n int, w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(optedIn)) },
			want:      []ComplianceAuthorization{{DeveloperApplication: "urn:li:developerApplication:123456", Member: "urn:li:person:123ABC", RegulatedAt: regulated, Scopes: []string{"SALES_NAV"}}},
			wantCalls: 1,
		},
		{
			scenario:  "member not opted in has none",
			handler:   func(n int, w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(`{"elements":[]}`)) },
			want:      []ComplianceAuthorization{},
			wantCalls: 1,
		},
		{
			scenario: "an element without its key is malformed",
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				_, _ = w.Write([]byte(`{"elements":[{"regulatedAt":1698382869085,"memberComplianceScopes":["SALES_NAV"]}]}`))
			},
			wantCalls: 1,
			check:     func(t *testing.T, err error) { wantMalformed(t, err, "is not urn:li:developerApplication:<id>") },
		},
		{
			scenario: "503 then the answer succeeds on the retry",
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				if n == 1 {
					liError(w, 503, 0, "unavailable")
					return
				}
				_, _ = w.Write([]byte(optedIn))
			},
			want:      []ComplianceAuthorization{{DeveloperApplication: "urn:li:developerApplication:123456", Member: "urn:li:person:123ABC", RegulatedAt: regulated, Scopes: []string{"SALES_NAV"}}},
			wantCalls: 2,
		},
		{
			scenario:  "token without the scope is forbidden, not retried",
			handler:   func(n int, w http.ResponseWriter, r *http.Request) { liError(w, 403, 0, "Not enough permissions") },
			wantCalls: 1,
			check: func(t *testing.T, err error) {
				if !IsForbidden(err) {
					t.Fatalf("IsForbidden(%v) = false", err)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			c, p := newPlatform(t, tt.handler)
			got, err := c.ComplianceAuthorizations(context.Background(), member)
			p.check(t, get, tt.wantCalls)
			if tt.check != nil {
				if err == nil {
					t.Fatalf("got %+v, want an error", got)
				}
				tt.check(t, err)
				return
			}
			if err != nil {
				t.Fatalf("ComplianceAuthorizations: %v", err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			for i := range got {
				g, w := got[i], tt.want[i]
				if g.DeveloperApplication != w.DeveloperApplication || g.Member != w.Member || !g.RegulatedAt.Equal(w.RegulatedAt) || !reflect.DeepEqual(g.Scopes, w.Scopes) {
					t.Fatalf("authorization %d = %+v, want %+v", i, g, w)
				}
			}
		})
	}
}

func TestOptOutCompliance(t *testing.T) {
	const token = "AQV-app-or-member"
	auth := ComplianceAuthorization{DeveloperApplication: "urn:li:developerApplication:123456", Member: "urn:li:person:123ABC"}
	del := sent{
		Method:        "DELETE",
		RequestURI:    "/rest/memberComplianceAuthorizations/developerApplication=urn%3Ali%3AdeveloperApplication%3A123456&member=urn%3Ali%3Aperson%3A123ABC",
		Authorization: "Bearer " + token,
		Restli:        "2.0.0",
		Version:       "202310",
	}
	tests := []struct {
		scenario  string
		auth      ComplianceAuthorization
		handler   func(n int, w http.ResponseWriter, r *http.Request)
		wantCalls int
		check     func(t *testing.T, err error)
	}{
		{
			scenario:  "204 opts the member out",
			auth:      auth,
			handler:   func(n int, w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) },
			wantCalls: 1,
		},
		{
			scenario: "500 then 204 succeeds: deleting again is harmless",
			auth:     auth,
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				if n == 1 {
					liError(w, 500, 0, "oops")
					return
				}
				w.WriteHeader(204)
			},
			wantCalls: 2,
		},
		{
			scenario:  "an authorization LinkedIn no longer has is not found",
			auth:      auth,
			handler:   func(n int, w http.ResponseWriter, r *http.Request) { liError(w, 404, 0, "not found") },
			wantCalls: 1,
			check: func(t *testing.T, err error) {
				if !IsNotFound(err) {
					t.Fatalf("IsNotFound(%v) = false", err)
				}
			},
		},
		{
			scenario:  "429 is not retried",
			auth:      auth,
			handler:   func(n int, w http.ResponseWriter, r *http.Request) { liError(w, 429, 0, "throttled") },
			wantCalls: 1,
			check: func(t *testing.T, err error) {
				if !IsThrottled(err) {
					t.Fatalf("IsThrottled(%v) = false", err)
				}
			},
		},
		{
			scenario:  "an authorization without member is refused without calling LinkedIn",
			auth:      ComplianceAuthorization{DeveloperApplication: "urn:li:developerApplication:123456"},
			handler:   func(n int, w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) },
			wantCalls: 0,
			check:     func(t *testing.T, err error) { wantBadRequest(t, err, `member "" is not urn:li:person:<id>`) },
		},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			c, p := newPlatform(t, tt.handler)
			err := c.OptOutCompliance(context.Background(), token, tt.auth)
			p.check(t, del, tt.wantCalls)
			if tt.check != nil {
				if err == nil {
					t.Fatal("want an error")
				}
				tt.check(t, err)
				return
			}
			if err != nil {
				t.Fatalf("OptOutCompliance: %v", err)
			}
		})
	}
}

func TestComplianceEvents(t *testing.T) {
	const member = "AQX-member"
	start := time.UnixMilli(1735689600000)
	get := func(count int) sent {
		return sent{
			Method:        "GET",
			RequestURI:    "/rest/complianceEvents?q=memberAndApplication&startTime=1735689600000&count=" + strconv.Itoa(count),
			Authorization: "Bearer " + member,
			Restli:        "2.0.0",
			Version:       "202310",
		}
	}
	// Elements written by hand, with spacing and fields the client does not
	// read, so that Raw is seen to be kept exactly.
	ev1 := `{"id":"urn:li:complianceEvent:1", "processedAt":1735689600000, "resourceName":"salesNavigatorMessages", "method":"CREATE", "actor":"urn:li:person:a", "activity":{"subject":"Hi","body":"Hello there","recipients":["urn:li:person:b"]}}`
	ev2 := `{"id":"urn:li:complianceEvent:2","processedAt":1735689600000,"resourceName":"salesNavigatorMessages","method":"CREATE","actor":"urn:li:person:b","activity":{"subject":"Re: Hi","body":"Hi!","recipients":["urn:li:person:a"]}}`
	ev3 := `{"id":"urn:li:complianceEvent:3","processedAt":1735689700000,"resourceName":"salesNavigatorMessages","method":"CREATE","actor":"urn:li:person:a","activity":{}}`
	page := func(els ...string) func(n int, w http.ResponseWriter, r *http.Request) {
		return func(n int, w http.ResponseWriter, r *http.Request) {
			_, _ = fmt.Fprintf(w, `{"elements":[%s],"paging":{"count":10,"start":0,"links":[]}}`, strings.Join(els, ","))
		}
	}
	tests := []struct {
		scenario  string
		count     int
		sentCount int
		handler   func(n int, w http.ResponseWriter, r *http.Request)
		want      []string // IDs
		wantRaw   []string
		wantCalls int
		check     func(t *testing.T, err error)
	}{
		{
			scenario: "events come oldest first with their whole element kept as is",
			count:    10, sentCount: 10,
			handler:   page(ev1, ev2, ev3),
			want:      []string{"urn:li:complianceEvent:1", "urn:li:complianceEvent:2", "urn:li:complianceEvent:3"},
			wantRaw:   []string{ev1, ev2, ev3},
			wantCalls: 1,
		},
		{
			scenario: "events out of order are put oldest first",
			count:    10, sentCount: 10,
			handler:   page(ev3, ev1),
			want:      []string{"urn:li:complianceEvent:1", "urn:li:complianceEvent:3"},
			wantRaw:   []string{ev1, ev3},
			wantCalls: 1,
		},
		{
			scenario: "an event twice in one page is kept once",
			count:    10, sentCount: 10,
			handler:   page(ev1, ev1, ev2),
			want:      []string{"urn:li:complianceEvent:1", "urn:li:complianceEvent:2"},
			wantRaw:   []string{ev1, ev2},
			wantCalls: 1,
		},
		{
			scenario: "count 0 asks for LinkedIn's default of 10",
			count:    0, sentCount: 10,
			handler:   page(),
			want:      []string{},
			wantCalls: 1,
		},
		{
			scenario: "count 100 is the most allowed",
			count:    100, sentCount: 100,
			handler:   page(ev1),
			want:      []string{"urn:li:complianceEvent:1"},
			wantRaw:   []string{ev1},
			wantCalls: 1,
		},
		{
			scenario: "count 101 is refused without calling LinkedIn",
			count:    101, sentCount: 101,
			handler:   page(),
			wantCalls: 0,
			check:     func(t *testing.T, err error) { wantBadRequest(t, err, "count 101 is not between 1 and 100") },
		},
		{
			scenario: "an event without processedAt fails the page instead of being lost",
			count:    10, sentCount: 10,
			handler:   page(ev1, `{"id":"urn:li:complianceEvent:9"}`),
			wantCalls: 1,
			check:     func(t *testing.T, err error) { wantMalformed(t, err, "event 1 without id or processedAt") },
		},
		{
			scenario: "500 then the page succeeds on the retry",
			count:    10, sentCount: 10,
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				if n == 1 {
					liError(w, 500, 0, "oops")
					return
				}
				page(ev3)(n, w, r)
			},
			want:      []string{"urn:li:complianceEvent:3"},
			wantRaw:   []string{ev3},
			wantCalls: 2,
		},
		{
			scenario: "429 is not retried",
			count:    10, sentCount: 10,
			handler:   func(n int, w http.ResponseWriter, r *http.Request) { liError(w, 429, 0, "throttled") },
			wantCalls: 1,
			check: func(t *testing.T, err error) {
				if !IsThrottled(err) {
					t.Fatalf("IsThrottled(%v) = false", err)
				}
			},
		},
		{
			scenario: "token without r_compliance_sales_nav is forbidden",
			count:    10, sentCount: 10,
			handler:   func(n int, w http.ResponseWriter, r *http.Request) { liError(w, 403, 0, "Not enough permissions") },
			wantCalls: 1,
			check: func(t *testing.T, err error) {
				if !IsForbidden(err) {
					t.Fatalf("IsForbidden(%v) = false", err)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			c, p := newPlatform(t, tt.handler)
			got, err := c.ComplianceEvents(context.Background(), member, start, tt.count)
			p.check(t, get(tt.sentCount), tt.wantCalls)
			if tt.check != nil {
				if err == nil {
					t.Fatalf("got %+v, want an error", got)
				}
				tt.check(t, err)
				return
			}
			if err != nil {
				t.Fatalf("ComplianceEvents: %v", err)
			}
			ids := make([]string, 0, len(got))
			for i, e := range got {
				ids = append(ids, e.ID)
				if string(e.Raw) != tt.wantRaw[i] {
					t.Errorf("event %s Raw = %s, want %s", e.ID, e.Raw, tt.wantRaw[i])
				}
			}
			if !reflect.DeepEqual(ids, tt.want) {
				t.Fatalf("ids = %v, want %v", ids, tt.want)
			}
		})
	}
}

func TestComplianceEventFields(t *testing.T) {
	tests := []struct {
		scenario string
		element  string
		want     ComplianceEvent
	}{
		{
			scenario: "message sent by the member",
			element:  `{"id":"urn:li:complianceEvent:5","processedAt":1735689600123,"resourceName":"salesNavigatorMessages","method":"CREATE","actor":"urn:li:person:a","activity":{"subject":"s","body":"b","recipients":["urn:li:person:b"]}}`,
			want:     ComplianceEvent{ID: "urn:li:complianceEvent:5", ProcessedAt: time.UnixMilli(1735689600123), ResourceName: "salesNavigatorMessages", Method: "CREATE", Actor: "urn:li:person:a"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			c, _ := newPlatform(t, func(n int, w http.ResponseWriter, r *http.Request) {
				_, _ = fmt.Fprintf(w, `{"elements":[%s]}`, tt.element)
			})
			got, err := c.ComplianceEvents(context.Background(), "tok", time.UnixMilli(1), 1)
			if err != nil {
				t.Fatalf("ComplianceEvents: %v", err)
			}
			if len(got) != 1 {
				t.Fatalf("got %d events, want 1", len(got))
			}
			g := got[0]
			if g.ID != tt.want.ID || !g.ProcessedAt.Equal(tt.want.ProcessedAt) || g.ResourceName != tt.want.ResourceName || g.Method != tt.want.Method || g.Actor != tt.want.Actor {
				t.Fatalf("got %+v, want %+v", g, tt.want)
			}
		})
	}
}

// TestComplianceEventsPaging pages as the contract says callers must: from
// the last processedAt, dropping IDs already seen, so that events sharing
// the boundary instant are neither lost nor archived twice.
func TestComplianceEventsPaging(t *testing.T) {
	type ev struct {
		ID string `json:"id"`
		At int64  `json:"processedAt"`
	}
	all := []ev{{"e1", 1000}, {"e2", 2000}, {"e3", 2000}, {"e4", 3000}, {"e5", 3000}, {"e6", 4000}, {"e7", 5000}}
	tests := []struct {
		scenario  string
		pageSize  int
		wantCalls int
	}{
		{scenario: "pages of 3 cross two shared instants", pageSize: 3, wantCalls: 4},
		{scenario: "one page holds everything", pageSize: 10, wantCalls: 1},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			c, p := newPlatform(t, func(n int, w http.ResponseWriter, r *http.Request) {
				from, _ := strconv.ParseInt(r.URL.Query().Get("startTime"), 10, 64)
				count, _ := strconv.Atoi(r.URL.Query().Get("count"))
				els := []ev{}
				for _, e := range all {
					if e.At >= from && len(els) < count {
						els = append(els, e)
					}
				}
				writeJSON(w, 200, map[string]any{"elements": els})
			})
			cursor := time.UnixMilli(1)
			seen := map[string]bool{}
			var archived []string
			for range 10 {
				page, err := c.ComplianceEvents(context.Background(), "tok", cursor, tt.pageSize)
				if err != nil {
					t.Fatalf("ComplianceEvents: %v", err)
				}
				for _, e := range page {
					if !seen[e.ID] {
						seen[e.ID] = true
						archived = append(archived, e.ID)
					}
					cursor = e.ProcessedAt
				}
				if len(page) < tt.pageSize {
					break
				}
			}
			if want := []string{"e1", "e2", "e3", "e4", "e5", "e6", "e7"}; !reflect.DeepEqual(archived, want) {
				t.Fatalf("archived %v, want %v", archived, want)
			}
			if calls := int(p.calls.Load()); calls != tt.wantCalls {
				t.Fatalf("LinkedIn saw %d calls, want %d", calls, tt.wantCalls)
			}
		})
	}
}
