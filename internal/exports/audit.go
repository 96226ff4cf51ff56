package exports

import (
	"fmt"
	"strconv"
	"time"

	"github.com/snapbridge/snapbridge/internal/store"
)

// Audit actions of export downloads: every way an export's file is handed
// out (the admin API's redirect, the console's link) records one of these
// before the file's link leaves.
const (
	// AuditAnalyticsDownload is the download of an analytics export.
	AuditAnalyticsDownload = "export.download"
	// AuditValidationDownload is the download of one file of a CRM data
	// validation export.
	AuditValidationDownload = "validation_export.download"
)

// AnalyticsDownloadDetail is the audit-log detail of an analytics export
// download: the job, the viewer whose authorization ran it, what and which
// range. It never carries the link.
func AnalyticsDownloadDetail(j store.AnalyticsExport) string {
	return fmt.Sprintf("analytics export %d of viewer %s: %s of %s, %s", j.ID, j.Viewer, ActionName(j.Action), j.Contract,
		Period(j.StartAt, j.EndAt))
}

// ValidationDownloadDetail is the audit-log detail of the download of file
// n of a CRM data validation export. It never carries the link.
func ValidationDownloadDetail(j store.ValidationExport, n int) string {
	return fmt.Sprintf("CRM data validation export %d, file %d of %d, %s", j.ID, n, len(j.DownloadURLs),
		Period(j.ExportStartAt, j.ExportEndAt))
}

// Period names a range in audit details: "from … to …", an open end as
// "the start" or "now".
func Period(from, to time.Time) string {
	f, t := "the start", "now"
	if !from.IsZero() {
		f = from.UTC().Format(time.RFC3339)
	}
	if !to.IsZero() {
		t = to.UTC().Format(time.RFC3339)
	}
	return "from " + f + " to " + t
}

// FileNumber reads the file=<n> query values of a validation export
// download: default 1; given twice or not a number is a FieldError naming
// "file". Whether the export has file n is the service's to say.
func FileNumber(values []string) (int, error) {
	switch {
	case len(values) == 0:
		return 1, nil
	case len(values) > 1:
		return 0, &FieldError{Field: "file", Message: "give one file number"}
	}
	n, err := strconv.Atoi(values[0])
	if err != nil {
		return 0, &FieldError{Field: "file", Message: "must be a number from 1"}
	}
	return n, nil
}
