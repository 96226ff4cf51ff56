package linkedin

import (
	"context"
	"net/http"
	"reflect"
	"testing"
)

func TestSalesContracts(t *testing.T) {
	const member = "AQX-member"
	req := sent{Method: "GET", RequestURI: "/v2/salesContracts?q=contractsByMember", Authorization: "Bearer " + member, Restli: "2.0.0"}
	tests := []struct {
		scenario  string
		token     string
		handler   func(n int, w http.ResponseWriter, r *http.Request)
		want      []Contract
		wantCalls int
		check     func(t *testing.T, err error)
	}{
		{
			scenario: "two contracts, one without description or reporting access",
			token:    member,
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{"elements":[
					{"contract":"urn:li:salesContract:1001","name":"Enterprise","description":"Main seats","hasReportingAccess":true},
					{"contract":"urn:li:salesContract:1002","name":"Team","description":null,"hasReportingAccess":false}],
					"paging":{"count":10,"start":0,"links":[]}}`))
			},
			want: []Contract{
				{URN: "urn:li:salesContract:1001", Name: "Enterprise", Description: "Main seats", HasReportingAccess: true},
				{URN: "urn:li:salesContract:1002", Name: "Team"},
			},
			wantCalls: 1,
		},
		{
			scenario: "a member without seats has no contracts",
			token:    member,
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 200, map[string]any{"elements": []any{}, "paging": map[string]any{"count": 10, "start": 0}})
			},
			want:      []Contract{},
			wantCalls: 1,
		},
		{
			scenario: "an element without a contract URN is a malformed answer",
			token:    member,
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 200, map[string]any{"elements": []any{map[string]any{"name": "Nameless"}}})
			},
			wantCalls: 1,
			check:     func(t *testing.T, err error) { wantMalformed(t, err, "not a salesContract URN") },
		},
		{
			scenario: "token without r_sales_nav_analytics is forbidden",
			token:    member,
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				liError(w, 403, 100, "Not enough permissions to access: salesContracts")
			},
			wantCalls: 1,
			check: func(t *testing.T, err error) {
				if le := wantErrorStatus(t, err, 403); !IsForbidden(err) || le.Message != "Not enough permissions to access: salesContracts" {
					t.Fatalf("got %+v, want LinkedIn's 403 message", le)
				}
			},
		},
		{
			scenario:  "429 is not retried",
			token:     member,
			handler:   func(n int, w http.ResponseWriter, r *http.Request) { liError(w, 429, 0, "throttled") },
			wantCalls: 1,
			check: func(t *testing.T, err error) {
				if !IsThrottled(err) {
					t.Fatalf("IsThrottled(%v) = false", err)
				}
			},
		},
		{
			scenario: "500 then the answer succeeds on the retry",
			token:    member,
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				if n == 1 {
					liError(w, 500, 0, "oops")
					return
				}
				writeJSON(w, 200, map[string]any{"elements": []any{map[string]any{"contract": "urn:li:salesContract:7", "name": "Seven", "hasReportingAccess": true}}})
			},
			want:      []Contract{{URN: "urn:li:salesContract:7", Name: "Seven", HasReportingAccess: true}},
			wantCalls: 2,
		},
		{
			scenario:  "empty member token is refused without calling LinkedIn",
			token:     "",
			handler:   func(n int, w http.ResponseWriter, r *http.Request) {},
			wantCalls: 0,
			check:     func(t *testing.T, err error) { wantBadRequest(t, err, "member token is empty") },
		},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			c, p := newPlatform(t, tt.handler)
			got, err := c.SalesContracts(context.Background(), tt.token)
			p.check(t, req, tt.wantCalls)
			if tt.check != nil {
				if err == nil {
					t.Fatalf("got %+v, want an error", got)
				}
				tt.check(t, err)
				return
			}
			if err != nil {
				t.Fatalf("SalesContracts: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}
