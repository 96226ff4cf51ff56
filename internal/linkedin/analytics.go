package linkedin

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/snapbridge/snapbridge/internal/restli"
)

// Sales Analytics export actions: what a job exports.
const (
	ExportSeatData            = "exportSeatData"
	ExportActivityData        = "exportActivityData"
	ExportActivityOutcomeData = "exportActivityOutcomeData"
)

// MaxExportRange is the longest period one analytics export may cover.
const MaxExportRange = 90 * 24 * time.Hour

// Statuses of export jobs. Failed jobs have a status starting with
// StatusFailedPrefix, e.g. FAILED_DUE_TO_TIMED_OUT.
const (
	StatusEnqueued     = "ENQUEUED"
	StatusProcessing   = "PROCESSING"
	StatusCompleted    = "COMPLETED"
	StatusFailedPrefix = "FAILED_"
)

// AnalyticsJob is a Sales Analytics export job as LinkedIn last described
// it.
type AnalyticsJob struct {
	// ID is LinkedIn's job id.
	ID int64
	// Status is ENQUEUED, PROCESSING, COMPLETED or FAILED_DUE_TO_….
	Status string
	// DownloadURL serves the CSV once COMPLETED, until ExpireAt; asking
	// for the job again gives a fresh one. Empty before.
	DownloadURL string
	// ExpireAt is when DownloadURL stops working; zero before COMPLETED.
	ExpireAt time.Time
	// RowCount is the number of rows in the CSV; 0 before COMPLETED.
	RowCount int64
}

// Done reports whether the job will not change any more: COMPLETED or
// failed.
func (j AnalyticsJob) Done() bool { return jobDone(j.Status) }

// jobDone is true for COMPLETED and every FAILED_… status.
func jobDone(status string) bool {
	return status == StatusCompleted || strings.HasPrefix(status, StatusFailedPrefix)
}

// analyticsJobAnswer is one job as LinkedIn writes it.
type analyticsJobAnswer struct {
	ID          int64  `json:"id"`
	Status      string `json:"status"`
	DownloadURL string `json:"downloadUrl"`
	ExpireAt    int64  `json:"expireAt"`
	RowCount    int64  `json:"rowCount"`
}

// job checks a and converts it; want is the id asked about, 0 when
// creating.
func (a analyticsJobAnswer) job(status int, want int64) (AnalyticsJob, error) {
	if a.ID == 0 {
		a.ID = want
	}
	switch {
	case a.ID <= 0:
		return AnalyticsJob{}, malformed(status, "job without id")
	case want != 0 && a.ID != want:
		return AnalyticsJob{}, malformed(status, fmt.Sprintf("asked about job %d, got job %d", want, a.ID))
	case a.Status == "":
		return AnalyticsJob{}, malformed(status, "job without status")
	case a.Status == StatusCompleted && a.DownloadURL == "":
		return AnalyticsJob{}, malformed(status, "completed job without downloadUrl")
	}
	return AnalyticsJob{
		ID:          a.ID,
		Status:      a.Status,
		DownloadURL: a.DownloadURL,
		ExpireAt:    expiryMillis(a.ExpireAt),
		RowCount:    a.RowCount,
	}, nil
}

// analyticsRequest is the body of the create call.
type analyticsRequest struct {
	Contract string `json:"contract"`
	StartAt  int64  `json:"startAt"`
	EndAt    int64  `json:"endAt"`
}

// validExportAction is true for the three actions LinkedIn knows.
func validExportAction(action string) bool {
	switch action {
	case ExportSeatData, ExportActivityData, ExportActivityOutcomeData:
		return true
	}
	return false
}

