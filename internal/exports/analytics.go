package exports

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/store"
	"github.com/snapbridge/snapbridge/internal/tenant"
	"github.com/snapbridge/snapbridge/internal/tokens"
)

// actions maps the API's export names to LinkedIn's actions.
var actions = map[string]string{
	"seat":             linkedin.ExportSeatData,
	"activity":         linkedin.ExportActivityData,
	"activity_outcome": linkedin.ExportActivityOutcomeData,
}

// ActionName returns the API name (seat, activity, activity_outcome) of a
// LinkedIn export action; unknown actions are returned as they are.
func ActionName(action string) string {
	for name, a := range actions {
		if a == action {
			return name
		}
	}
	return action
}

// AnalyticsRequest asks for a Sales Analytics export.
type AnalyticsRequest struct {
	// Contract is the salesContract URN. Required.
	Contract string `json:"contract"`
	// Action is seat, activity or activity_outcome. Required.
	Action string `json:"action"`
	// StartAt and EndAt bound the data, RFC 3339 or epoch milliseconds;
	// at most 90 days apart. Required.
	StartAt json.RawMessage `json:"startAt"`
	EndAt   json.RawMessage `json:"endAt"`
	// AllowDuplicate creates the export even when one of the same
	// contract, action and range is waiting or running (a *DuplicateError
	// otherwise). Default: false.
	AllowDuplicate bool `json:"allowDuplicate,omitempty"`
}

// parse validates the request and returns LinkedIn's action and
// the parsed range.
func (r AnalyticsRequest) parse() (action string, start, end time.Time, err error) {
	if r.Contract == "" {
		return "", start, end, &FieldError{Field: "contract", Message: "is required (a urn:li:salesContract:… from GET /api/v1/contracts)"}
	}
	action, ok := actions[r.Action]
	if !ok {
		return "", start, end, &FieldError{Field: "action", Message: fmt.Sprintf("must be seat, activity or activity_outcome, not %q", r.Action)}
	}
	if start, err = parseInstant("startAt", r.StartAt); err != nil {
		return "", start, end, err
	}
	if end, err = parseInstant("endAt", r.EndAt); err != nil {
		return "", start, end, err
	}
	if !end.After(start) {
		return "", start, end, &FieldError{Field: "endAt", Message: "must be after startAt"}
	}
	if d := end.Sub(start); d > MaxRange {
		return "", start, end, &FieldError{Field: "endAt", Message: fmt.Sprintf(
			"the range from startAt to endAt is %.0f days; LinkedIn exports at most 90 days per job", d.Hours()/24)}
	}
	return action, start, end, nil
}

// CreateAnalytics validates and stores an analytics export for the viewer
// (whose LinkedIn authorization runs it) on behalf of actor, and sends it
// to LinkedIn unless a job of the same contract and action is running
// there, in which case it waits in our queue and says so. The range is at
// most 90 days (a *FieldError otherwise); the contract must be one of the
// viewer's with reporting access (ErrContractForbidden otherwise). An
// export identical to one of the tenant's waiting or running jobs is a
// *DuplicateError unless req.AllowDuplicate.
func (s *Service) CreateAnalytics(ctx context.Context, t *tenant.Tenant, viewer, actor string, req AnalyticsRequest) (store.AnalyticsExport, error) {
	action, start, end, err := req.parse()
	if err != nil {
		return store.AnalyticsExport{}, err
	}
	contracts, err := s.Contracts(ctx, t, viewer)
	if err != nil {
		return store.AnalyticsExport{}, err
	}
	allowed := false
	for _, c := range contracts {
		if c.URN == req.Contract {
			allowed = c.HasReportingAccess
		}
	}
	if !allowed {
		return store.AnalyticsExport{}, fmt.Errorf("export %s for %s/%s: %w", req.Contract, t.ID, viewer, ErrContractForbidden)
	}
	if !req.AllowDuplicate {
		if err := s.refuseDuplicate(ctx, t.ID, req.Contract, action, start, end); err != nil {
			return store.AnalyticsExport{}, err
		}
	}
	now := s.cfg.Now()
	j, err := s.db.InsertAnalyticsExport(ctx, store.AnalyticsExport{
		Tenant: t.ID, Viewer: viewer, Actor: actor, Contract: req.Contract, Action: action,
		StartAt: start, EndAt: end, Status: store.JobWaiting, Message: "waiting to be sent to LinkedIn",
		NextPollAt: now, CreatedAt: now,
	})
	if err != nil {
		return store.AnalyticsExport{}, fmt.Errorf("create analytics export: %w", err)
	}
	if err := s.advance(ctx, t.ID, req.Contract, action); err != nil {
		s.cfg.Logger.WarnContext(ctx, "submit analytics export", "tenant", t.ID, "job", j.ID, "err", err.Error())
	}
	s.nudge(ctx)
	return s.Analytics(ctx, t.ID, j.ID)
}

