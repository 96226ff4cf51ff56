package sandbox

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Validation export tuning.
const (
	// ValidationChangePeriod is how often CRM Sync re-checks a matched
	// record against LinkedIn; each check is one row of the export window
	// it falls in, so chained exports never repeat or miss a row.
	ValidationChangePeriod = 7 * 24 * time.Hour
	// ValidationRetention bounds how far back an export reaches: older
	// starts are served from this far back.
	ValidationRetention = 365 * 24 * time.Hour
	// ValidationRowsPerFile splits large exports into several download
	// URLs, as LinkedIn does.
	ValidationRowsPerFile = 50
)

const crmInstancePrefix = "urn:li:crmInstance:"

// CRMInstanceURN is the crmInstanceId of a CRM instance, e.g.
// "urn:li:crmInstance:(DYNAMICS,demo.crm.dynamics.com)". The CRM type is
// derived from the Profile Associations partner (see CRMType).
func CRMInstanceURN(in Instance) string {
	return crmInstancePrefix + "(" + CRMType(in.Partner) + "," + in.InstanceID + ")"
}

// CRMType maps a Profile Associations partner onto the CRM type used in
// crmInstance URNs: MS is DYNAMICS; any other partner (SFDC, …) is
// written as it is.
func CRMType(partner string) string {
	if partner == DemoPartner {
		return DemoCRMType
	}
	return partner
}

// validationJob is a CRM Data Validation export job.
type validationJob struct {
	id       int64
	clientID string
	instance string // the crmInstance URN
	timeline
	startAt, endAt time.Time
	files          [][]byte
}

// validationJobView is a job on the wire.
type validationJobView struct {
	JobID             int64    `json:"jobId"`
	ExportStartAt     int64    `json:"exportStartAt"`
	ExportEndAt       int64    `json:"exportEndAt,omitempty"`
	Status            string   `json:"status"`
	DownloadURLs      []string `json:"downloadUrls,omitempty"`
	NextExportStartAt int64    `json:"nextExportStartAt,omitempty"`
	ExpireAt          int64    `json:"expireAt,omitempty"`
}

// validationCall authenticates an application token with
// r_sales_nav_validation and resolves crmInstanceId to one of the app's
// CRM instances. It reports false once it has answered.
func (s *Sandbox) validationCall(w http.ResponseWriter, r *http.Request, method string) (grant, *Instance, bool) {
	g, ok := s.platformCall(w, r, ScopeValidation, method)
	if !ok {
		return grant{}, nil, false
	}
	if g.memberID != "" {
		writeAPIError(w, apiError{Status: http.StatusForbidden, ServiceErrorCode: codeForbidden,
			Message: "CRM Data Validation exports need an application token (client credentials), not a member's token"})
		return grant{}, nil, false
	}
	urn := r.URL.Query().Get("crmInstanceId")
	crmType, instanceID, valid := parseCRMInstanceURN(urn)
	switch {
	case urn == "":
		writeAPIError(w, apiError{Status: http.StatusBadRequest, Message: "Missing required query parameter crmInstanceId"})
		return grant{}, nil, false
	case !valid:
		writeAPIError(w, apiError{Status: http.StatusBadRequest,
			Message: "crmInstanceId must be a URL-encoded urn:li:crmInstance:(<CRM type>,<instance id>), not " + strconv.Quote(urn)})
		return grant{}, nil, false
	}
	var in *Instance
	if app, known := s.cat().apps[g.clientID]; known {
		for i := range app.Instances {
			if app.Instances[i].InstanceID == instanceID && CRMType(app.Instances[i].Partner) == crmType {
				in = &app.Instances[i]
			}
		}
	}
	switch {
	case in == nil || in.SyncUnknown:
		writeAPIError(w, apiError{Status: http.StatusBadRequest, ServiceErrorCode: codeCRMSyncUnknown,
			Message: "Cannot determine CRM Sync status for CRM instance " + urn})
		return grant{}, nil, false
	case !in.SyncEnabled:
		writeAPIError(w, apiError{Status: http.StatusBadRequest, ServiceErrorCode: codeCRMSyncDisabled,
			Message: "CRM Sync not enabled for CRM instance " + urn})
		return grant{}, nil, false
	}
	return g, in, true
}

