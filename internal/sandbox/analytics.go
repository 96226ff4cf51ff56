package sandbox

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Sales Analytics export actions.
const (
	ActionSeatData            = "exportSeatData"
	ActionActivityData        = "exportActivityData"
	ActionActivityOutcomeData = "exportActivityOutcomeData"
)

// MaxExportRange is the longest startAt..endAt a Sales Analytics export
// may span.
const MaxExportRange = 90 * 24 * time.Hour

// maxJSONBytes bounds JSON request bodies of the platform endpoints.
const maxJSONBytes = 16 << 10

// queueKey names a queue: one job per action per contract runs at a time.
type queueKey struct {
	contract int64
	action   string
}

// analyticsJob is a Sales Analytics export job.
type analyticsJob struct {
	id       int64
	contract int64
	action   string
	timeline
	csv      []byte
	rowCount int
}

// analyticsRequest is the create body.
type analyticsRequest struct {
	Contract string `json:"contract"`
	StartAt  int64  `json:"startAt"`
	EndAt    int64  `json:"endAt"`
}

// analyticsJobView is a job on the wire.
type analyticsJobView struct {
	ID          int64  `json:"id"`
	Status      string `json:"status"`
	DownloadURL string `json:"downloadUrl,omitempty"`
	ExpireAt    int64  `json:"expireAt,omitempty"`
	RowCount    *int   `json:"rowCount,omitempty"`
}

// serveAnalyticsCreate is POST /v2/salesAnalyticsExportJobs?action=…:
// it queues an export of one contract's data between startAt and endAt.
func (s *Sandbox) serveAnalyticsCreate(w http.ResponseWriter, r *http.Request) {
	s.count("analyticsExport.create")
	g, ok := s.platformCall(w, r, ScopeAnalytics, http.MethodPost)
	if !ok || !needMember(w, g, "Sales Analytics exports") {
		return
	}
	action := r.URL.Query().Get("action")
	switch action {
	case ActionSeatData, ActionActivityData, ActionActivityOutcomeData:
	default:
		writeAPIError(w, apiError{Status: http.StatusBadRequest, Message: "Query parameter action must be " +
			ActionSeatData + ", " + ActionActivityData + " or " + ActionActivityOutcomeData})
		return
	}
	var req analyticsRequest
	if fail := readJSON(w, r, &req); fail != nil {
		writeAPIError(w, *fail)
		return
	}
	id, valid := parseContractURN(req.Contract)
	if !valid {
		writeAPIError(w, apiError{Status: http.StatusBadRequest,
			Message: "contract must be a urn:li:salesContract:<number>, not " + strconv.Quote(req.Contract)})
		return
	}
	if fail := checkRange(req.StartAt, req.EndAt); fail != nil {
		writeAPIError(w, *fail)
		return
	}
	c, fail := s.reportingContract(id, g.memberID)
	if fail != nil {
		writeAPIError(w, *fail)
		return
	}
	body, rows := s.analyticsCSV(c, action, millis(req.StartAt), millis(req.EndAt))
	s.mu.Lock()
	job := &analyticsJob{id: s.platform.nextJobID(), contract: id, action: action, csv: body, rowCount: rows}
	job.timeline = s.enqueue(queueKey{id, action})
	s.platform.analytics[job.id] = job
	status := job.status(s.now())
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"value": analyticsJobView{ID: job.id, Status: status}})
}

// enqueue plans a new job behind the last one of its queue: it waits until
// that one ended, then Enqueued, then processes. The caller holds the lock.
func (s *Sandbox) enqueue(k queueKey) timeline {
	now := s.now()
	ready := now
	if end, busy := s.platform.queueEnds[k]; busy && end.After(now) {
		ready = end
	}
	t := timeline{processing: ready.Add(s.cfg.JobTiming.Enqueued), outcome: s.exportOutcome()}
	t.done = t.processing.Add(s.cfg.JobTiming.Processing)
	s.platform.queueEnds[k] = t.done
	return t
}

