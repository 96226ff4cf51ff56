package admin

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/linkedin"
)

// LinkedIn failures are counted by the kinds an admin watches; other
// answers are not failures of the connection.
func TestErrorStats(t *testing.T) {
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		scenario string
		err      error
		want     string // counts as "401/403/429/5xx", last kind
		crmSync  string
	}{
		{"expired token", &linkedin.Error{Status: 401, Message: "Invalid access token"}, "1/0/0/0 401", CRMSyncUnknown},
		{"missing scope, wrapped", fmt.Errorf("sat: %w", &linkedin.Error{Status: 403, Message: "Not enough permissions"}), "0/1/0/0 403", CRMSyncUnknown},
		{"throttled", &linkedin.Error{Status: 429, Message: "Too many requests"}, "0/0/1/0 429", CRMSyncUnknown},
		{"server error", &linkedin.Error{Status: 503, Message: "unavailable"}, "0/0/0/1 5xx", CRMSyncUnknown},
		{"unreachable", &linkedin.Error{Err: errors.New("dial tcp: refused")}, "0/0/0/1 5xx", CRMSyncUnknown},
		{"no match is not a failure", &linkedin.Error{Status: 404, Message: "match unavailable"}, "0/0/0/0 -", CRMSyncUnknown},
		{"CRM Sync off", &linkedin.Error{Status: 400, ServiceErrorCode: linkedin.CodeCRMSyncDisabled}, "0/0/0/0 -", CRMSyncDisabled},
		{"not a LinkedIn error", errors.New("database is locked"), "0/0/0/0 -", CRMSyncUnknown},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			s := NewErrorStats(func() time.Time { return at })
			s.Record("acme", tc.err)
			c := s.Counts("acme")
			last := "-"
			if c.Last != nil {
				last = c.Last.Kind
				if !c.Last.At.Equal(at) {
					t.Errorf("last at %v", c.Last.At)
				}
			}
			if got := fmt.Sprintf("%d/%d/%d/%d %s", c.Unauthorized, c.Forbidden, c.Throttled, c.ServerErrors, last); got != tc.want {
				t.Errorf("counts = %s, want %s", got, tc.want)
			}
			if got := s.CRMSync("acme"); got != tc.crmSync {
				t.Errorf("crmSync = %s, want %s", got, tc.crmSync)
			}
			if other := s.Counts("other"); other.Last != nil {
				t.Error("another tenant was counted")
			}
		})
	}
}