// Analytics returns the tenant's job, or ErrNotFound.
func (s *Service) Analytics(ctx context.Context, tenantID string, id int64) (store.AnalyticsExport, error) {
	j, err := s.db.AnalyticsExportByID(ctx, tenantID, id)
	if errors.Is(err, store.ErrNotFound) {
		return j, fmt.Errorf("analytics export %d of %s: %w", id, tenantID, ErrNotFound)
	}
	return j, err
}

// AnalyticsList returns the tenant's newest jobs first (at most 100).
func (s *Service) AnalyticsList(ctx context.Context, tenantID string) ([]store.AnalyticsExport, error) {
	return s.db.AnalyticsExports(ctx, tenantID, 100)
}

// urlMargin is how long a download link must stay valid to be handed out:
// the browser follows it right away, but not instantly.
const urlMargin = time.Minute

// DownloadURL returns a download link of a completed job, asking LinkedIn
// for a fresh one when the stored link expires within a minute (LinkedIn's
// links live one hour). A job without a download gives ErrNotReady.
func (s *Service) DownloadURL(ctx context.Context, t *tenant.Tenant, id int64) (string, error) {
	j, err := s.Analytics(ctx, t.ID, id)
	if err != nil {
		return "", err
	}
	if j.Status != store.JobCompleted {
		return "", fmt.Errorf("download export %d: status %s: %w", id, j.Status, ErrNotReady)
	}
	now := s.cfg.Now()
	if j.DownloadURL != "" && now.Add(urlMargin).Before(j.URLExpiresAt) {
		return j.DownloadURL, nil
	}
	token, err := s.members.AccessTokenWithScope(ctx, t, j.Viewer, linkedin.ScopeAnalytics)
	if err != nil {
		return "", fmt.Errorf("refresh download of export %d: %w", id, err)
	}
	lj, err := s.li.AnalyticsExport(ctx, token, j.LinkedInID, j.Contract)
	if err != nil {
		return "", fmt.Errorf("refresh download of export %d: %w", id, refusedScope(err, linkedin.ScopeAnalytics))
	}
	if lj.DownloadURL == "" {
		return "", fmt.Errorf("refresh download of export %d: LinkedIn gave no link (status %s): %w", id, lj.Status, ErrNotReady)
	}
	j.DownloadURL, j.URLExpiresAt, j.UpdatedAt = lj.DownloadURL, expiry(lj.ExpireAt, now), now
	if err := s.db.UpdateAnalyticsExport(ctx, j); err != nil {
		return "", fmt.Errorf("refresh download of export %d: %w", id, err)
	}
	return j.DownloadURL, nil
}

// expiry is LinkedIn's expireAt, or one hour from now when it gave none.
func expiry(at, now time.Time) time.Time {
	if at.IsZero() {
		return now.Add(time.Hour)
	}
	return at
}