// checkRange validates an export's startAt..endAt in epoch milliseconds.
func checkRange(startAt, endAt int64) *apiError {
	switch {
	case startAt <= 0 || endAt <= 0:
		return &apiError{Status: http.StatusBadRequest, Message: "startAt and endAt are required, in epoch milliseconds"}
	case endAt <= startAt:
		return &apiError{Status: http.StatusBadRequest, Message: "endAt must be after startAt"}
	case endAt-startAt > MaxExportRange.Milliseconds():
		days := float64(endAt-startAt) / float64(24*time.Hour/time.Millisecond)
		return &apiError{Status: http.StatusBadRequest,
			Message: fmt.Sprintf("The export range may span at most 90 days; startAt to endAt spans %.1f days", days)}
	}
	return nil
}

// reportingContract returns the contract if the member holds a seat with
// reporting access on it, else the 403 LinkedIn answers.
func (s *Sandbox) reportingContract(id int64, memberID string) (*Contract, *apiError) {
	c, known := s.contract(id)
	if !known {
		return nil, &apiError{Status: http.StatusForbidden, ServiceErrorCode: codeForbidden,
			Message: "The member holds no seat on " + ContractURN(id)}
	}
	st, has := c.seat(memberID)
	switch {
	case !has:
		return nil, &apiError{Status: http.StatusForbidden, ServiceErrorCode: codeForbidden,
			Message: "The member holds no seat on " + ContractURN(id)}
	case !st.Reporting:
		return nil, &apiError{Status: http.StatusForbidden, ServiceErrorCode: codeForbidden,
			Message: "The member's seat on " + ContractURN(id) + " has no reporting access"}
	}
	return c, nil
}

// serveAnalyticsGet is GET /v2/salesAnalyticsExportJobs/{id}?contract=…:
// the job's status, and once COMPLETED a fresh download link.
func (s *Sandbox) serveAnalyticsGet(w http.ResponseWriter, r *http.Request) {
	s.count("analyticsExport.get")
	g, ok := s.platformCall(w, r, ScopeAnalytics, http.MethodGet)
	if !ok || !needMember(w, g, "Sales Analytics exports") {
		return
	}
	jobID, err := strconv.ParseInt(strings.TrimPrefix(r.URL.Path, "/v2/salesAnalyticsExportJobs/"), 10, 64)
	if err != nil || jobID <= 0 {
		writeAPIError(w, apiError{Status: http.StatusBadRequest, Message: "The job id must be a positive whole number"})
		return
	}
	urn := r.URL.Query().Get("contract")
	contractID, valid := parseContractURN(urn)
	if !valid {
		writeAPIError(w, apiError{Status: http.StatusBadRequest,
			Message: "Query parameter contract must be a URL-encoded urn:li:salesContract:<number>"})
		return
	}
	if _, fail := s.reportingContract(contractID, g.memberID); fail != nil {
		writeAPIError(w, *fail)
		return
	}
	base := s.baseURL(r)
	s.mu.Lock()
	job, known := s.platform.analytics[jobID]
	if !known || job.contract != contractID {
		s.mu.Unlock()
		writeAPIError(w, apiError{Status: http.StatusNotFound,
			Message: fmt.Sprintf("No export job %d for %s", jobID, urn)})
		return
	}
	view := analyticsJobView{ID: job.id, Status: job.status(s.now())}
	if view.Status == JobCompleted {
		name := fmt.Sprintf("%s-%d-%d.csv", job.action, job.contract, job.id)
		link, expires := s.mintDownload(base, name, job.csv, AnalyticsDownloadLifetime)
		rows := job.rowCount
		view.DownloadURL, view.ExpireAt, view.RowCount = link, expires.UnixMilli(), &rows
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, view)
}

