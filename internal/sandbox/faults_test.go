package sandbox

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestFaults(t *testing.T) {
	assocPath := "/v2/salesNavigatorProfileAssociations?ids=List((instanceId:" + DemoInstanceID + ",partner:MS,recordId:c-001))"
	tests := []struct {
		scenario string
		faults   Faults
		statuses []int // of consecutive association calls
		token    []int // status of a client-credentials call made after them; nil skips it
		minTime  time.Duration
		// retryAfter is the Retry-After of a 429 or 503; "" means "1".
		retryAfter string
	}{
		{scenario: "no faults answer normally", statuses: []int{200, 200}, token: []int{200}},
		{scenario: "Next500 fails exactly the next calls", faults: Faults{Next500: 2}, statuses: []int{500, 500, 200}},
		{scenario: "Next500 also fails the token endpoint", faults: Faults{Next500: 1}, token: []int{500, 200}},
		{scenario: "Next429 throttles exactly the next call", faults: Faults{Next429: 1}, statuses: []int{429, 200}, token: []int{200}},
		{scenario: "Next500 goes before Next429", faults: Faults{Next500: 1, Next429: 1}, statuses: []int{500, 429, 200}},
		{scenario: "Rate429 of 1 throttles every call", faults: Faults{Rate429: 1}, statuses: []int{429, 429}, token: []int{200}},
		{scenario: "Rate500 of 1 fails every call", faults: Faults{Rate500: 1}, statuses: []int{500, 500}},
		{scenario: "Down answers 503 to API and token calls", faults: Faults{Down: true}, statuses: []int{503}, token: []int{503}},
		{scenario: "ExpireTokens answers 401 to every bearer token", faults: Faults{ExpireTokens: true}, statuses: []int{401, 401}, token: []int{200}},
		{scenario: "RetryAfter sets the Retry-After of an injected 429", faults: Faults{Next429: 1, RetryAfter: 40 * time.Second},
			statuses: []int{429, 200}, retryAfter: "40"},
		{scenario: "Latency delays API answers", faults: Faults{Latency: 150 * time.Millisecond}, statuses: []int{200}, minTime: 150 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			h := newHarness(t)
			app := h.appToken(DemoClientID)
			h.sb.SetFaults(tc.faults)
			h.sb.ResetStats()
			start := time.Now()
			for i, want := range tc.statuses {
				a := h.api(assocPath, app)
				if a.status != want {
					t.Fatalf("call %d: status %d, want %d: %s", i, a.status, want, a.body)
				}
				m := a.json(t)
				if want != 200 && (m["status"] != float64(want) || m["message"] == "") {
					t.Errorf("call %d: error body %v", i, m)
				}
				wantAfter := tc.retryAfter
				if wantAfter == "" {
					wantAfter = "1"
				}
				if (want == 429 || want == 503) && a.header.Get("Retry-After") != wantAfter {
					t.Errorf("call %d: Retry-After %q, want %s", i, a.header.Get("Retry-After"), wantAfter)
				}
			}
			if took := time.Since(start); took < tc.minTime {
				t.Errorf("took %s, want at least %s", took, tc.minTime)
			}
			for i, want := range tc.token {
				a := h.postForm("/oauth/v2/accessToken", url.Values{"grant_type": {"client_credentials"},
					"client_id": {DemoClientID}, "client_secret": {testSecret}})
				if a.status != want {
					t.Fatalf("token call %d: %d, want %d: %s", i, a.status, want, a.body)
				}
				if want != 200 && a.json(t)["error"] == nil {
					t.Errorf("token error body %s lacks error", a.body)
				}
			}
			stats := h.sb.Stats()
			if stats["profileAssociations.batch"] != len(tc.statuses) || stats["oauth.token"] != len(tc.token) {
				t.Errorf("stats %v: faulted calls must be counted", stats)
			}
		})
	}
}