// CreateAnalyticsExport asks LinkedIn to export action's data of contract
// between start and end, for the member whose token (scope
// r_sales_nav_analytics, reporting access on contract) is memberToken. An
// unknown action, a contract that is not a salesContract URN, end not after
// start or more than 90 days between them are refused (ErrBadRequest)
// without calling LinkedIn. Never retried: a repeated POST would start a
// second job.
func (c *Client) CreateAnalyticsExport(ctx context.Context, memberToken, action, contract string, start, end time.Time) (AnalyticsJob, error) {
	if err := checkAnalyticsExport(memberToken, action, contract, start, end); err != nil {
		return AnalyticsJob{}, fmt.Errorf("create analytics export: %w", err)
	}
	var ans struct {
		Value analyticsJobAnswer `json:"value"`
	}
	status, err := c.sendJSON(ctx, request{
		method: http.MethodPost,
		url:    c.cfg.APIBase + "/salesAnalyticsExportJobs?action=" + action,
		bearer: memberToken,
		body:   analyticsRequest{Contract: contract, StartAt: start.UnixMilli(), EndAt: end.UnixMilli()},
	}, &ans)
	if err != nil {
		return AnalyticsJob{}, fmt.Errorf("create analytics export: %w", err)
	}
	j, err := ans.Value.job(status, 0)
	if err != nil {
		return AnalyticsJob{}, fmt.Errorf("create analytics export: %w", err)
	}
	return j, nil
}

// checkAnalyticsExport refuses what LinkedIn would answer with 400.
func checkAnalyticsExport(memberToken, action, contract string, start, end time.Time) error {
	if err := needToken(memberToken, "member token"); err != nil {
		return err
	}
	if !validExportAction(action) {
		return badRequest("action %q is not %s, %s or %s", action, ExportSeatData, ExportActivityData, ExportActivityOutcomeData)
	}
	if err := checkContract(contract); err != nil {
		return err
	}
	if start.IsZero() || end.IsZero() {
		return badRequest("start and end are both required")
	}
	// Compared in milliseconds, the unit LinkedIn checks.
	s, e := start.UnixMilli(), end.UnixMilli()
	switch {
	case e <= s:
		return badRequest("end %s is not after start %s", end.UTC().Format(time.RFC3339), start.UTC().Format(time.RFC3339))
	case e-s > MaxExportRange.Milliseconds():
		return badRequest("%s to %s is more than 90 days", start.UTC().Format(time.RFC3339), end.UTC().Format(time.RFC3339))
	}
	return nil
}

// checkContract refuses anything but a salesContract URN.
func checkContract(contract string) error {
	if !strings.HasPrefix(contract, contractPrefix) || len(contract) == len(contractPrefix) {
		return badRequest("contract %q is not urn:li:salesContract:<id>", contract)
	}
	return nil
}

// AnalyticsExport asks LinkedIn how the export job id of contract is
// doing. Once COMPLETED every call returns a fresh DownloadURL valid for
// an hour. An unknown id or another contract's job is a 404 *Error
// (IsNotFound). Retried on 5xx and timeouts; never on 429.
func (c *Client) AnalyticsExport(ctx context.Context, memberToken string, id int64, contract string) (AnalyticsJob, error) {
	if err := needToken(memberToken, "member token"); err != nil {
		return AnalyticsJob{}, fmt.Errorf("analytics export %d: %w", id, err)
	}
	if id <= 0 {
		return AnalyticsJob{}, fmt.Errorf("analytics export %d: %w", id, badRequest("job id must be positive"))
	}
	if err := checkContract(contract); err != nil {
		return AnalyticsJob{}, fmt.Errorf("analytics export %d: %w", id, err)
	}
	u := c.cfg.APIBase + "/salesAnalyticsExportJobs/" + strconv.FormatInt(id, 10) + "?contract=" + restli.Encode(contract)
	var ans analyticsJobAnswer
	status, err := c.getJSON(ctx, u, memberToken, &ans)
	if err != nil {
		return AnalyticsJob{}, fmt.Errorf("analytics export %d: %w", id, err)
	}
	j, err := ans.job(status, id)
	if err != nil {
		return AnalyticsJob{}, fmt.Errorf("analytics export %d: %w", id, err)
	}
	return j, nil
}
