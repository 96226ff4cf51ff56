package sandbox

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"sort"
)

// recordView is one seed record as GET /_sandbox/records lists it.
type recordView struct {
	ID        string `json:"id"`
	Type      string `json:"type"`
	FirstName string `json:"firstName"`
	LastName  string `json:"lastName"`
	Email     string `json:"email"`
	Company   string `json:"company"`
	Title     string `json:"title"`
	MemberID  string `json:"memberId,omitempty"`
	// Expected is what Profile Associations answers for the record, CRM
	// Sync state included: matched, no_photo, no_match,
	// crm_sync_disabled or crm_sync_unknown.
	Expected string `json:"expected"`
}

type instanceView struct {
	Tenant      string       `json:"tenant,omitempty"`
	ClientID    string       `json:"clientId"`
	Partner     string       `json:"partner"`
	InstanceID  string       `json:"instanceId"`
	SyncEnabled bool         `json:"syncEnabled"`
	SyncUnknown bool         `json:"syncUnknown"`
	Records     []recordView `json:"records"`
}

// serveRecords is GET /_sandbox/records?tenant=ID (or ?instanceId=…): the
// seed records of one CRM instance and what LinkedIn will answer for each.
func (s *Sandbox) serveRecords(w http.ResponseWriter, r *http.Request) {
	if !allow(w, r, http.MethodGet) {
		return
	}
	tenantID, instanceID := r.URL.Query().Get("tenant"), r.URL.Query().Get("instanceId")
	if tenantID == "" && instanceID == "" {
		writeAPIError(w, apiError{Status: http.StatusBadRequest, Message: "Name a tenant (?tenant=demo) or an instanceId"})
		return
	}
	apps := s.cat().apps
	ids := make([]string, 0, len(apps))
	for id := range apps {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		app := apps[id]
		for i := range app.Instances {
			in := &app.Instances[i]
			if (tenantID != "" && in.Tenant != tenantID) || (instanceID != "" && in.InstanceID != instanceID) {
				continue
			}
			writeJSON(w, http.StatusOK, viewInstance(app, in))
			return
		}
	}
	writeAPIError(w, apiError{Status: http.StatusNotFound, Message: "No CRM instance for that tenant"})
}

func viewInstance(app *App, in *Instance) instanceView {
	v := instanceView{Tenant: in.Tenant, ClientID: app.ClientID, Partner: in.Partner,
		InstanceID: in.InstanceID, SyncEnabled: in.SyncEnabled, SyncUnknown: in.SyncUnknown,
		Records: make([]recordView, 0, len(in.Records))}
	for i := range in.Records {
		rec := &in.Records[i]
		rv := recordView{ID: rec.ID, Type: rec.Type, FirstName: rec.FirstName, LastName: rec.LastName,
			Email: rec.Email, Company: rec.Company, Title: rec.Title, Expected: in.expected(rec)}
		if rv.Expected == OutcomeMatched || rv.Expected == OutcomeNoPhoto {
			rv.MemberID = rec.MemberID
		}
		v.Records = append(v.Records, rv)
	}
	return v
}

// serveStats is GET /_sandbox/stats.
func (s *Sandbox) serveStats(w http.ResponseWriter, r *http.Request) {
	if allow(w, r, http.MethodGet) {
		writeJSON(w, http.StatusOK, map[string]any{"calls": s.Stats()})
	}
}

// serveStatsReset is POST /_sandbox/stats/reset.
func (s *Sandbox) serveStatsReset(w http.ResponseWriter, r *http.Request) {
	if allow(w, r, http.MethodPost) {
		s.ResetStats()
		writeJSON(w, http.StatusOK, map[string]any{"calls": s.Stats()})
	}
}

