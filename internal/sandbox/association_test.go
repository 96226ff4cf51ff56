package sandbox

import (
	"fmt"
	"strings"
	"testing"

	"github.com/snapbridge/snapbridge/internal/restli"
)

func TestSalesAccessTokens(t *testing.T) {
	h := newHarness(t)
	display, _ := h.memberToken(DemoClientID, ScopeDisplay)
	analytics, _ := h.memberToken(DemoClientID, ScopeAnalytics)
	app := h.appToken(DemoClientID)
	tests := []struct {
		scenario string
		token    string
		query    string
		advance  bool // move the clock past the member token's 60 days
		status   int
		code     float64
	}{
		{scenario: "a member token with r_sales_nav_display gets a SAT", token: display, query: "q=viewerAndDeveloperApp", status: 200},
		{scenario: "a member token without the scope is forbidden", token: analytics, query: "q=viewerAndDeveloperApp", status: 403, code: 100},
		{scenario: "an application token is forbidden", token: app, query: "q=viewerAndDeveloperApp", status: 403, code: 100},
		{scenario: "no token is unauthorized", query: "q=viewerAndDeveloperApp", status: 401, code: 65604},
		{scenario: "an unknown token is unauthorized", token: "sandbox-at-made-up", query: "q=viewerAndDeveloperApp", status: 401, code: 65600},
		{scenario: "a wrong finder is a bad request", token: display, query: "q=other", status: 400},
		{scenario: "a missing finder is a bad request", token: display, status: 400},
		{scenario: "an expired member token is unauthorized", token: display, query: "q=viewerAndDeveloperApp", advance: true, status: 401, code: 65602},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			if tc.advance {
				h.clock.Advance(DefaultMemberTokenLifetime + 1)
			}
			a := h.api("/v2/salesAccessTokens?"+tc.query, tc.token)
			m := a.json(t)
			if a.status != tc.status {
				t.Fatalf("status %d, want %d: %s", a.status, tc.status, a.body)
			}
			if tc.status != 200 {
				if m["status"] != float64(tc.status) || m["serviceErrorCode"] != tc.code || m["message"] == "" {
					t.Fatalf("error body %v, want status %d code %v", m, tc.status, tc.code)
				}
				return
			}
			el := m["elements"].([]any)[0].(map[string]any)
			if tok, _ := el["token"].(string); !strings.HasPrefix(tok, "sandbox-sat-") {
				t.Errorf("SAT %q lacks sandbox-sat-", tok)
			}
			if want := h.clock.Now().Add(DefaultSATLifetime).Unix(); el["expiryTime"] != float64(want) {
				t.Errorf("expiryTime %v, want %d (epoch seconds)", el["expiryTime"], want)
			}
			if p := m["paging"].(map[string]any); p["count"] != float64(1) || p["start"] != float64(0) {
				t.Errorf("paging %v", p)
			}
		})
	}
}

