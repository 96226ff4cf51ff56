package linkedin

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/snapbridge/snapbridge/internal/restli"
)

// crmInstancePrefix starts every CRM instance URN.
const crmInstancePrefix = "urn:li:crmInstance:("

// CRMInstanceURN is the URN LinkedIn uses for a CRM instance,
// urn:li:crmInstance:(<crmType>,<instanceID>), e.g.
// urn:li:crmInstance:(DYNAMICS,contoso.crm.dynamics.com). It is not
// encoded; the calls that take it encode it.
func CRMInstanceURN(crmType, instanceID string) string {
	return crmInstancePrefix + crmType + "," + instanceID + ")"
}

// checkCRMInstance refuses anything but a CRM instance URN with both parts.
func checkCRMInstance(urn string) error {
	inner, ok := strings.CutPrefix(urn, crmInstancePrefix)
	inner, closed := strings.CutSuffix(inner, ")")
	typ, id, comma := strings.Cut(inner, ",")
	if !ok || !closed || !comma || typ == "" || id == "" {
		return badRequest("CRM instance %q is not urn:li:crmInstance:(<type>,<id>)", urn)
	}
	return nil
}

// ValidationJob is a CRM Data Validation export job as LinkedIn last
// described it.
type ValidationJob struct {
	// ID is LinkedIn's job id.
	ID int64
	// Status is PROCESSING, COMPLETED or FAILED_DUE_TO_INTERNAL_ERROR.
	Status string
	// ExportStartAt is where the export starts, as asked.
	ExportStartAt time.Time
	// ExportEndAt is where it ends; zero until LinkedIn says.
	ExportEndAt time.Time
	// NextExportStartAt is where the next export should start (this one's
	// end); zero until LinkedIn says.
	NextExportStartAt time.Time
	// ExpireAt is when DownloadURLs stop working; zero before COMPLETED.
	ExpireAt time.Time
	// DownloadURLs serve the CSV files once COMPLETED; nil before, and
	// possibly empty when nothing changed in the period.
	DownloadURLs []string
}

// Done reports whether the job will not change any more: COMPLETED or
// failed.
func (j ValidationJob) Done() bool { return jobDone(j.Status) }

// validationAnswer is one job as LinkedIn writes it.
type validationAnswer struct {
	JobID             int64    `json:"jobId"`
	ExportStartAt     int64    `json:"exportStartAt"`
	ExportEndAt       int64    `json:"exportEndAt"`
	Status            string   `json:"status"`
	DownloadURLs      []string `json:"downloadUrls"`
	NextExportStartAt int64    `json:"nextExportStartAt"`
	ExpireAt          int64    `json:"expireAt"`
}

// validationRequest is the body of the create call.
type validationRequest struct {
	ExportStartAt int64 `json:"exportStartAt"`
}

// CreateValidationExport asks LinkedIn to export, for the CRM instance
// crmInstanceURN (see CRMInstanceURN), the CRM data validation records
// since exportStartAt, with an application token (scope
// r_sales_nav_validation). It returns LinkedIn's job id, sent in the
// X-RestLi-Id header of the 201 or, failing that, as jobId in its body. An unknown instance is a 400 *Error.
// Never retried: a repeated POST would start a second job.
func (c *Client) CreateValidationExport(ctx context.Context, appToken, crmInstanceURN string, exportStartAt time.Time) (int64, error) {
	if err := needToken(appToken, "application token"); err != nil {
		return 0, fmt.Errorf("create validation export: %w", err)
	}
	if err := checkCRMInstance(crmInstanceURN); err != nil {
		return 0, fmt.Errorf("create validation export: %w", err)
	}
	if exportStartAt.IsZero() {
		return 0, fmt.Errorf("create validation export: %w", badRequest("exportStartAt is required"))
	}
	rep, err := c.send(ctx, request{
		method: http.MethodPost,
		url:    c.cfg.APIBase + "/crmDataValidationExportJobs?crmInstanceId=" + restli.Encode(crmInstanceURN),
		bearer: appToken,
		body:   validationRequest{ExportStartAt: exportStartAt.UnixMilli()},
	})
	if err != nil {
		return 0, fmt.Errorf("create validation export: %w", err)
	}
	id, err := createdJobID(rep)
	if err != nil {
		return 0, fmt.Errorf("create validation export: %w", err)
	}
	return id, nil
}

