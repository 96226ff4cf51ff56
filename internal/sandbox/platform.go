package sandbox

import (
	"net/http"
	"regexp"
	"time"
)

// platformState is what the platform endpoints remember: export jobs,
// compliance authorizations and download links. The Sandbox lock guards
// it.
type platformState struct {
	lastJobID   int64
	analytics   map[int64]*analyticsJob
	queueEnds   map[queueKey]time.Time // when the last job of a queue ends
	validations map[int64]*validationJob
	compliance  map[complianceKey][]period
	downloads   map[string]download
}

func newPlatformState() platformState {
	return platformState{
		// LinkedIn's job ids are large; starting here makes an id that
		// went through a float64 or int32 on the client visibly wrong.
		lastJobID:   9_007_199_254_000_000,
		analytics:   map[int64]*analyticsJob{},
		queueEnds:   map[queueKey]time.Time{},
		validations: map[int64]*validationJob{},
		compliance:  map[complianceKey][]period{},
		downloads:   map[string]download{},
	}
}

// nextJobID returns a new job id; the caller holds the lock.
func (p *platformState) nextJobID() int64 {
	p.lastJobID += 7 // not consecutive, so a client cannot rely on +1
	return p.lastJobID
}

// platformCall does what every v2 platform endpoint shares: method,
// faults, the bearer token and its scope, and the Rest.li protocol header.
// It reports false once it has answered.
func (s *Sandbox) platformCall(w http.ResponseWriter, r *http.Request, scope string, methods ...string) (grant, bool) {
	if !allow(w, r, methods...) || s.injectAPIFault(w, r) {
		return grant{}, false
	}
	g, ok := s.bearer(w, r, scope)
	if !ok {
		return grant{}, false
	}
	if r.Header.Get("X-Restli-Protocol-Version") != "2.0.0" {
		writeAPIError(w, apiError{Status: http.StatusBadRequest,
			Message: "This resource needs the header X-Restli-Protocol-Version: 2.0.0"})
		return grant{}, false
	}
	return g, true
}

// MinLinkedInVersion is the oldest LinkedIn-Version the versioned (/rest)
// endpoints accept, the one the compliance documentation names.
const MinLinkedInVersion = "202310"

// linkedInVersion is a LinkedIn-Version value: YYYYMM, optionally .RR.
var linkedInVersion = regexp.MustCompile(`^(\d{6})(\.\d{2})?$`)

// versionedCall is platformCall for the versioned API under /rest, which
// also needs a LinkedIn-Version header naming an active version.
func (s *Sandbox) versionedCall(w http.ResponseWriter, r *http.Request, scope string, methods ...string) (grant, bool) {
	if !allow(w, r, methods...) || s.injectAPIFault(w, r) {
		return grant{}, false
	}
	version := r.Header.Get("LinkedIn-Version")
	m := linkedInVersion.FindStringSubmatch(version)
	switch {
	case version == "":
		writeAPIError(w, apiError{Status: http.StatusBadRequest,
			Message: "A version must be present. Please specify a version by adding the LinkedIn-Version header."})
		return grant{}, false
	case m == nil || m[1] < MinLinkedInVersion:
		writeAPIError(w, apiError{Status: http.StatusUpgradeRequired,
			Message: "Requested version " + version + " is not active (use " + MinLinkedInVersion + " or later)"})
		return grant{}, false
	}
	g, ok := s.bearer(w, r, scope)
	if !ok {
		return grant{}, false
	}
	if r.Header.Get("X-Restli-Protocol-Version") != "2.0.0" {
		writeAPIError(w, apiError{Status: http.StatusBadRequest,
			Message: "This resource needs the header X-Restli-Protocol-Version: 2.0.0"})
		return grant{}, false
	}
	return g, true
}

// needMember answers 403 when g is an application token: the endpoint
// acts for a member.
func needMember(w http.ResponseWriter, g grant, what string) bool {
	if g.memberID != "" {
		return true
	}
	writeAPIError(w, apiError{Status: http.StatusForbidden, ServiceErrorCode: codeForbidden,
		Message: what + " needs a member's token (3-legged OAuth), not an application token"})
	return false
}

// millis turns epoch milliseconds into a time.
func millis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }
