package store

// ComplianceEventPage is how many events one page of EachComplianceEvent
// reads: it bounds how long a query holds a database connection while the
// caller streams the events to a slow client. The default is 500.
const ComplianceEventPage = 500

// ComplianceEventPager reads the next page of the events matching q, at
// most ComplianceEventPage of them, ordered by processedAt, viewer and id:
// those processed after afterAt (Unix milliseconds), or at afterAt with a
// viewer and id after afterViewer and afterID, and before to.
type ComplianceEventPager func(q ComplianceEventQuery, afterAt int64, afterViewer, afterID string, to int64) ([]ComplianceEventRow, error)

// WalkComplianceEvents checks q, then calls fn for every event matching q,
// page by page as page reads them (keyset pagination), so no page query
// is open while fn runs. An error from page or fn stops the walk and is
// returned. Both engines' EachComplianceEvent are this walk over their own
// page query.
func WalkComplianceEvents(q ComplianceEventQuery, page ComplianceEventPager, fn func(ComplianceEventRow) error) error {
	if err := q.Check(); err != nil {
		return err
	}
	to := int64(1<<62 - 1)
	if !q.To.IsZero() {
		to = q.To.UnixMilli()
	}
	afterAt, afterViewer, afterID := int64(-1), "", ""
	if !q.From.IsZero() {
		afterAt = q.From.UnixMilli() - 1
	}
	for {
		rows, err := page(q, afterAt, afterViewer, afterID, to)
		if err != nil {
			return err
		}
		for _, e := range rows {
			if err := fn(e); err != nil {
				return err
			}
		}
		if len(rows) < ComplianceEventPage {
			return nil
		}
		last := rows[len(rows)-1]
		afterAt, afterViewer, afterID = last.ProcessedAt.UnixMilli(), last.Viewer, last.ID
	}
}
