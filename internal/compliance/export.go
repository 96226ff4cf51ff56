package compliance

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/snapbridge/snapbridge/internal/store"
)

// Archive export formats.
const (
	FormatJSONL = "jsonl"
	FormatCSV   = "csv"
)

// ExportQuery selects archived events for an export.
type ExportQuery struct {
	// Tenant is required; Viewer "" exports every viewer of the tenant.
	Tenant, Viewer string
	// From (inclusive) and To (exclusive) bound processedAt; zero means
	// unbounded.
	From, To time.Time
	// Format is FormatJSONL (default) or FormatCSV.
	Format string
}

// ParseExportQuery reads an export's parameters as the admin API gets
// them: from and to as RFC 3339, a date (2026-01-31, midnight UTC) or
// epoch milliseconds; format jsonl (default) or csv. Bad values give a
// *FieldError naming the parameter.
func ParseExportQuery(tenantID, viewer, from, to, format string) (ExportQuery, error) {
	q := ExportQuery{Tenant: tenantID, Viewer: viewer, Format: format}
	var err error
	if q.From, err = parseParam("from", from); err != nil {
		return q, err
	}
	if q.To, err = parseParam("to", to); err != nil {
		return q, err
	}
	if !q.From.IsZero() && !q.To.IsZero() && !q.From.Before(q.To) {
		return q, &FieldError{Field: "to", Message: "must be after from"}
	}
	switch q.Format {
	case "":
		q.Format = FormatJSONL
	case FormatJSONL, FormatCSV:
	default:
		return q, &FieldError{Field: "format", Message: fmt.Sprintf("must be jsonl or csv, not %q", format)}
	}
	return q, nil
}

func parseParam(field, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if ms, err := strconv.ParseInt(v, 10, 64); err == nil && ms > 0 {
		return time.UnixMilli(ms).UTC(), nil
	}
	for _, layout := range []string{time.RFC3339, time.DateOnly} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, &FieldError{Field: field, Message: "must be RFC 3339 (2026-01-31T00:00:00Z), a date (2026-01-31) or epoch milliseconds"}
}

// ContentType returns the media type of an export format.
func ContentType(format string) string {
	if format == FormatCSV {
		return "text/csv; charset=utf-8"
	}
	return "application/x-ndjson"
}

// archivedEvent is one JSON Lines record: the event as LinkedIn sent it,
// with whose archive it is in and when it was processed and archived.
type archivedEvent struct {
	Tenant      string          `json:"tenant"`
	Viewer      string          `json:"viewer"`
	ID          string          `json:"id"`
	ProcessedAt time.Time       `json:"processedAt"`
	ArchivedAt  time.Time       `json:"archivedAt"`
	Event       json.RawMessage `json:"event"`
}

// eventSummary is what the CSV lifts out of the raw event.
type eventSummary struct {
	ResourceName string `json:"resourceName"`
	Method       string `json:"method"`
	Actor        string `json:"actor"`
}

// Export writes the selected events to w in processedAt order, as it
// reads them: the archive is never held in memory.
func (s *Service) Export(ctx context.Context, w io.Writer, q ExportQuery) error {
	bw := bufio.NewWriterSize(w, 32<<10)
	var cw *csv.Writer
	if q.Format == FormatCSV {
		cw = csv.NewWriter(bw)
		if err := cw.Write([]string{"tenant", "viewer", "id", "processedAt", "resourceName", "method", "actor", "archivedAt", "event"}); err != nil {
			return fmt.Errorf("export compliance archive: %w", err)
		}
	}
	enc := json.NewEncoder(bw)
	err := s.db.EachComplianceEvent(ctx, store.ComplianceEventQuery{Tenant: q.Tenant, Viewer: q.Viewer, From: q.From, To: q.To},
		func(e store.ComplianceEventRow) error {
			if cw == nil {
				return enc.Encode(archivedEvent{Tenant: e.Tenant, Viewer: e.Viewer, ID: e.ID,
					ProcessedAt: e.ProcessedAt, ArchivedAt: e.ArchivedAt, Event: json.RawMessage(e.Raw)})
			}
			var sum eventSummary
			_ = json.Unmarshal(e.Raw, &sum) // the raw event is exported whatever its shape
			return cw.Write([]string{e.Tenant, e.Viewer, e.ID, e.ProcessedAt.Format(time.RFC3339Nano),
				sum.ResourceName, sum.Method, sum.Actor, e.ArchivedAt.Format(time.RFC3339Nano), string(e.Raw)})
		})
	if cw != nil {
		cw.Flush()
		if err == nil {
			err = cw.Error()
		}
	}
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	if err != nil {
		return fmt.Errorf("export compliance archive of %s: %w", q.Tenant, err)
	}
	return nil
}

// errFound stops the walk of HasEvents at the first event.
var errFound = errors.New("compliance: an event was found")

// HasEvents reports whether the archive holds at least one event that
// Export would write for q, so an empty range can be said instead of
// sent as an empty file.
func (s *Service) HasEvents(ctx context.Context, q ExportQuery) (bool, error) {
	err := s.db.EachComplianceEvent(ctx, store.ComplianceEventQuery{Tenant: q.Tenant, Viewer: q.Viewer, From: q.From, To: q.To},
		func(store.ComplianceEventRow) error { return errFound })
	switch {
	case errors.Is(err, errFound):
		return true, nil
	case err != nil:
		return false, fmt.Errorf("look into the compliance archive of %s: %w", q.Tenant, err)
	}
	return false, nil
}
