package admin

import (
	"context"
	"encoding/json"
	"time"

	"github.com/snapbridge/snapbridge/internal/shared"
)

// SharedStatsFor is how long shared LinkedIn error counts run before they
// start again from zero.
const SharedStatsFor = 30 * 24 * time.Hour

// StatsSharing keeps health figures for every instance; shared.State
// satisfies it.
type StatsSharing interface {
	shared.Cache
	shared.Counters
}

// errorKinds are the kinds ErrorCounts counts.
var errorKinds = []string{"401", "403", "429", "5xx"}

// Share makes s count across the instances sharing sh, so the health page
// shows the cluster's figures (over the last SharedStatsFor), and returns
// s. Call it before s counts; without it the figures are this instance's
// since it started.
func (s *ErrorStats) Share(sh StatsSharing) *ErrorStats {
	s.shared = sh
	return s
}

func statsKey(tenantID, what string) string { return "health:" + tenantID + ":" + what }

// recordShared adds one failure of kind to the shared counts.
func (s *ErrorStats) recordShared(tenantID, kind string, last LastError) {
	if s.shared == nil {
		return
	}
	ctx := context.Background()
	_, _ = s.shared.Add(ctx, statsKey(tenantID, kind), 1, SharedStatsFor)
	if raw, err := json.Marshal(last); err == nil {
		_ = s.shared.Set(ctx, statsKey(tenantID, "last"), raw, SharedStatsFor)
	}
}

// sharedCounts reads the tenant's counts across instances.
func (s *ErrorStats) sharedCounts(tenantID string) (ErrorCounts, bool) {
	if s.shared == nil {
		return ErrorCounts{}, false
	}
	ctx := context.Background()
	var c ErrorCounts
	for _, kind := range errorKinds {
		n, err := s.shared.Add(ctx, statsKey(tenantID, kind), 0, SharedStatsFor)
		if err != nil {
			return ErrorCounts{}, false
		}
		switch kind {
		case "401":
			c.Unauthorized = int(n)
		case "403":
			c.Forbidden = int(n)
		case "429":
			c.Throttled = int(n)
		default:
			c.ServerErrors = int(n)
		}
	}
	if raw, ok, err := s.shared.Get(ctx, statsKey(tenantID, "last")); err == nil && ok {
		var last LastError
		if json.Unmarshal(raw, &last) == nil {
			c.Last = &last
		}
	}
	return c, true
}

// observeShared remembers the CRM Sync state for every instance.
func (s *ErrorStats) observeShared(tenantID, state string) {
	if s.shared != nil {
		_ = s.shared.Set(context.Background(), statsKey(tenantID, "crmsync"), []byte(state), SharedStatsFor)
	}
}

// sharedCRMSync reads the CRM Sync state any instance saw last.
func (s *ErrorStats) sharedCRMSync(tenantID string) (string, bool) {
	if s.shared == nil {
		return "", false
	}
	raw, ok, err := s.shared.Get(context.Background(), statsKey(tenantID, "crmsync"))
	if err != nil || !ok {
		return "", false
	}
	return string(raw), true
}
