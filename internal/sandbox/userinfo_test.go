package sandbox

import (
	"net/http"
	"testing"
)

func TestUserInfoNamesTheMemberWhoSignedIn(t *testing.T) {
	h := newHarness(t)
	seller := DemoMembers()[0]
	withProfile, _ := h.memberToken(DemoClientID, ScopeDisplay+" "+ScopeOpenID+" "+ScopeProfile)
	openIDOnly, _ := h.memberToken(DemoClientID, ScopeDisplay+" "+ScopeOpenID)
	displayOnly, _ := h.memberToken(DemoClientID, ScopeDisplay)
	tests := []struct {
		scenario string
		token    string
		status   int
		want     map[string]any // fields that must be there
		lacks    []string       // fields that must not
	}{
		{scenario: "openid and profile give the name and the photo", token: withProfile, status: http.StatusOK,
			want: map[string]any{"sub": seller.ID, "name": seller.Name, "given_name": "Avery", "family_name": "Collins",
				"picture": h.srv.URL + "/media/" + seller.ID + ".png"}},
		{scenario: "openid alone names only the subject", token: openIDOnly, status: http.StatusOK,
			want: map[string]any{"sub": seller.ID}, lacks: []string{"name", "picture"}},
		{scenario: "a token without openid is refused", token: displayOnly, status: http.StatusForbidden},
		{scenario: "no token is refused", token: "", status: http.StatusUnauthorized},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			a := h.api("/v2/userinfo", tc.token)
			if a.status != tc.status {
				t.Fatalf("status %d, want %d: %s", a.status, tc.status, a.body)
			}
			if tc.status != http.StatusOK {
				return
			}
			got := a.json(t)
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("%s = %v, want %v", k, got[k], v)
				}
			}
			for _, k := range tc.lacks {
				if _, ok := got[k]; ok {
					t.Errorf("%s is in the answer: %v", k, got[k])
				}
			}
		})
	}
}