// advance sends the oldest waiting job of this tenant, contract and action
// to LinkedIn if none is running there, and tells the others they wait.
// It does so under the lease export-submit:<tenant>:<contract>:<action>,
// so two instances never both find "nothing running"; when another
// instance holds that lease, advance leaves the queue to it.
func (s *Service) advance(ctx context.Context, tenantID, contract, action string) error {
	s.submit.Lock()
	defer s.submit.Unlock()
	name := submitLease(tenantID, contract, action)
	held, err := s.leases.Acquire(ctx, name, s.cfg.Now())
	if err != nil || !held {
		return err
	}
	defer s.release(context.WithoutCancel(ctx), name, 0)
	waiting, err := s.db.AnalyticsExportsWithStatus(ctx, store.JobWaiting)
	if err != nil {
		return err
	}
	var queue []store.AnalyticsExport
	for _, j := range waiting {
		if j.Tenant == tenantID && j.Contract == contract && j.Action == action {
			queue = append(queue, j)
		}
	}
	if len(queue) == 0 {
		return nil
	}
	running, err := s.db.AnalyticsExportRunning(ctx, tenantID, contract, action)
	if err != nil {
		return err
	}
	now := s.cfg.Now()
	if !running && !queue[0].NextPollAt.After(now) {
		var ran store.AnalyticsExport
		if ran, err = s.send(ctx, queue[0]); err != nil {
			return err
		}
		running = ran.Status == store.JobRunning
		queue = queue[1:]
	}
	if !running {
		return nil
	}
	for _, j := range queue {
		msg := "waiting: LinkedIn runs one export per contract and action at a time; this one is sent when the earlier one finishes"
		if j.Message != msg {
			j.Message, j.UpdatedAt = msg, now
			if err := s.db.UpdateAnalyticsExport(ctx, j); err != nil {
				return err
			}
		}
	}
	return nil
}

// send submits a waiting job to LinkedIn and stores the outcome: running,
// failed for good (LinkedIn refused it), or still waiting with a retry
// time (LinkedIn unavailable, or the viewer must reconnect).
func (s *Service) send(ctx context.Context, j store.AnalyticsExport) (store.AnalyticsExport, error) {
	now := s.cfg.Now()
	j.UpdatedAt = now
	t, ok := s.tenants.Get(j.Tenant)
	if !ok {
		s.finish(&j, store.JobFailed, "", "the tenant no longer exists", now)
		return j, s.db.UpdateAnalyticsExport(ctx, j)
	}
	token, err := s.members.AccessTokenWithScope(ctx, t, j.Viewer, linkedin.ScopeAnalytics)
	var lj linkedin.AnalyticsJob
	if err == nil {
		lj, err = s.li.CreateAnalyticsExport(ctx, token, j.Action, j.Contract, j.StartAt, j.EndAt)
	}
	switch {
	case err == nil:
		j.Status, j.LinkedInID, j.LinkedInStatus = store.JobRunning, lj.ID, lj.Status
		j.Message = "sent to LinkedIn; " + linkedInWords(lj.Status)
		j.SubmittedAt, j.Polls, j.NextPollAt = now, 0, now.Add(s.cfg.FirstPoll)
	case errors.Is(err, tokens.ErrNotConnected) || errors.Is(err, tokens.ErrScopeMissing):
		j.Message = "waiting for " + j.Viewer + " to reconnect LinkedIn (with analytics access) before it can be sent"
		j.Polls++
		j.NextPollAt = now.Add(s.cfg.MaxPoll)
	case permanent(err):
		s.finish(&j, store.JobFailed, "", "LinkedIn refused the export: "+linkedInMessage(err), now)
	default:
		j.Message = "waiting: LinkedIn could not take the export yet (" + linkedInMessage(err) + "); retrying"
		j.Polls++
		j.NextPollAt = now.Add(s.backoff(j.Polls))
	}
	if uerr := s.db.UpdateAnalyticsExport(ctx, j); uerr != nil {
		return j, fmt.Errorf("send analytics export %d: %w", j.ID, uerr)
	}
	return j, nil
}

