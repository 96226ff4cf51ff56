package sandbox

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzPlatformInput sends arbitrary keys, query values and bodies to the
// platform endpoints and requires a well-formed JSON error or success:
// never a panic, never a 500.
func FuzzPlatformInput(f *testing.F) {
	for _, seed := range []string{
		"developerApplication=urn%3Ali%3AdeveloperApplication%3A1&member=urn%3Ali%3Aperson%3Ax",
		"(developerApplication:urn%3Ali%3AdeveloperApplication%3A1,member:urn%3Ali%3Aperson%3Ax)",
		"urn:li:crmInstance:(DYNAMICS,demo.crm.dynamics.com)", "urn:li:crmInstance:(,)", "(", "%", "=&=",
		`{"contract":"urn:li:salesContract:1001","startAt":1,"endAt":2}`, `{"exportStartAt":-1}`, "9223372036854775807",
	} {
		f.Add(seed)
	}
	sb := New(Config{Apps: DemoApps(DemoOptions{ClientSecret: testSecret, RedirectURI: testRedirect})})
	member := sb.issue(accessTokens, prefixAccessToken, grant{clientID: DemoClientID, memberID: DemoMembers()[0].ID,
		scopes: AllScopes(), expires: sb.now().Add(DefaultMemberTokenLifetime)})
	app := sb.issue(accessTokens, prefixAppToken, grant{clientID: DemoClientID, scopes: AllScopes(),
		expires: sb.now().Add(DefaultAppTokenLifetime)})
	f.Fuzz(func(t *testing.T, input string) {
		q := url.QueryEscape(input)
		for _, c := range []struct{ method, target, token string }{
			{http.MethodDelete, "/rest/memberComplianceAuthorizations/" + input, member},
			{http.MethodGet, "/rest/complianceEvents?q=memberAndApplication&startTime=" + q + "&count=" + q, member},
			{http.MethodPost, "/v2/crmDataValidationExportJobs?crmInstanceId=" + q, app},
			{http.MethodGet, "/v2/crmDataValidationExportJobs/" + q + "?crmInstanceId=" + q, app},
			{http.MethodPost, "/v2/salesAnalyticsExportJobs?action=exportActivityData", member},
			{http.MethodGet, "/v2/salesAnalyticsExportJobs/" + q + "?contract=" + q, member},
		} {
			u, err := url.ParseRequestURI(c.target)
			if err != nil || strings.ContainsAny(c.target, " \t\r\n") {
				continue // net/http would refuse this request line before us
			}
			req := &http.Request{Method: c.method, URL: u, Header: http.Header{}, Host: "127.0.0.1",
				Body: io.NopCloser(strings.NewReader(input))}
			req = req.WithContext(t.Context())
			req.Header.Set("Authorization", "Bearer "+c.token)
			req.Header.Set("X-Restli-Protocol-Version", "2.0.0")
			req.Header.Set("LinkedIn-Version", "202310")
			rec := httptest.NewRecorder()
			sb.ServeHTTP(rec, req)
			if rec.Code >= 500 {
				t.Fatalf("%s %s answered %d: %s", c.method, c.target, rec.Code, rec.Body)
			}
			if rec.Body.Len() > 0 && !json.Valid(rec.Body.Bytes()) {
				t.Fatalf("%s %s answered non-JSON: %s", c.method, c.target, rec.Body)
			}
		}
	})
}
