package admin

import (
	"net/http"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/snapbridge/snapbridge/internal/linkedin"
)

// CRM Sync states shown by Health.
const (
	CRMSyncEnabled  = "enabled"
	CRMSyncDisabled = "disabled"
	CRMSyncUnknown  = "unknown"
)

// maxErrorMessage bounds the LinkedIn message kept with the last error.
const maxErrorMessage = 200

// ErrorCounts are a tenant's LinkedIn failures by kind since the server
// started, and the latest one.
type ErrorCounts struct {
	Unauthorized int        `json:"401"`
	Forbidden    int        `json:"403"`
	Throttled    int        `json:"429"`
	ServerErrors int        `json:"5xx"`
	Last         *LastError `json:"last,omitempty"`
}

// LastError is the most recent counted LinkedIn failure.
type LastError struct {
	At      time.Time `json:"at"`
	Kind    string    `json:"kind"`
	Message string    `json:"message"`
}

// ErrorStats counts LinkedIn failures per tenant for the health page and
// remembers what LinkedIn last said about CRM Sync. It is in memory (per
// instance, reset at restart) unless shared (Share), and safe for
// concurrent use.
type ErrorStats struct {
	now    func() time.Time
	shared StatsSharing

	mu      sync.Mutex
	counts  map[string]*ErrorCounts
	crmSync map[string]string
}

// NewErrorStats returns empty statistics; now nil means time.Now.
func NewErrorStats(now func() time.Time) *ErrorStats {
	if now == nil {
		now = time.Now
	}
	return &ErrorStats{now: now, counts: map[string]*ErrorCounts{}, crmSync: map[string]string{}}
}

// Record counts err against the tenant when it is a LinkedIn failure of a
// kind admins watch (401, 403, 429, 5xx or unreachable); CRM Sync answers
// (400 with 40001/40002) update the CRM Sync state instead. Other errors
// are ignored, so callers may pass any error.
func (s *ErrorStats) Record(tenantID string, err error) {
	e, ok := linkedin.AsError(err)
	if !ok || tenantID == "" {
		return
	}
	if e.Status == http.StatusBadRequest {
		switch e.ServiceErrorCode {
		case linkedin.CodeCRMSyncDisabled:
			s.ObserveCRMSync(tenantID, CRMSyncDisabled)
		case linkedin.CodeCRMSyncUnknown:
			s.ObserveCRMSync(tenantID, CRMSyncUnknown)
		}
	}
	kind := errorKind(e.Status)
	if kind == "" {
		return
	}
	msg := e.Message
	if e.Status == 0 {
		msg = "LinkedIn could not be reached"
	}
	if len(msg) > maxErrorMessage {
		msg = msg[:maxErrorMessage]
		for !utf8.ValidString(msg) {
			msg = msg[:len(msg)-1]
		}
	}
	last := LastError{At: s.now(), Kind: kind, Message: msg}
	s.recordShared(tenantID, kind, last)
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.counts[tenantID]
	if c == nil {
		c = &ErrorCounts{}
		s.counts[tenantID] = c
	}
	switch kind {
	case "401":
		c.Unauthorized++
	case "403":
		c.Forbidden++
	case "429":
		c.Throttled++
	default:
		c.ServerErrors++
	}
	c.Last = &last
}

// errorKind buckets a status; "" for statuses admins need not watch.
func errorKind(status int) string {
	switch {
	case status == http.StatusUnauthorized:
		return "401"
	case status == http.StatusForbidden:
		return "403"
	case status == http.StatusTooManyRequests:
		return "429"
	case status == 0 || status >= 500:
		return "5xx"
	}
	return ""
}

// ObserveCRMSync remembers the tenant's CRM Sync state as LinkedIn last
// showed it.
func (s *ErrorStats) ObserveCRMSync(tenantID, state string) {
	s.mu.Lock()
	s.crmSync[tenantID] = state
	s.mu.Unlock()
	s.observeShared(tenantID, state)
}

// Counts returns a copy of the tenant's counters.
func (s *ErrorStats) Counts(tenantID string) ErrorCounts {
	if c, ok := s.sharedCounts(tenantID); ok {
		return c
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.counts[tenantID]
	if c == nil {
		return ErrorCounts{}
	}
	out := *c
	if c.Last != nil {
		last := *c.Last
		out.Last = &last
	}
	return out
}

// CRMSync returns the tenant's last seen CRM Sync state, CRMSyncUnknown
// until LinkedIn said.
func (s *ErrorStats) CRMSync(tenantID string) string {
	if v, ok := s.sharedCRMSync(tenantID); ok {
		return v
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, ok := s.crmSync[tenantID]; ok {
		return v
	}
	return CRMSyncUnknown
}

// RecordLinkedInError counts a LinkedIn failure that reached an HTTP
// answer (Sales Access Tokens, exports) for the tenant's health page.
func (s *Service) RecordLinkedInError(tenantID string, err error) { s.Errors.Record(tenantID, err) }
