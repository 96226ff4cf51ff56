package sandbox

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
)

// dataversePath matches the Dataverse Web API endpoints the stand-in
// serves: WhoAmI and one record of contacts, leads or accounts by id.
var dataversePath = regexp.MustCompile(`^/api/data/v9\.[0-2]/(?:(WhoAmI)|(contacts|leads|accounts)\(([^)]*)\))$`)

// dataverseGUID is a record id as Dataverse accepts it in a key.
var dataverseGUID = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// dataverseEntities maps an entity set to its records' type.
var dataverseEntities = map[string]string{"contacts": "contact", "leads": "lead", "accounts": "account"}

// dataverseColumns are the columns each entity set has, of those the
// stand-in knows: a $select naming any other is refused, as Dataverse
// refuses an unknown property.
var dataverseColumns = map[string][]string{
	"contacts": {"contactid", "firstname", "lastname", "fullname", "emailaddress1", "jobtitle", "_parentcustomerid_value"},
	"leads":    {"leadid", "firstname", "lastname", "fullname", "emailaddress1", "jobtitle", "companyname"},
	"accounts": {"accountid", "name", "emailaddress1"},
}

// formattedValue is the annotation Dataverse adds to a lookup's value
// when asked with Prefer: odata.include-annotations.
const formattedValue = "@OData.Community.Display.V1.FormattedValue"

// dataverseError is the Web API's error body.
func dataverseError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": message}})
}

// serveDataverse answers a Dataverse Web API call with a delegated token
// the Entra stand-in issued; it reports false for any other path.
func (s *Sandbox) serveDataverse(w http.ResponseWriter, r *http.Request) bool {
	m := dataversePath.FindStringSubmatch(r.URL.Path)
	if m == nil {
		return false
	}
	s.count("dataverse")
	if !allow(w, r, http.MethodGet) {
		return true
	}
	bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	e := s.entra
	e.mu.Lock()
	tok, known := e.access[bearer]
	e.mu.Unlock()
	if !ok || !known || !e.now().Before(tok.expires) {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", authorization_uri="`+s.baseURL(r)+`/common/oauth2/authorize"`)
		dataverseError(w, http.StatusUnauthorized, "0x80072182", "The access token is missing, unknown or expired.")
		return true
	}
	if !strings.Contains(tok.scope, "/user_impersonation") {
		dataverseError(w, http.StatusForbidden, "0x80072183", "The token does not grant user_impersonation.")
		return true
	}
	if m[1] == "WhoAmI" {
		writeJSON(w, http.StatusOK, map[string]any{
			"@odata.context": s.baseURL(r) + "/api/data/v9.2/$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse",
			"UserId":         tok.user.SystemUserID, "BusinessUnitId": dynamicsGUID(tok.app.TenantID, "bu"),
			"OrganizationId": dynamicsGUID(tok.app.TenantID, "org"),
		})
		return true
	}
	set, id := m[2], strings.ToLower(m[3])
	if !dataverseGUID.MatchString(id) {
		dataverseError(w, http.StatusBadRequest, "0x80060888", "Bad Request - Error in query syntax: the key must be a GUID.")
		return true
	}
	var selected []string
	if sel := r.URL.Query().Get("$select"); sel != "" {
		for _, c := range strings.Split(sel, ",") {
			if !slices.Contains(dataverseColumns[set], c) {
				dataverseError(w, http.StatusBadRequest, "0x80060888", "Could not find a property named '"+c+"' on type 'Microsoft.Dynamics.CRM."+strings.TrimSuffix(set, "s")+"'.")
				return true
			}
			selected = append(selected, c)
		}
	} else {
		selected = dataverseColumns[set]
	}
	e.mu.Lock()
	i := slices.IndexFunc(tok.app.Records, func(rec Record) bool {
		return strings.EqualFold(rec.ID, id) && rec.Type == dataverseEntities[set]
	})
	var rec Record
	if i >= 0 {
		rec = tok.app.Records[i]
	}
	e.mu.Unlock()
	switch {
	case i < 0:
		dataverseError(w, http.StatusNotFound, "0x80040217", strings.TrimSuffix(set, "s")+" With Id = "+id+" Does Not Exist")
		return true
	case slices.ContainsFunc(tok.user.Denied, func(d string) bool { return strings.EqualFold(d, id) }):
		dataverseError(w, http.StatusForbidden, "0x80040220", "Principal user (Id="+tok.user.SystemUserID+", type=8) is missing prvRead"+
			strings.TrimSuffix(set, "s")+" privilege")
		return true
	}
	values := map[string]any{
		"contactid": rec.ID, "leadid": rec.ID, "accountid": rec.ID,
		"firstname": rec.FirstName, "lastname": rec.LastName, "fullname": strings.TrimSpace(rec.FirstName + " " + rec.LastName),
		"emailaddress1": rec.Email, "jobtitle": rec.Title, "companyname": rec.Company, "name": rec.Company,
		"_parentcustomerid_value": dynamicsGUID(rec.Company),
	}
	body := map[string]any{"@odata.context": s.baseURL(r) + "/api/data/v9.2/$metadata#" + set + "(" + strings.Join(selected, ",") + ")/$entity"}
	for _, c := range selected {
		v := values[c]
		if s, _ := v.(string); s == "" {
			v = nil
		}
		body[c] = v
		if c == "_parentcustomerid_value" && strings.Contains(r.Header.Get("Prefer"), "odata.include-annotations") {
			body[c+formattedValue] = rec.Company
		}
	}
	w.Header().Set("OData-Version", "4.0")
	writeJSON(w, http.StatusOK, body)
	return true
}
