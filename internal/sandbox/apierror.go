package sandbox

import (
	"encoding/json"
	"net/http"
)

// apiError is LinkedIn's API error body.
type apiError struct {
	Message          string `json:"message"`
	Status           int    `json:"status"`
	ServiceErrorCode int    `json:"serviceErrorCode"`
}

// LinkedIn's serviceErrorCodes the stand-in sends.
const (
	codeForbidden       = 100
	codeInvalidToken    = 65600
	codeExpiredToken    = 65602
	codeEmptyToken      = 65604
	codeCRMSyncDisabled = 40001
	codeCRMSyncUnknown  = 40002
)

func writeAPIError(w http.ResponseWriter, e apiError) {
	writeJSON(w, e.Status, e)
}

// oauthError is the token endpoint's error body.
type oauthError struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

func writeOAuthError(w http.ResponseWriter, status int, code, description string) {
	writeJSON(w, status, oauthError{Error: code, ErrorDescription: description})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Only our own plain structs are written; this cannot happen, but
		// the client still deserves a well-formed answer.
		status, b = http.StatusInternalServerError, []byte(`{"message":"encoding failed","status":500,"serviceErrorCode":0}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
