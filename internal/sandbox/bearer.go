package sandbox

import (
	"net/http"
	"slices"
	"strings"
)

// bearer authenticates an API call's access token and checks its scope.
// It reports false once it has answered 401 or 403.
func (s *Sandbox) bearer(w http.ResponseWriter, r *http.Request, scope string) (grant, bool) {
	auth := r.Header.Get("Authorization")
	token, isBearer := strings.CutPrefix(auth, "Bearer ")
	token = strings.TrimSpace(token)
	if !isBearer || token == "" {
		writeAPIError(w, apiError{Status: http.StatusUnauthorized, ServiceErrorCode: codeEmptyToken,
			Message: "Empty oauth2 access token"})
		return grant{}, false
	}
	g, known := s.lookup(accessTokens, token)
	switch {
	case !known:
		writeAPIError(w, apiError{Status: http.StatusUnauthorized, ServiceErrorCode: codeInvalidToken,
			Message: "Invalid access token"})
		return grant{}, false
	case !g.live(s.now()) || s.Faults().ExpireTokens:
		writeAPIError(w, apiError{Status: http.StatusUnauthorized, ServiceErrorCode: codeExpiredToken,
			Message: "The token used in the request has expired"})
		return grant{}, false
	case !slices.Contains(g.scopes, scope):
		writeAPIError(w, apiError{Status: http.StatusForbidden, ServiceErrorCode: codeForbidden,
			Message: "Not enough permissions to access: " + r.Method + " " + r.URL.Path + " (needs " + scope + ")"})
		return grant{}, false
	}
	return g, true
}
