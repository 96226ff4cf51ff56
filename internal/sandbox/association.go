package sandbox

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/snapbridge/snapbridge/internal/restli"
)

// MaxBatch is the most keys one batch Profile Associations call may name.
const MaxBatch = 100

// association is a Profile Associations answer.
type association struct {
	Member       string `json:"member"`
	Profile      string `json:"profile"`
	ProfilePhoto string `json:"profilePhoto,omitempty"`
}

// batchAnswer is the batch answer, keyed by serialized Rest.li key.
type batchAnswer struct {
	Results  map[string]association `json:"results"`
	Statuses map[string]int         `json:"statuses"`
	Errors   map[string]apiError    `json:"errors"`
}

const associationsPath = "/v2/salesNavigatorProfileAssociations/"

// serveAssociation is GET /v2/salesNavigatorProfileAssociations/(…).
func (s *Sandbox) serveAssociation(w http.ResponseWriter, r *http.Request) {
	s.count("profileAssociations.get")
	app, ok := s.associationCall(w, r)
	if !ok {
		return
	}
	// The escaped path keeps %2C and friends inside values, which the
	// decoded r.URL.Path would turn into structure.
	raw, found := strings.CutPrefix(r.URL.EscapedPath(), associationsPath)
	if !found {
		writeAPIError(w, apiError{Status: http.StatusNotFound, Message: "No resource found at " + r.URL.Path})
		return
	}
	key, err := restli.ParseRecord(raw)
	if err != nil {
		writeAPIError(w, apiError{Status: http.StatusBadRequest, Message: "Invalid key: " + err.Error()})
		return
	}
	a, fail := s.associate(r, app, key)
	if fail != nil {
		writeAPIError(w, *fail)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

// serveAssociationBatch is GET /v2/salesNavigatorProfileAssociations?ids=List(…).
func (s *Sandbox) serveAssociationBatch(w http.ResponseWriter, r *http.Request) {
	s.count("profileAssociations.batch")
	app, ok := s.associationCall(w, r)
	if !ok {
		return
	}
	raw, err := rawQueryParam(r.URL.RawQuery, "ids")
	if err != nil {
		writeAPIError(w, apiError{Status: http.StatusBadRequest, Message: err.Error()})
		return
	}
	keys, err := restli.ParseList(raw)
	switch {
	case err != nil:
		writeAPIError(w, apiError{Status: http.StatusBadRequest, Message: "Invalid ids: " + err.Error()})
		return
	case len(keys) == 0:
		writeAPIError(w, apiError{Status: http.StatusBadRequest, Message: "ids must name at least one key"})
		return
	case len(keys) > MaxBatch:
		writeAPIError(w, apiError{Status: http.StatusBadRequest,
			Message: fmt.Sprintf("A batch may name at most %d keys, not %d", MaxBatch, len(keys))})
		return
	}
	out := batchAnswer{Results: map[string]association{}, Statuses: map[string]int{}, Errors: map[string]apiError{}}
	for _, key := range keys {
		id := key.String()
		a, fail := s.associate(r, app, key)
		if fail != nil {
			out.Statuses[id] = fail.Status
			out.Errors[id] = *fail
			continue
		}
		out.Statuses[id] = http.StatusOK
		out.Results[id] = a
	}
	writeJSON(w, http.StatusOK, out)
}

// associationCall does what single and batch calls share: method, faults,
// the Rest.li protocol header and an app token with r_sales_nav_profiles.
func (s *Sandbox) associationCall(w http.ResponseWriter, r *http.Request) (*App, bool) {
	if !allow(w, r, http.MethodGet) || s.injectAPIFault(w, r) {
		return nil, false
	}
	g, ok := s.bearer(w, r, ScopeProfiles)
	if !ok {
		return nil, false
	}
	if r.Header.Get("X-Restli-Protocol-Version") != "2.0.0" {
		writeAPIError(w, apiError{Status: http.StatusBadRequest,
			Message: "This resource needs the header X-Restli-Protocol-Version: 2.0.0"})
		return nil, false
	}
	app, known := s.cat().apps[g.clientID]
	if !known {
		writeAPIError(w, apiError{Status: http.StatusForbidden, ServiceErrorCode: codeForbidden,
			Message: "The application is not registered"})
		return nil, false
	}
	return app, true
}

// associate answers one key: the association, or the error LinkedIn
// documents for it.
func (s *Sandbox) associate(r *http.Request, app *App, key restli.Record) (association, *apiError) {
	fields := map[string]string{}
	for _, f := range key {
		switch f.Name {
		case "partner", "instanceId", "recordId":
			fields[f.Name] = f.Value
		default:
			return association{}, &apiError{Status: http.StatusBadRequest, Message: "Unknown key field: " + f.Name}
		}
	}
	for _, name := range []string{"instanceId", "partner", "recordId"} {
		if fields[name] == "" {
			return association{}, &apiError{Status: http.StatusBadRequest, Message: "Missing required key field: " + name}
		}
	}
	in := app.instance(fields["partner"], fields["instanceId"])
	if in == nil {
		return association{}, &apiError{Status: http.StatusBadRequest, ServiceErrorCode: codeCRMSyncUnknown,
			Message: "Cannot determine CRM Sync status for this CRM instance."}
	}
	rec := in.record(fields["recordId"])
	outcome := OutcomeNoMatch
	if rec != nil {
		outcome = in.expected(rec)
	}
	switch outcome {
	case OutcomeCRMSyncUnknown:
		return association{}, &apiError{Status: http.StatusBadRequest, ServiceErrorCode: codeCRMSyncUnknown,
			Message: "Cannot determine CRM Sync status for this CRM instance."}
	case OutcomeCRMSyncDisabled:
		return association{}, &apiError{Status: http.StatusBadRequest, ServiceErrorCode: codeCRMSyncDisabled,
			Message: "CRM Sync not enabled for this CRM instance."}
	case OutcomeMatched, OutcomeNoPhoto:
		base := s.baseURL(r)
		a := association{
			Member:  "urn:li:person:" + rec.MemberID,
			Profile: base + "/sales/people/" + url.PathEscape(rec.MemberID),
		}
		if outcome == OutcomeMatched {
			a.ProfilePhoto = base + "/media/" + url.PathEscape(rec.MemberID) + ".png"
		}
		return a, nil
	default:
		return association{}, &apiError{Status: http.StatusNotFound, Message: "Match unavailable"}
	}
}

// rawQueryParam returns one query parameter exactly as sent, without
// percent-decoding: Rest.li values are decoded field by field later.
func rawQueryParam(rawQuery, name string) (string, error) {
	var value string
	found := false
	for _, pair := range strings.Split(rawQuery, "&") {
		k, v, _ := strings.Cut(pair, "=")
		if dk, err := url.QueryUnescape(k); err != nil || dk != name {
			continue
		}
		if found {
			return "", fmt.Errorf("query parameter %s is given twice", name)
		}
		value, found = v, true
	}
	if !found || value == "" {
		return "", fmt.Errorf("missing required query parameter %s", name)
	}
	return value, nil
}