func TestProfileAssociation(t *testing.T) {
	h := newHarness(t)
	demo := h.appToken(DemoClientID)
	nosync := h.appToken(NoSyncClientID)
	test := h.appToken(testClientID)
	matched, noPhoto, noMatch := demoRecord(t, OutcomeMatched), demoRecord(t, OutcomeNoPhoto), demoRecord(t, OutcomeNoMatch)
	nosyncRec := DemoApps(DemoOptions{})[1].Instances[0].Records[0]
	member, _ := h.memberToken(DemoClientID, ScopeDisplay)
	path := func(k restli.Record) string { return "/v2/salesNavigatorProfileAssociations/" + k.String() }
	tests := []struct {
		scenario  string
		path      string
		token     string
		noRestli  bool
		status    int
		code      float64
		member    string
		wantPhoto bool
	}{
		{scenario: "a matched record has member, profile and photo", path: path(key("MS", DemoInstanceID, matched.ID)),
			token: demo, status: 200, member: matched.MemberID, wantPhoto: true},
		{scenario: "a match without public photo has no profilePhoto", path: path(key("MS", DemoInstanceID, noPhoto.ID)),
			token: demo, status: 200, member: noPhoto.MemberID},
		{scenario: "an unmatched record is 404 Match unavailable", path: path(key("MS", DemoInstanceID, noMatch.ID)),
			token: demo, status: 404},
		{scenario: "an unknown record is 404", path: path(key("MS", DemoInstanceID, "c-999")), token: demo, status: 404},
		{scenario: "CRM Sync off is 400/40001", path: path(key("MS", NoSyncInstanceID, nosyncRec.ID)),
			token: nosync, status: 400, code: 40001},
		{scenario: "unknown CRM Sync status is 400/40002", path: path(key("SFDC", "unknown-sync", "c-002")),
			token: test, status: 400, code: 40002},
		{scenario: "an instance the app does not know is 400/40002", path: path(key("MS", NoSyncInstanceID, nosyncRec.ID)),
			token: demo, status: 400, code: 40002},
		{scenario: "a missing recordId is 400", path: "/v2/salesNavigatorProfileAssociations/(instanceId:x,partner:MS)",
			token: demo, status: 400},
		{scenario: "an empty partner is 400", path: "/v2/salesNavigatorProfileAssociations/(instanceId:x,partner:,recordId:1)",
			token: demo, status: 400},
		{scenario: "the seed's comma path template is 400", path: "/v2/salesNavigatorProfileAssociations/" + DemoInstanceID + ",MS," + matched.ID,
			token: demo, status: 400},
		{scenario: "an unknown key field is 400", path: "/v2/salesNavigatorProfileAssociations/(instanceId:x,partner:MS,recordId:1,extra:2)",
			token: demo, status: 400},
		{scenario: "an unencoded parenthesis in a value is 400", path: "/v2/salesNavigatorProfileAssociations/(instanceId:x,partner:MS,recordId:a(b)",
			token: demo, status: 400},
		{scenario: "no Rest.li protocol header is 400", path: path(key("MS", DemoInstanceID, matched.ID)),
			token: demo, noRestli: true, status: 400},
		{scenario: "an app token without r_sales_nav_profiles is 403", path: path(key("MS", DemoInstanceID, matched.ID)),
			token: h.appToken(limitedClientID), status: 403, code: 100},
		{scenario: "a member token without r_sales_nav_profiles is 403", path: path(key("MS", DemoInstanceID, matched.ID)),
			token: member, status: 403, code: 100},
		{scenario: "no token is 401", path: path(key("MS", DemoInstanceID, matched.ID)), status: 401, code: 65604},
		{scenario: "a record id with , : ( ' % / é round-trips", path: path(key("SFDC", weirdInstance, weirdRecordID)),
			token: test, status: 200, member: derivedMemberID("SFDC", weirdInstance, weirdRecordID), wantPhoto: true},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			header := map[string]string{"Authorization": "Bearer " + tc.token}
			if tc.token == "" {
				delete(header, "Authorization")
			}
			if !tc.noRestli {
				header["X-Restli-Protocol-Version"] = "2.0.0"
			}
			a := h.get(tc.path, header)
			m := a.json(t)
			if a.status != tc.status {
				t.Fatalf("status %d, want %d: %s", a.status, tc.status, a.body)
			}
			if tc.status != 200 {
				if m["status"] != float64(tc.status) || m["serviceErrorCode"] != tc.code || m["message"] == "" {
					t.Fatalf("error %v, want status %d code %v", m, tc.status, tc.code)
				}
				if tc.status == 404 && m["message"] != "Match unavailable" {
					t.Errorf("404 message %v", m["message"])
				}
				return
			}
			if m["member"] != "urn:li:person:"+tc.member || m["profile"] != h.srv.URL+"/sales/people/"+tc.member {
				t.Errorf("answer %v, want member %s", m, tc.member)
			}
			photo, has := m["profilePhoto"].(string)
			if has != tc.wantPhoto {
				t.Fatalf("profilePhoto %q, want one: %v", photo, tc.wantPhoto)
			}
			if has {
				img := h.get(strings.TrimPrefix(photo, h.srv.URL), nil)
				if img.status != 200 || img.header.Get("Content-Type") != "image/png" {
					t.Errorf("photo %s: %d %s", photo, img.status, img.header.Get("Content-Type"))
				}
			}
		})
	}
}

