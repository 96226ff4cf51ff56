package compliance

import (
	"context"
	"fmt"
	"time"

	"github.com/snapbridge/snapbridge/internal/store"
)

// ViewerReport is what an admin sees of one viewer's archive.
type ViewerReport struct {
	// Viewer is the CRM user id.
	Viewer string `json:"viewer"`
	// Member is the viewer's LinkedIn person URN.
	Member string `json:"member,omitempty"`
	// Status is opted_in, opted_out or revoked.
	Status string `json:"status"`
	// OptedInAt and RegulatedAt (when LinkedIn started capturing).
	OptedInAt   *time.Time `json:"optedInAt,omitempty"`
	RegulatedAt *time.Time `json:"regulatedAt,omitempty"`
	// LastSync is the last successful archive run; LastAttempt the last
	// run; LastError why it failed ("" after a success).
	LastSync    *time.Time `json:"lastSync,omitempty"`
	LastAttempt *time.Time `json:"lastAttempt,omitempty"`
	LastError   string     `json:"lastError,omitempty"`
	// LastCheck is when the authorization was last re-checked at LinkedIn.
	LastCheck *time.Time `json:"lastCheck,omitempty"`
	// ArchivedThrough is the processedAt of the newest archived event.
	ArchivedThrough *time.Time `json:"archivedThrough,omitempty"`
	// EventsArchived counts the viewer's archived events.
	EventsArchived int64 `json:"eventsArchived"`
	// Gap is set when the archive may be missing events.
	Gap *Gap `json:"gap,omitempty"`
}

// Gap says why and since when a viewer's archive may be incomplete.
type Gap struct {
	Reason string    `json:"reason"`
	Since  time.Time `json:"since"`
}

// Viewers reports every viewer of the tenant who ever opted in.
func (s *Service) Viewers(ctx context.Context, tenantID string) ([]ViewerReport, error) {
	vs, err := s.db.ComplianceViewers(ctx, tenantID)
	if err != nil {
		return nil, fmt.Errorf("compliance viewers of %s: %w", tenantID, err)
	}
	out := make([]ViewerReport, 0, len(vs))
	for _, v := range vs {
		out = append(out, s.report(v))
	}
	return out, nil
}

// Runs returns the viewer's newest archive runs first.
func (s *Service) Runs(ctx context.Context, tenantID, viewer string, limit int) ([]store.ComplianceRun, error) {
	return s.db.ComplianceRuns(ctx, tenantID, viewer, limit)
}

func (s *Service) report(v store.ComplianceViewer) ViewerReport {
	return ViewerReport{
		Viewer: v.Viewer, Member: v.Member, Status: v.Status,
		OptedInAt: timePtr(v.OptedInAt), RegulatedAt: timePtr(v.RegulatedAt),
		LastSync: timePtr(v.LastSyncAt), LastAttempt: timePtr(v.LastAttemptAt), LastError: v.LastError,
		LastCheck: timePtr(v.LastCheckAt), ArchivedThrough: timePtr(v.Cursor), EventsArchived: v.Events,
		Gap: s.gapOf(v, s.cfg.Now()),
	}
}

// gapOf says whether the archive may be missing events: the authorization
// was revoked at LinkedIn (nothing is captured since), or no run has
// succeeded for longer than GapAfter (events may leave LinkedIn's 28-day
// window before they are fetched). Opted-out viewers have no gap: the
// stop was asked for.
func (s *Service) gapOf(v store.ComplianceViewer, now time.Time) *Gap {
	switch v.Status {
	case store.ComplianceRevoked:
		return &Gap{Reason: "LinkedIn no longer lists this viewer's compliance authorization (revoked or expired at LinkedIn); nothing is archived until they opt in again", Since: v.StatusChangedAt}
	case store.ComplianceOptedIn:
		last := v.LastSyncAt
		if last.IsZero() {
			last = v.OptedInAt
		}
		if now.Sub(last) <= s.cfg.GapAfter {
			return nil
		}
		reason := fmt.Sprintf("no successful archive run for %s (expected every %s)", now.Sub(last).Round(time.Second), s.cfg.SyncInterval)
		if v.LastError != "" {
			reason += ": " + v.LastError
		}
		return &Gap{Reason: reason, Since: last}
	default:
		return nil
	}
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
