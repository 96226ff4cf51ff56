package exports

import (
	"context"
	"fmt"
	"time"

	"github.com/snapbridge/snapbridge/internal/store"
)

// DuplicateError refuses an analytics export identical (contract, action
// and range) to Job, which is still waiting or running: the second would
// deliver the same file later. AnalyticsRequest.AllowDuplicate creates it
// anyway.
type DuplicateError struct {
	// Job is the tenant's waiting or running export the request repeats.
	Job store.AnalyticsExport
}

func (e *DuplicateError) Error() string {
	return fmt.Sprintf("export %d, of the same data, contract and range, is already %s; wait for its file, or send \"allowDuplicate\": true to create another",
		e.Job.ID, e.Job.Status)
}

// refuseDuplicate answers a *DuplicateError when one of the tenant's
// newest jobs is waiting or running with this contract, LinkedIn action
// and range. It is a courtesy check, not a constraint: two identical
// requests at the same instant may both pass.
func (s *Service) refuseDuplicate(ctx context.Context, tenantID, contract, action string, start, end time.Time) error {
	jobs, err := s.db.AnalyticsExports(ctx, tenantID, 100)
	if err != nil {
		return fmt.Errorf("look for a duplicate export: %w", err)
	}
	for _, j := range jobs {
		if (j.Status == store.JobWaiting || j.Status == store.JobRunning) &&
			j.Contract == contract && j.Action == action && j.StartAt.Equal(start) && j.EndAt.Equal(end) {
			return &DuplicateError{Job: j}
		}
	}
	return nil
}
