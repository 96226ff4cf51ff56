package sandbox

import (
	"bytes"
	"image/png"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestDisplayPage(t *testing.T) {
	h := newHarness(t)
	member, _ := h.memberToken(DemoClientID, ScopeDisplay)
	sat := func(token string) string {
		a := h.api("/v2/salesAccessTokens?q=viewerAndDeveloperApp", token)
		return a.json(t)["elements"].([]any)[0].(map[string]any)["token"].(string)
	}
	demoSAT := sat(member)
	otherMember, _ := h.memberToken(testClientID, ScopeDisplay)
	foreignSAT := sat(otherMember)
	expiringMember, _ := h.memberToken(DemoClientID, ScopeDisplay)
	expiredSAT := sat(expiringMember)
	matched, noPhoto, noMatch := demoRecord(t, OutcomeMatched), demoRecord(t, OutcomeNoPhoto), demoRecord(t, OutcomeNoMatch)
	viewer := DemoMembers()[0].Name
	page := func(sat string, rec Record) string {
		q := url.Values{"apiKey": {DemoClientID}, "firstName": {rec.FirstName}, "lastName": {rec.LastName},
			"email": {rec.Email}, "companyName": {rec.Company}, "crmRecordId": {rec.ID}, "crmOrgId": {DemoInstanceID},
			"crmSourceType": {DemoCRMSourceType}, "crmType": {DemoCRMType}, "modules": {"TopCard2,RelatedLeads"},
			"version": {"2.1"}, "isInlineMode": {"true"}}
		if sat != "" {
			q.Set("sat", sat)
		}
		return "/sales/widget/profile-matching?" + q.Encode()
	}
	tests := []struct {
		scenario string
		path     string
		expire   bool // move the clock past the SAT's lifetime first
		status   int
		wants    []string
		lacks    []string
	}{
		{scenario: "a live SAT shows the matched member and the viewer", path: page(demoSAT, matched), status: 200,
			wants: []string{`data-testid="sn-member"`, matched.FirstName + " " + matched.LastName, matched.Title,
				"Signed in as " + viewer, "/media/" + matched.MemberID + ".png", "Sales Navigator (stand-in)"},
			lacks: []string{"sn-refused"}},
		{scenario: "a match without public photo shows initials", path: page(demoSAT, noPhoto), status: 200,
			wants: []string{`data-testid="sn-member"`, noPhoto.FirstName + " " + noPhoto.LastName},
			lacks: []string{"/media/"}},
		{scenario: "no match offers members with similar names", path: page(demoSAT, noMatch), status: 200,
			wants: []string{`data-testid="sn-search"`, "Katherine Lindqvist", "Signed in as " + viewer},
			lacks: []string{`data-testid="sn-member"`}},
		{scenario: "a missing SAT is refused", path: page("", matched), status: 401,
			wants: []string{`data-testid="sn-refused"`, "Not authorized:"}, lacks: []string{matched.LastName}},
		{scenario: "a made-up SAT is refused", path: page("sandbox-sat-FAKE", matched), status: 401,
			wants: []string{`data-testid="sn-refused"`}},
		{scenario: "a member token is not a SAT", path: page(member, matched), status: 401,
			wants: []string{`data-testid="sn-refused"`}},
		{scenario: "a SAT of another app is refused", path: page(foreignSAT, matched), status: 401,
			wants: []string{`data-testid="sn-refused"`, "another application"}},
		{scenario: "an expired SAT is refused", path: page(expiredSAT, matched), expire: true, status: 401,
			wants: []string{`data-testid="sn-refused"`, "expired"}},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			if tc.expire {
				h.clock.Advance(DefaultSATLifetime + time.Second)
			}
			a := h.get(tc.path, nil)
			if a.status != tc.status {
				t.Fatalf("status %d, want %d", a.status, tc.status)
			}
			if !strings.HasPrefix(a.header.Get("Content-Type"), "text/html") {
				t.Errorf("Content-Type %q", a.header.Get("Content-Type"))
			}
			if a.header.Get("X-Frame-Options") != "" || strings.Contains(a.header.Get("Content-Security-Policy"), "frame-ancestors") {
				t.Errorf("the Display page must be frameable")
			}
			body := string(a.body)
			for _, w := range tc.wants {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			for _, l := range tc.lacks {
				if strings.Contains(body, l) {
					t.Errorf("page shows %q", l)
				}
			}
		})
	}
}

func TestProfilePageAndPhoto(t *testing.T) {
	h := newHarness(t)
	matched, noPhoto := demoRecord(t, OutcomeMatched), demoRecord(t, OutcomeNoPhoto)
	tests := []struct {
		scenario    string
		path        string
		status      int
		contentType string
		contains    string
	}{
		{scenario: "a matched member's profile page", path: "/sales/people/" + matched.MemberID, status: 200,
			contentType: "text/html; charset=utf-8", contains: matched.LastName},
		{scenario: "an unknown member's profile is 404", path: "/sales/people/nobody", status: 404,
			contentType: "text/html; charset=utf-8"},
		{scenario: "a public photo is a PNG", path: "/media/" + matched.MemberID + ".png", status: 200, contentType: "image/png"},
		{scenario: "a private photo is 404", path: "/media/" + noPhoto.MemberID + ".png", status: 404, contentType: "application/json"},
		{scenario: "an unknown photo is 404", path: "/media/nobody.png", status: 404, contentType: "application/json"},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			a := h.get(tc.path, nil)
			if a.status != tc.status || a.header.Get("Content-Type") != tc.contentType {
				t.Fatalf("got %d %q, want %d %q", a.status, a.header.Get("Content-Type"), tc.status, tc.contentType)
			}
			if !strings.Contains(string(a.body), tc.contains) {
				t.Errorf("answer lacks %q", tc.contains)
			}
		})
	}
	t.Run("photos are deterministic, 200x200 and differ per member", func(t *testing.T) {
		other := DemoApps(DemoOptions{})[0].Instances[0].Records[1]
		a1, a2 := drawPNG(t, matched.MemberID), drawPNG(t, matched.MemberID)
		b := drawPNG(t, other.MemberID)
		if !bytes.Equal(a1, a2) || bytes.Equal(a1, b) {
			t.Fatal("want equal images for one member and different ones for two")
		}
		img, err := png.Decode(bytes.NewReader(a1))
		if err != nil || img.Bounds().Dx() != portraitSize || img.Bounds().Dy() != portraitSize {
			t.Fatalf("decode: %v %v", err, img)
		}
		served := h.get("/media/"+matched.MemberID+".png", nil)
		if !bytes.Equal(served.body, a1) || served.status != http.StatusOK {
			t.Fatal("served photo differs from the drawn one")
		}
	})
}

func drawPNG(t *testing.T, id string) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, drawPortrait(id)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
