package exports

import (
	"fmt"
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
		period(j.StartAt, j.EndAt))
}

// ValidationDownloadDetail is the audit-log detail of the download of file
// n of a CRM data validation export. It never carries the link.
func ValidationDownloadDetail(j store.ValidationExport, n int) string {
	return fmt.Sprintf("CRM data validation export %d, file %d of %d, %s", j.ID, n, len(j.DownloadURLs),
		period(j.ExportStartAt, j.ExportEndAt))
}

func period(from, to time.Time) string {
	f, t := "the start", "now"
	if !from.IsZero() {
		f = from.UTC().Format(time.RFC3339)
	}
	if !to.IsZero() {
		t = to.UTC().Format(time.RFC3339)
	}
	return "from " + f + " to " + t
}
