package httpapi

import (
	"github.com/gin-gonic/gin"

	"github.com/snapbridge/snapbridge/internal/exports"
)

// Audit actions of the reads that hand out sellers' data: each names the
// principal, the viewer or job and the range, never a secret or a link.
const (
	auditArchiveDownload    = "compliance.archive_download"
	auditComplianceSync     = "compliance.sync"
	auditExportDownload     = exports.AuditAnalyticsDownload
	auditValidationDownload = exports.AuditValidationDownload
)

// auditRead records a read before its data leaves: if the audit log
// cannot be written the read is refused, so no download goes untraced.
// It reports whether the caller may go on; otherwise the answer is sent.
func (a *API) auditRead(c *gin.Context, tenantID, actor, action, detail string) bool {
	if a.Admin == nil {
		// No audit log, no download: fail closed rather than hand out
		// sellers' data untraced.
		a.fail(c, errNotFound)
		return false
	}
	if err := a.Admin.Record(c.Request.Context(), tenantID, actor, action, detail); err != nil {
		a.fail(c, err)
		return false
	}
	return true
}