// parseCRMInstanceURN splits urn:li:crmInstance:(TYPE,id).
func parseCRMInstanceURN(urn string) (crmType, instanceID string, ok bool) {
	rest, found := strings.CutPrefix(urn, crmInstancePrefix)
	if !found || len(rest) < 2 || rest[0] != '(' || rest[len(rest)-1] != ')' {
		return "", "", false
	}
	crmType, instanceID, found = strings.Cut(rest[1:len(rest)-1], ",")
	if !found || crmType == "" || instanceID == "" || strings.ContainsAny(instanceID, ",()") {
		return "", "", false
	}
	return crmType, instanceID, true
}

// serveValidationCreate is POST /v2/crmDataValidationExportJobs?crmInstanceId=…:
// it starts an export of the record changes CRM Sync found from
// exportStartAt until now, answering 201 with the id in X-RestLi-Id and,
// as the contract declares, the PROCESSING job as the body.
func (s *Sandbox) serveValidationCreate(w http.ResponseWriter, r *http.Request) {
	s.count("validationExport.create")
	g, in, ok := s.validationCall(w, r, http.MethodPost)
	if !ok {
		return
	}
	var req struct {
		ExportStartAt int64 `json:"exportStartAt"`
	}
	if fail := readJSON(w, r, &req); fail != nil {
		writeAPIError(w, *fail)
		return
	}
	now := s.now()
	switch {
	case req.ExportStartAt <= 0:
		writeAPIError(w, apiError{Status: http.StatusBadRequest, Message: "exportStartAt is required, in epoch milliseconds"})
		return
	case !millis(req.ExportStartAt).Before(now):
		writeAPIError(w, apiError{Status: http.StatusBadRequest, Message: "exportStartAt must be in the past"})
		return
	}
	// The export ends when it is requested; the next one starts there.
	start, end := millis(req.ExportStartAt), millis(now.UnixMilli())
	files := s.validationFiles(in, start, end)
	s.mu.Lock()
	job := &validationJob{id: s.platform.nextJobID(), clientID: g.clientID, instance: CRMInstanceURN(*in),
		startAt: start, endAt: end, files: files}
	job.timeline = timeline{processing: now, outcome: s.exportOutcome(),
		done: now.Add(s.cfg.JobTiming.Enqueued + s.cfg.JobTiming.Processing)}
	s.platform.validations[job.id] = job
	s.mu.Unlock()
	id := strconv.FormatInt(job.id, 10)
	w.Header().Set("X-RestLi-Id", id)
	w.Header().Set("Location", "/v2/crmDataValidationExportJobs/"+id)
	writeJSON(w, http.StatusCreated, validationJobView{JobID: job.id, ExportStartAt: start.UnixMilli(), Status: JobProcessing})
}

