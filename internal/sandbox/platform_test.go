package sandbox

import (
	"encoding/csv"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Test timing: a fake clock drives every job, so the values only need to
// be distinct.
const (
	testEnqueued   = 50 * time.Millisecond
	testProcessing = 200 * time.Millisecond
	testCadence    = time.Minute
)

// Demo sellers by role on DemoContracts.
var (
	avery  = DemoMembers()[0].ID // reporting on 1001, plain seat on 2002 (and reporting on 3003 in tests)
	jordan = DemoMembers()[1].ID // plain seat on 1001
	tomas  = DemoMembers()[3].ID // plain seat on 2002 only
)

// testContract is a third contract on which Avery also reports, so a job
// can be asked for under the wrong contract by someone allowed to.
const testContract = int64(3003)

// newPlatformHarness is a harness with short job timing and a third
// contract.
func newPlatformHarness(t *testing.T) *harness {
	t.Helper()
	return newHarnessWith(t, func(c *Config) {
		c.JobTiming = JobTiming{Enqueued: testEnqueued, Processing: testProcessing}
		c.ComplianceCadence = testCadence
		c.Contracts = append(DemoContracts(), Contract{ID: testContract, Name: "Northwind Labs",
			Seats: []Seat{{MemberID: avery, Reporting: true}}})
	})
}

// memberTokenFor runs the code flow as the member and returns the
// access token.
func (h *harness) memberTokenFor(clientID, scope, memberID string) string {
	h.t.Helper()
	form := url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {testRedirect},
		"state": {"st-1"}, "scope": {scope}, "member": {memberID}, "decision": {"allow"}}
	a := h.postForm("/oauth/v2/authorization", form)
	loc, err := url.Parse(a.header.Get("Location"))
	if a.status != http.StatusFound || err != nil {
		h.t.Fatalf("consent as %s: %d %s", memberID, a.status, a.body)
	}
	a = h.postForm("/oauth/v2/accessToken", url.Values{"grant_type": {"authorization_code"},
		"code": {loc.Query().Get("code")}, "redirect_uri": {testRedirect}, "client_id": {clientID},
		"client_secret": {testSecret}})
	if a.status != http.StatusOK {
		h.t.Fatalf("exchange code as %s: %d %s", memberID, a.status, a.body)
	}
	return a.json(h.t)["access_token"].(string)
}

// call sends a platform request the way LinkedIn's client would: bearer
// token, Rest.li 2.0 header and, for /rest paths, LinkedIn-Version.
// extra headers override (an empty value removes one).
func (h *harness) call(method, path, token, body string, extra map[string]string) answer {
	h.t.Helper()
	var reader io.Reader
	if body != "" {
		reader = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, h.srv.URL+path, reader)
	if err != nil {
		h.t.Fatalf("new request %s: %v", path, err)
	}
	req.Header.Set("X-Restli-Protocol-Version", "2.0.0")
	if strings.HasPrefix(path, "/rest/") {
		req.Header.Set("LinkedIn-Version", "202310")
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range extra {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	return h.do(req)
}

// fetchCSV downloads an export link and parses it.
func (h *harness) fetchCSV(link string) (answer, [][]string) {
	h.t.Helper()
	u, err := url.Parse(link)
	if err != nil || u.Host != strings.TrimPrefix(h.srv.URL, "http://") {
		h.t.Fatalf("download link %q is not on the stand-in's origin %s", link, h.srv.URL)
	}
	a := h.get(u.RequestURI(), nil)
	if a.status != http.StatusOK {
		return a, nil
	}
	rows, err := csv.NewReader(strings.NewReader(string(a.body))).ReadAll()
	if err != nil {
		h.t.Fatalf("download is not CSV: %v: %s", err, a.body)
	}
	return a, rows
}

// wantError checks an error answer's status, LinkedIn body and message.
func wantError(t *testing.T, a answer, status int, message string) {
	t.Helper()
	if a.status != status {
		t.Fatalf("status %d, want %d: %s", a.status, status, a.body)
	}
	m := a.json(t)
	if m["status"] != float64(status) || !strings.Contains(m["message"].(string), message) {
		t.Fatalf("body %s, want status %d and a message containing %q", a.body, status, message)
	}
}

func ms(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }
