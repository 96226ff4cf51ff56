package sandbox

import "net/http"

// salesAccessToken is one element of the Sales Access Tokens answer.
type salesAccessToken struct {
	Token      string `json:"token"`
	ExpiryTime int64  `json:"expiryTime"` // epoch seconds
}

type paging struct {
	Count int   `json:"count"`
	Start int   `json:"start"`
	Links []any `json:"links"`
}

// serveSalesAccessTokens is GET /v2/salesAccessTokens?q=viewerAndDeveloperApp:
// a short-lived token for the Display Services iframe, issued to the
// member and application behind a 3-legged token with r_sales_nav_display.
func (s *Sandbox) serveSalesAccessTokens(w http.ResponseWriter, r *http.Request) {
	s.count("salesAccessTokens")
	if !allow(w, r, http.MethodGet) || s.injectAPIFault(w, r) {
		return
	}
	g, ok := s.bearer(w, r, ScopeDisplay)
	if !ok {
		return
	}
	if q := r.URL.Query().Get("q"); q != "viewerAndDeveloperApp" {
		writeAPIError(w, apiError{Status: http.StatusBadRequest,
			Message: "Query parameter q must be viewerAndDeveloperApp"})
		return
	}
	if g.memberID == "" {
		writeAPIError(w, apiError{Status: http.StatusForbidden, ServiceErrorCode: codeForbidden,
			Message: "Sales Access Tokens need a member's token, not an application token"})
		return
	}
	expires := s.now().Add(s.cfg.SATLifetime)
	sat := s.issue(salesTokens, prefixSAT, grant{clientID: g.clientID, memberID: g.memberID, expires: expires})
	writeJSON(w, http.StatusOK, map[string]any{
		"elements": []salesAccessToken{{Token: sat, ExpiryTime: expires.Unix()}},
		"paging":   paging{Count: 1, Start: 0, Links: []any{}},
	})
}