// serveFaults is GET|PUT /_sandbox/faults; PUT replaces every fault.
func (s *Sandbox) serveFaults(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		writeJSON(w, http.StatusOK, s.Faults())
	case http.MethodPut:
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxFormBytes))
		if err != nil {
			writeAPIError(w, apiError{Status: http.StatusBadRequest, Message: "faults: the body could not be read"})
			return
		}
		var f Faults
		if err := json.Unmarshal(body, &f); err != nil {
			writeAPIError(w, apiError{Status: http.StatusBadRequest, Message: err.Error()})
			return
		}
		if err := f.Validate(); err != nil {
			writeAPIError(w, apiError{Status: http.StatusBadRequest, Message: err.Error()})
			return
		}
		s.SetFaults(f)
		writeJSON(w, http.StatusOK, f)
	default:
		allow(w, r, http.MethodGet, http.MethodPut)
	}
}

// appRequest is the body of POST /_sandbox/apps.
type appRequest struct {
	Name         string   `json:"name"`
	ClientID     string   `json:"clientId"`
	ClientSecret string   `json:"clientSecret"`
	RedirectURIs []string `json:"redirectUris"`
	// Scopes default to every scope.
	Scopes    []string          `json:"scopes"`
	Instances []instanceRequest `json:"instances"`
}

type instanceRequest struct {
	Tenant     string `json:"tenant"`
	Partner    string `json:"partner"`
	InstanceID string `json:"instanceId"`
	// SyncEnabled defaults to true.
	SyncEnabled *bool `json:"syncEnabled"`
	// Records default to TenantRecords(instanceId).
	Records []recordRequest `json:"records"`
}

type recordRequest struct {
	ID        string `json:"id"`
	Type      string `json:"type"`
	FirstName string `json:"firstName"`
	LastName  string `json:"lastName"`
	Email     string `json:"email"`
	Company   string `json:"company"`
	Title     string `json:"title"`
	Outcome   string `json:"outcome"`
}

// serveRegisterApp is POST /_sandbox/apps: register (or update, see
// RegisterApp) a LinkedIn application, answering its CRM instances as
// GET /_sandbox/records shows them. Only loopback clients may call it.
func (s *Sandbox) serveRegisterApp(w http.ResponseWriter, r *http.Request) {
	if !allow(w, r, http.MethodPost) {
		return
	}
	if !fromLoopback(r) {
		writeAPIError(w, apiError{Status: http.StatusForbidden, ServiceErrorCode: codeForbidden,
			Message: "Apps can only be registered from this machine"})
		return
	}
	var req appRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeAPIError(w, apiError{Status: http.StatusBadRequest, Message: "apps: " + err.Error()})
		return
	}
	app := App{Name: req.Name, ClientID: req.ClientID, ClientSecret: req.ClientSecret,
		RedirectURIs: req.RedirectURIs, Scopes: req.Scopes}
	for _, in := range req.Instances {
		inst := Instance{Tenant: in.Tenant, Partner: in.Partner, InstanceID: in.InstanceID,
			SyncEnabled: in.SyncEnabled == nil || *in.SyncEnabled}
		for _, rec := range in.Records {
			inst.Records = append(inst.Records, Record{ID: rec.ID, Type: rec.Type, FirstName: rec.FirstName,
				LastName: rec.LastName, Email: rec.Email, Company: rec.Company, Title: rec.Title, Outcome: rec.Outcome})
		}
		if in.Records == nil {
			inst.Records = TenantRecords(in.InstanceID)
		}
		app.Instances = append(app.Instances, inst)
	}
	if err := s.RegisterApp(app); err != nil {
		writeAPIError(w, apiError{Status: http.StatusBadRequest, Message: "apps: " + err.Error()})
		return
	}
	registered := s.cat().apps[app.ClientID]
	views := make([]instanceView, 0, len(registered.Instances))
	for i := range registered.Instances {
		views = append(views, viewInstance(registered, &registered.Instances[i]))
	}
	writeJSON(w, http.StatusOK, map[string]any{"clientId": registered.ClientID, "instances": views})
}

// fromLoopback reports whether the request came from this machine.
func fromLoopback(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