// serveValidationGet is GET /v2/crmDataValidationExportJobs/{id}?crmInstanceId=….
func (s *Sandbox) serveValidationGet(w http.ResponseWriter, r *http.Request) {
	s.count("validationExport.get")
	g, in, ok := s.validationCall(w, r, http.MethodGet)
	if !ok {
		return
	}
	jobID, err := strconv.ParseInt(strings.TrimPrefix(r.URL.Path, "/v2/crmDataValidationExportJobs/"), 10, 64)
	if err != nil || jobID <= 0 {
		writeAPIError(w, apiError{Status: http.StatusBadRequest, Message: "The job id must be a positive whole number"})
		return
	}
	urn := CRMInstanceURN(*in)
	base := s.baseURL(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	job, known := s.platform.validations[jobID]
	if !known || job.clientID != g.clientID || job.instance != urn {
		writeAPIError(w, apiError{Status: http.StatusNotFound, Message: fmt.Sprintf("No validation export job %d for %s", jobID, urn)})
		return
	}
	status := job.status(s.now())
	if status == JobEnqueued {
		status = JobProcessing // validation jobs have no queue state on the wire
	}
	view := validationJobView{JobID: job.id, ExportStartAt: job.startAt.UnixMilli(), Status: status}
	if status == JobCompleted {
		view.ExportEndAt, view.NextExportStartAt = job.endAt.UnixMilli(), job.endAt.UnixMilli()
		view.DownloadURLs = make([]string, 0, len(job.files))
		for i, f := range job.files {
			name := fmt.Sprintf("crm-validation-%d-%d.csv", job.id, i+1)
			link, expires := s.mintDownload(base, name, f, ValidationDownloadLifetime)
			view.DownloadURLs, view.ExpireAt = append(view.DownloadURLs, link), expires.UnixMilli()
		}
	}
	writeJSON(w, http.StatusOK, view)
}

// Validation statuses in the export file.
const (
	validationLeftCompany  = "LEFT_COMPANY"
	validationTitleChanged = "TITLE_CHANGED"
	validationConfirmed    = "CONFIRMED"
)

// validationFiles lists, for every matched record of the instance, the
// checks CRM Sync made in [start, end), split into files of at most
// ValidationRowsPerFile rows; there is always at least one file.
func (s *Sandbox) validationFiles(in *Instance, start, end time.Time) [][]byte {
	if oldest := end.Add(-ValidationRetention); start.Before(oldest) {
		start = oldest
	}
	header := []string{"crmRecordId", "recordType", "firstName", "lastName", "crmCompany", "crmTitle",
		"linkedInMember", "linkedInCompany", "linkedInTitle", "validationStatus", "checkedAt"}
	type row struct {
		at  time.Time
		rec []string
	}
	var rows []row
	period := int64(ValidationChangePeriod / time.Millisecond)
	for _, rec := range in.Records {
		if rec.Outcome != OutcomeMatched && rec.Outcome != OutcomeNoPhoto {
			continue
		}
		offset := int64(hash64("validation", in.InstanceID, rec.ID) % uint64(period))
		// Checks fall at offset + k*period; the first at or after start:
		k := (start.UnixMilli() - offset + period - 1) / period
		for at := offset + k*period; at < end.UnixMilli(); at += period {
			if at < start.UnixMilli() {
				continue
			}
			status, company, title := validationCheck(rec, at)
			rows = append(rows, row{millis(at), []string{rec.ID, rec.Type, rec.FirstName, rec.LastName, rec.Company,
				rec.Title, "urn:li:person:" + rec.MemberID, company, title, status, millis(at).Format(time.RFC3339)}})
		}
	}
	// Oldest check first, like a change log.
	slices.SortStableFunc(rows, func(a, b row) int { return a.at.Compare(b.at) })
	var files [][]byte
	for i := 0; i == 0 || i < len(rows); i += ValidationRowsPerFile {
		var buf bytes.Buffer
		cw := csv.NewWriter(&buf)
		_ = cw.Write(header) // a bytes.Buffer cannot fail
		for _, r := range rows[i:min(len(rows), i+ValidationRowsPerFile)] {
			_ = cw.Write(r.rec)
		}
		cw.Flush()
		files = append(files, buf.Bytes())
	}
	return files
}

// validationCheck is what one check found: most records are confirmed,
// some changed title, a few left their company.
func validationCheck(rec Record, at int64) (status, company, title string) {
	switch h := hash64("check", rec.ID, strconv.FormatInt(at, 10)); h % 10 {
	case 0:
		next := []string{"Contoso Ltd.", "Fabrikam Residences", "Litware Inc.", "Trey Research"}
		return validationLeftCompany, next[(h/10)%uint64(len(next))], rec.Title
	case 1, 2:
		return validationTitleChanged, rec.Company, "Senior " + rec.Title
	default:
		return validationConfirmed, rec.Company, rec.Title
	}
}