func TestProfileAssociationBatch(t *testing.T) {
	h := newHarness(t)
	demo := h.appToken(DemoClientID)
	matched, noPhoto, noMatch := demoRecord(t, OutcomeMatched), demoRecord(t, OutcomeNoPhoto), demoRecord(t, OutcomeNoMatch)
	kMatched, kNoPhoto, kNoMatch := key("MS", DemoInstanceID, matched.ID), key("MS", DemoInstanceID, noPhoto.ID), key("MS", DemoInstanceID, noMatch.ID)
	kNoSync := key("MS", NoSyncInstanceID, "x")
	kMissing := restli.Record{{Name: "partner", Value: "MS"}, {Name: "instanceId", Value: DemoInstanceID}}
	kWeird := key("SFDC", weirdInstance, weirdRecordID)
	many := make([]restli.Record, MaxBatch+1)
	for i := range many {
		many[i] = key("MS", DemoInstanceID, fmt.Sprintf("c-%03d", i))
	}
	tests := []struct {
		scenario string
		token    string
		query    string
		status   int
		want     map[string]int // serialized key → status
	}{
		{scenario: "each outcome gets its own status", token: demo, status: 200,
			query: "ids=" + restli.List(kMatched, kNoPhoto, kNoMatch, kNoSync, kMissing),
			want: map[string]int{kMatched.String(): 200, kNoPhoto.String(): 200, kNoMatch.String(): 404,
				kNoSync.String(): 400, kMissing.String(): 400}},
		{scenario: "an encoded record id round-trips", token: h.appToken(testClientID), status: 200,
			query: "ids=" + restli.List(kWeird), want: map[string]int{kWeird.String(): 200}},
		{scenario: "a hundred and one keys are refused", token: demo, status: 400, query: "ids=" + restli.List(many...)},
		{scenario: "missing ids are refused", token: demo, status: 400, query: "q=x"},
		{scenario: "an empty list is refused", token: demo, status: 400, query: "ids=List()"},
		{scenario: "a form-encoded list is refused", token: demo, status: 400, query: "ids=List%28%28partner%3AMS%29%29"},
		{scenario: "ids given twice are refused", token: demo, status: 400,
			query: "ids=" + restli.List(kMatched) + "&ids=" + restli.List(kMatched)},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			a := h.api("/v2/salesNavigatorProfileAssociations?"+tc.query, tc.token)
			m := a.json(t)
			if a.status != tc.status {
				t.Fatalf("status %d, want %d: %s", a.status, tc.status, a.body)
			}
			if tc.status != 200 {
				if m["status"] != float64(tc.status) || m["message"] == "" {
					t.Fatalf("error body %v", m)
				}
				return
			}
			statuses, results, errs := m["statuses"].(map[string]any), m["results"].(map[string]any), m["errors"].(map[string]any)
			if len(statuses) != len(tc.want) {
				t.Fatalf("statuses %v, want %v", statuses, tc.want)
			}
			for k, want := range tc.want {
				if statuses[k] != float64(want) {
					t.Errorf("status of %s: %v, want %d", k, statuses[k], want)
				}
				_, hasResult := results[k]
				e, hasErr := errs[k].(map[string]any)
				if hasResult != (want == 200) || hasErr == (want == 200) {
					t.Errorf("%s: result %v error %v, want exactly one", k, hasResult, hasErr)
				}
				if hasErr && e["status"] != float64(want) {
					t.Errorf("%s: error %v", k, e)
				}
			}
			if r, ok := results[kNoPhoto.String()].(map[string]any); ok {
				if _, has := r["profilePhoto"]; has {
					t.Errorf("no_photo record has a photo: %v", r)
				}
			}
			if e, ok := errs[kNoSync.String()].(map[string]any); ok && e["serviceErrorCode"] != float64(40002) {
				t.Errorf("an instance of another app: %v, want 40002", e)
			}
		})
	}
}
