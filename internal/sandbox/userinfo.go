package sandbox

import (
	"net/http"
	"slices"
)

// serveUserInfo is GET /v2/userinfo, Sign In with LinkedIn using OpenID
// Connect: who holds a member token with the openid scope. The name and
// photo are in the answer only when the token also has the profile scope,
// as on LinkedIn; the photo is the member's generated portrait.
func (s *Sandbox) serveUserInfo(w http.ResponseWriter, r *http.Request) {
	s.count("userinfo")
	if !allow(w, r, http.MethodGet) || s.injectAPIFault(w, r) {
		return
	}
	g, ok := s.bearer(w, r, ScopeOpenID)
	if !ok {
		return
	}
	p, known := s.cat().members[g.memberID]
	if g.memberID == "" || !known {
		writeAPIError(w, apiError{Status: http.StatusForbidden, ServiceErrorCode: codeForbidden,
			Message: "userinfo needs a member's token, not an application token"})
		return
	}
	info := map[string]any{"sub": p.ID}
	if slices.Contains(g.scopes, ScopeProfile) {
		info["name"], info["given_name"], info["family_name"] = p.Name, p.FirstName, p.LastName
		info["locale"] = map[string]string{"country": "US", "language": "en"}
		if p.Photo {
			info["picture"] = s.baseURL(r) + "/media/" + p.ID + ".png"
		}
	}
	writeJSON(w, http.StatusOK, info)
}