// readJSON decodes a JSON object body into v; unknown fields are
// ignored, as Rest.li does for forward compatibility.
func readJSON(w http.ResponseWriter, r *http.Request, v any) *apiError {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxJSONBytes))
	if err != nil {
		return &apiError{Status: http.StatusBadRequest, Message: "The request body could not be read (at most 16 KiB)"}
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return &apiError{Status: http.StatusBadRequest, Message: "The request body must be a JSON object"}
	}
	if err := json.Unmarshal(body, v); err != nil {
		return &apiError{Status: http.StatusBadRequest, Message: "The request body is not valid JSON for this resource: " + err.Error()}
	}
	return nil
}

// analyticsCSV builds the export file: one row per seat for seat data,
// one row per seat and day for activity and outcome data. Numbers are
// derived from the member and day, so the same export gives the same file.
func (s *Sandbox) analyticsCSV(c *Contract, action string, start, end time.Time) ([]byte, int) {
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	rows := 0
	write := func(rec ...string) {
		_ = cw.Write(rec) // a bytes.Buffer cannot fail
	}
	switch action {
	case ActionSeatData:
		write("contract", "seatId", "member", "firstName", "lastName", "seatRole", "reportingAccess", "activatedAt", "lastActiveAt")
		for i, st := range c.Seats {
			p := s.cat().members[st.MemberID]
			h := hash64("seat", ContractURN(c.ID), st.MemberID)
			activated := start.Add(-time.Duration(30+h%300) * 24 * time.Hour)
			lastActive := end.Add(-time.Duration(h%72) * time.Hour)
			role := "USER"
			if st.Reporting {
				role = "ADMIN"
			}
			write(ContractURN(c.ID), strconv.FormatInt(c.ID*1000+int64(i)+1, 10), "urn:li:person:"+st.MemberID,
				p.FirstName, p.LastName, role, strconv.FormatBool(st.Reporting),
				activated.UTC().Format(time.DateOnly), lastActive.UTC().Format(time.RFC3339))
			rows++
		}
	case ActionActivityData:
		write("date", "member", "firstName", "lastName", "profileViews", "searches", "leadsSaved", "accountsSaved", "inMailsSent", "connectionRequestsSent")
		rows = s.eachSeatDay(c, start, end, func(day string, p person, h uint64) {
			write(day, "urn:li:person:"+p.ID, p.FirstName, p.LastName, n(h, 0, 40), n(h, 1, 25), n(h, 2, 8),
				n(h, 3, 4), n(h, 4, 6), n(h, 5, 10))
		})
	default:
		write("date", "member", "firstName", "lastName", "inMailsSent", "inMailsAccepted", "inMailsReplied", "connectionRequestsAccepted")
		rows = s.eachSeatDay(c, start, end, func(day string, p person, h uint64) {
			sent := int(h%6) + 1
			accepted := int(h>>8) % (sent + 1)
			write(day, "urn:li:person:"+p.ID, p.FirstName, p.LastName, strconv.Itoa(sent), strconv.Itoa(accepted),
				strconv.Itoa(int(h>>16)%(accepted+1)), n(h, 3, 5))
		})
	}
	cw.Flush()
	return buf.Bytes(), rows
}

// eachSeatDay calls row for every seat and UTC day from start up to end
// (never past the stand-in's clock: there is no activity in the future)
// and returns the number of rows.
func (s *Sandbox) eachSeatDay(c *Contract, start, end time.Time, row func(day string, p person, h uint64)) int {
	if now := s.now(); end.After(now) {
		end = now
	}
	rows := 0
	for d := start.UTC().Truncate(24 * time.Hour); d.Before(end); d = d.Add(24 * time.Hour) {
		day := d.Format(time.DateOnly)
		for _, st := range c.Seats {
			p := s.cat().members[st.MemberID]
			p.ID = st.MemberID
			row(day, p, hash64("activity", ContractURN(c.ID), st.MemberID, day))
			rows++
		}
	}
	return rows
}

// n is a small deterministic count below limit, taken from byte i of h.
func n(h uint64, i, limit int) string {
	return strconv.Itoa(int(h>>(8*i)&0xff) % limit)
}