func TestLatencyEndsWhenTheClientGivesUp(t *testing.T) {
	h := newHarness(t)
	h.sb.SetFaults(Faults{Latency: 30 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, h.srv.URL+"/v2/salesAccessTokens?q=viewerAndDeveloperApp", nil)
	start := time.Now()
	if _, err := h.client.Do(req); err == nil {
		t.Fatal("want the client's deadline to end the call")
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("took %s", took)
	}
}

func TestFaultsEndpoint(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		scenario string
		body     string
		status   int
		want     Faults
	}{
		{scenario: "a full replacement with a Go duration", status: 200,
			body: `{"latency":"200ms","rate429":0.25,"next500":3,"down":false,"expireTokens":true,"revokeRefresh":true}`,
			want: Faults{Latency: 200 * time.Millisecond, Rate429: 0.25, Next500: 3, ExpireTokens: true, RevokeRefresh: true}},
		{scenario: "an empty object clears every fault", body: `{}`, status: 200},
		{scenario: "a longer Retry-After for 429s", body: `{"next429":1,"retryAfter":"40s"}`, status: 200,
			want: Faults{Next429: 1, RetryAfter: 40 * time.Second}},
		{scenario: "a Retry-After of part of a second is refused", body: `{"retryAfter":"1500ms"}`, status: 400},
		{scenario: "a Retry-After over ten minutes is refused", body: `{"retryAfter":"11m"}`, status: 400},
		{scenario: "a bad duration is refused", body: `{"latency":"soon"}`, status: 400},
		{scenario: "a rate above 1 is refused", body: `{"rate500":1.5}`, status: 400},
		{scenario: "an unknown field is refused", body: `{"latencyy":"1s"}`, status: 400},
		{scenario: "a negative countdown is refused", body: `{"next429":-1}`, status: 400},
		{scenario: "not JSON is refused", body: `latency=1s`, status: 400},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			h.sb.SetFaults(Faults{Next429: 7})
			req, _ := http.NewRequest(http.MethodPut, h.srv.URL+"/_sandbox/faults", strings.NewReader(tc.body))
			a := h.do(req)
			if a.status != tc.status {
				t.Fatalf("status %d, want %d: %s", a.status, tc.status, a.body)
			}
			want := tc.want
			if tc.status != 200 {
				want = Faults{Next429: 7} // unchanged
			}
			if got := h.sb.Faults(); got != want {
				t.Fatalf("faults %+v, want %+v", got, want)
			}
			if tc.status == 200 {
				got := h.get("/_sandbox/faults", nil).json(t)
				if got["latency"] != want.Latency.String() || got["next500"] != float64(want.Next500) {
					t.Errorf("GET answers %v", got)
				}
			}
		})
	}
}

func TestStats(t *testing.T) {
	h := newHarness(t)
	h.memberToken(DemoClientID, ScopeDisplay) // authorize (POST), token
	app := h.appToken(DemoClientID)
	h.get("/oauth/v2/authorization?client_id=nobody", nil)
	h.api("/v2/salesNavigatorProfileAssociations/(instanceId:"+DemoInstanceID+",partner:MS,recordId:c-1)", app)
	h.api("/v2/salesNavigatorProfileAssociations/(instanceId:"+DemoInstanceID+",partner:MS,recordId:c-1)", "")
	h.api("/v2/salesNavigatorProfileAssociations?ids=List()", app)
	h.api("/v2/salesAccessTokens?q=viewerAndDeveloperApp", "")
	h.get("/nowhere", nil)
	want := map[string]int{"oauth.consent": 1, "oauth.authorize": 1, "oauth.token": 2, "profileAssociations.get": 2,
		"profileAssociations.batch": 1, "salesAccessTokens": 1, "notFound": 1}
	got := h.get("/_sandbox/stats", nil).json(t)["calls"].(map[string]any)
	for _, tc := range []struct {
		scenario string
		endpoint string
	}{
		{"consents are counted", "oauth.consent"}, {"consent pages are counted, refused too", "oauth.authorize"},
		{"token calls are counted", "oauth.token"}, {"single look-ups are counted, refused too", "profileAssociations.get"},
		{"batch look-ups are counted", "profileAssociations.batch"}, {"SAT calls are counted", "salesAccessTokens"},
		{"unknown paths are counted", "notFound"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			if got[tc.endpoint] != float64(want[tc.endpoint]) {
				t.Fatalf("%s = %v, want %d (all: %v)", tc.endpoint, got[tc.endpoint], want[tc.endpoint], got)
			}
		})
	}
	t.Run("reset sets every counter to zero", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/_sandbox/stats/reset", nil)
		if a := h.do(req); a.status != 200 {
			t.Fatalf("reset: %d", a.status)
		}
		if calls := h.get("/_sandbox/stats", nil).json(t)["calls"].(map[string]any); len(calls) != 0 {
			t.Fatalf("after reset: %v", calls)
		}
	})
}