// pollAnalytics asks LinkedIn about a running job and stores what it says.
// It reports whether the job ended.
func (s *Service) pollAnalytics(ctx context.Context, j store.AnalyticsExport) (bool, error) {
	now := s.cfg.Now()
	j.UpdatedAt = now
	t, ok := s.tenants.Get(j.Tenant)
	if !ok {
		s.finish(&j, store.JobFailed, j.LinkedInStatus, "the tenant no longer exists", now)
		return true, s.db.UpdateAnalyticsExport(ctx, j)
	}
	token, err := s.members.AccessTokenWithScope(ctx, t, j.Viewer, linkedin.ScopeAnalytics)
	var lj linkedin.AnalyticsJob
	if err == nil {
		lj, err = s.li.AnalyticsExport(ctx, token, j.LinkedInID, j.Contract)
	}
	switch {
	case err == nil && lj.Done():
		if lj.Status == "COMPLETED" {
			s.finish(&j, store.JobCompleted, lj.Status, fmt.Sprintf("completed: %d rows", lj.RowCount), now)
			j.RowCount, j.DownloadURL, j.URLExpiresAt = lj.RowCount, lj.DownloadURL, expiry(lj.ExpireAt, now)
		} else {
			s.finish(&j, store.JobFailed, lj.Status, linkedInWords(lj.Status), now)
		}
	case err == nil:
		if lj.Status != j.LinkedInStatus {
			j.Polls = 0
		} else {
			j.Polls++
		}
		j.LinkedInStatus, j.Message = lj.Status, linkedInWords(lj.Status)
		j.NextPollAt = now.Add(s.backoff(j.Polls))
	case errors.Is(err, tokens.ErrNotConnected) || errors.Is(err, tokens.ErrScopeMissing):
		j.Message = "LinkedIn is running it; following it needs " + j.Viewer + " to reconnect LinkedIn"
		j.Polls++
		j.NextPollAt = now.Add(s.cfg.MaxPoll)
	case linkedin.IsNotFound(err):
		s.finish(&j, store.JobFailed, j.LinkedInStatus, "LinkedIn no longer knows this job", now)
	default:
		j.Message = "LinkedIn did not answer about the job (" + linkedInMessage(err) + "); retrying"
		j.Polls++
		j.NextPollAt = now.Add(s.backoff(j.Polls))
	}
	if err := s.db.UpdateAnalyticsExport(ctx, j); err != nil {
		return false, fmt.Errorf("poll analytics export %d: %w", j.ID, err)
	}
	return j.Status != store.JobRunning, nil
}

func (s *Service) finish(j *store.AnalyticsExport, status, liStatus, message string, now time.Time) {
	j.Status, j.Message, j.FinishedAt, j.NextPollAt = status, message, now, time.Time{}
	if liStatus != "" {
		j.LinkedInStatus = liStatus
	}
}

// linkedInWords says what a LinkedIn job status means.
func linkedInWords(status string) string {
	switch status {
	case "ENQUEUED":
		return "queued at LinkedIn"
	case "PROCESSING":
		return "LinkedIn is preparing the file"
	case "COMPLETED":
		return "completed"
	case "FAILED_DUE_TO_EXCEEDED_FILE_SIZE_ERROR":
		return "LinkedIn failed: the file would be too large; export a shorter range"
	case "FAILED_DUE_TO_TIMED_OUT":
		return "LinkedIn failed: the job timed out; try again"
	case "FAILED_DUE_TO_DATA_DELAY":
		return "LinkedIn failed: the data is not ready yet; try again later"
	case "FAILED_DUE_TO_INTERNAL_ERROR":
		return "LinkedIn failed with an internal error; try again"
	default:
		return "LinkedIn status " + status
	}
}

// linkedInMessage is a short, token-free account of a LinkedIn failure.
func linkedInMessage(err error) string {
	e, ok := linkedin.AsError(err)
	switch {
	case !ok:
		return "unexpected error"
	case e.Status == 0:
		return "LinkedIn unreachable"
	case e.Message != "":
		return fmt.Sprintf("%d: %s", e.Status, e.Message)
	default:
		return fmt.Sprintf("status %d", e.Status)
	}
}
