package sandbox

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

// FuzzAssociationKeys sends arbitrary Rest.li keys, single and batch, and
// requires a well-formed JSON answer with a sane status: never a panic.
func FuzzAssociationKeys(f *testing.F) {
	for _, seed := range []string{
		"(instanceId:demo.crm.dynamics.com,partner:MS,recordId:c-001)",
		"(instanceId:inst%3Aone%2C%28x%29,partner:SFDC,recordId:a%2Cb%3A%28c%29%27d%20%25e%2F%C3%A9)",
		"((a:b))", "(a:b,a:c)", "(:)", "(", ")", "(a:%)", "List((a:b),(c:d))", "", "%", "(a:b)(c:d)",
	} {
		f.Add(seed)
	}
	sb := New(Config{Apps: DemoApps(DemoOptions{ClientSecret: testSecret, RedirectURI: testRedirect})})
	token := sb.issue(accessTokens, prefixAppToken, grant{clientID: DemoClientID, scopes: AllScopes(),
		expires: sb.now().Add(DefaultAppTokenLifetime)})
	f.Fuzz(func(t *testing.T, key string) {
		for _, target := range []string{
			"/v2/salesNavigatorProfileAssociations/" + key,
			"/v2/salesNavigatorProfileAssociations?ids=" + key,
			"/v2/salesNavigatorProfileAssociations?ids=List(" + key + ")",
		} {
			u, err := url.ParseRequestURI(target)
			if err != nil {
				continue // net/http would refuse this request line before us
			}
			req := &http.Request{Method: http.MethodGet, URL: u, Header: http.Header{}, Host: "127.0.0.1"}
			req = req.WithContext(t.Context())
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("X-Restli-Protocol-Version", "2.0.0")
			rec := httptest.NewRecorder()
			sb.ServeHTTP(rec, req)
			switch rec.Code {
			case 200, 400, 404:
			default:
				t.Fatalf("%s: status %d", target, rec.Code)
			}
			var body map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || rec.Header().Get("Content-Type") != "application/json" {
				t.Fatalf("%s: answer is not JSON: %v %q", target, err, rec.Body.String())
			}
		}
	})
}