// createdJobID is the job id of a 201: the X-RestLi-Id header, or else the
// jobId of the body (the contract declares both). When both carry an id
// they must agree; when neither carries a positive one the answer is
// malformed.
func createdJobID(rep reply) (int64, error) {
	raw := strings.TrimSpace(rep.header.Get("X-RestLi-Id"))
	header, herr := strconv.ParseInt(raw, 10, 64)
	if herr != nil || header <= 0 {
		header = 0
	}
	body, bodyWhy := bodyJobID(rep.body)
	switch {
	case header > 0 && body > 0 && header != body:
		return 0, malformed(rep.status, fmt.Sprintf("X-RestLi-Id %d and the body's jobId %d differ", header, body))
	case header > 0:
		return header, nil
	case body > 0:
		return body, nil
	}
	return 0, malformed(rep.status, fmt.Sprintf("X-RestLi-Id %q is not a job id and %s", raw, bodyWhy))
}

// bodyJobID is the positive jobId of a create answer's JSON body, or 0 and
// why there is none.
func bodyJobID(b []byte) (int64, string) {
	if len(bytes.TrimSpace(b)) == 0 {
		return 0, "the body is empty"
	}
	var ans struct {
		JobID json.RawMessage `json:"jobId"`
	}
	if err := json.Unmarshal(b, &ans); err != nil {
		return 0, "the body is not JSON"
	}
	if len(ans.JobID) == 0 || string(ans.JobID) == "null" {
		return 0, "the body has no jobId"
	}
	id, err := strconv.ParseInt(string(ans.JobID), 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Sprintf("the body's jobId %q is not one", ans.JobID)
	}
	return id, ""
}

// ValidationExport asks LinkedIn how the validation export job id of
// crmInstanceURN is doing, with an application token (scope
// r_sales_nav_validation). Jobs may stay PROCESSING for up to two hours.
// An unknown id is a 404 *Error (IsNotFound). Retried on 5xx and
// timeouts; never on 429.
func (c *Client) ValidationExport(ctx context.Context, appToken, crmInstanceURN string, id int64) (ValidationJob, error) {
	if err := needToken(appToken, "application token"); err != nil {
		return ValidationJob{}, fmt.Errorf("validation export %d: %w", id, err)
	}
	if id <= 0 {
		return ValidationJob{}, fmt.Errorf("validation export %d: %w", id, badRequest("job id must be positive"))
	}
	if err := checkCRMInstance(crmInstanceURN); err != nil {
		return ValidationJob{}, fmt.Errorf("validation export %d: %w", id, err)
	}
	u := c.cfg.APIBase + "/crmDataValidationExportJobs/" + strconv.FormatInt(id, 10) + "?crmInstanceId=" + restli.Encode(crmInstanceURN)
	var ans validationAnswer
	status, err := c.getJSON(ctx, u, appToken, &ans)
	if err != nil {
		return ValidationJob{}, fmt.Errorf("validation export %d: %w", id, err)
	}
	j, err := ans.job(status, id)
	if err != nil {
		return ValidationJob{}, fmt.Errorf("validation export %d: %w", id, err)
	}
	return j, nil
}

// job checks a and converts it; want is the id asked about.
func (a validationAnswer) job(status int, want int64) (ValidationJob, error) {
	if a.JobID == 0 {
		a.JobID = want
	}
	switch {
	case a.JobID != want:
		return ValidationJob{}, malformed(status, fmt.Sprintf("asked about job %d, got job %d", want, a.JobID))
	case a.Status == "":
		return ValidationJob{}, malformed(status, "job without status")
	}
	return ValidationJob{
		ID:                a.JobID,
		Status:            a.Status,
		ExportStartAt:     epochMillis(a.ExportStartAt),
		ExportEndAt:       epochMillis(a.ExportEndAt),
		NextExportStartAt: epochMillis(a.NextExportStartAt),
		ExpireAt:          expiryMillis(a.ExpireAt),
		DownloadURLs:      a.DownloadURLs,
	}, nil
}
