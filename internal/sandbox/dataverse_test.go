package sandbox

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
)

// accessToken signs user in and returns a delegated access token.
func (f *entraFixture) accessToken(t *testing.T, user string) string {
	t.Helper()
	code, verifier := f.signIn(t, user, "n")
	status, tok := f.token(t, url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {DynamicsRedirectURI(f.opts)}, "code_verifier": {verifier}})
	if status != http.StatusOK {
		t.Fatalf("token: %d %v", status, tok)
	}
	return tok["access_token"].(string)
}

// The Dataverse stand-in answers WhoAmI and the three entity sets with
// $select for the seller's token, and 401, 403 and 404 as Dataverse does.
func TestDataverseStandInReadsRecordsAsTheSeller(t *testing.T) {
	f := newEntraFixture(t)
	seller, restricted := f.accessToken(t, DynamicsSeller), f.accessToken(t, DynamicsRestrictedSeller)
	recs := DynamicsRecords()
	lead := recs[1] // Daniel Kowalski, a lead
	account := recs[len(recs)-1]
	get := func(token, path string) (int, map[string]any) {
		req, _ := http.NewRequest(http.MethodGet, f.url+"/api/data/v9.2/"+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		req.Header.Set("Prefer", `odata.include-annotations="OData.Community.Display.V1.FormattedValue"`)
		resp, err := f.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	for _, tc := range []struct {
		scenario, token, path string
		status                int
		field, want           string
	}{
		{"who am I", seller, "WhoAmI", http.StatusOK, "UserId", dynamicsGUID(DynamicsInstanceID, "user", "megan")},
		{"a contact with its company", seller, "contacts(" + recs[0].ID + ")?$select=firstname,lastname,emailaddress1,jobtitle,_parentcustomerid_value",
			http.StatusOK, "_parentcustomerid_value" + formattedValue, recs[0].Company},
		{"a lead", seller, "leads(" + lead.ID + ")?$select=firstname,lastname,companyname", http.StatusOK, "companyname", lead.Company},
		{"an account", seller, "accounts(" + account.ID + ")?$select=name,emailaddress1", http.StatusOK, "name", "Fabrikam"},
		{"no token", "", "WhoAmI", http.StatusUnauthorized, "", ""},
		{"an unknown token", "entra-at-forged", "WhoAmI", http.StatusUnauthorized, "", ""},
		{"a record the seller may not read", restricted, "contacts(" + recs[0].ID + ")?$select=firstname", http.StatusForbidden, "", ""},
		{"a record that does not exist", seller, "contacts(00000000-0000-4000-8000-000000000000)?$select=firstname", http.StatusNotFound, "", ""},
		{"a lead asked for as a contact", seller, "contacts(" + lead.ID + ")?$select=firstname", http.StatusNotFound, "", ""},
		{"an unknown column", seller, "contacts(" + recs[0].ID + ")?$select=secret", http.StatusBadRequest, "", ""},
		{"a key that is not a GUID", seller, "contacts(1)", http.StatusBadRequest, "", ""},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			status, out := get(tc.token, tc.path)
			if status != tc.status {
				t.Fatalf("%d %v, want %d", status, out, tc.status)
			}
			if tc.field != "" && out[tc.field] != tc.want {
				t.Fatalf("%s = %v, want %s (%v)", tc.field, out[tc.field], tc.want, out)
			}
			if status >= 400 && out["error"] == nil {
				t.Fatalf("no Dataverse error body: %v", out)
			}
		})
	}
}
