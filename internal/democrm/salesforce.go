package democrm

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/snapbridge/snapbridge/internal/sandbox"
	"github.com/snapbridge/snapbridge/internal/tenant"
)

// salesforceUserID is the demo seller as a Salesforce user.
const salesforceUserID = "0055g00000SmSel"

// salesforceObjects names the Salesforce object of each record type.
var salesforceObjects = map[string]string{"contact": "Contact", "lead": "Lead", "account": "Account"}

// salesforceContact renders a Lightning-style record page that embeds the
// widget as Salesforce Canvas does: a form POSTs the signed request into
// the canvas iframe, and the page sizes that iframe from the Canvas SDK's
// resize messages, as Salesforce's own page does.
func (c *CRM) salesforceContact(w http.ResponseWriter, r *http.Request, t *tenant.Tenant, rec *sandbox.Record) {
	sr, err := c.signedRequest(t, *rec, "http://"+r.Host)
	if err != nil {
		c.fail(w, err)
		return
	}
	c.render(w, "salesforce", map[string]any{
		"Tenant": t, "Tenants": c.tenantIDs(), "Contact": rec, "Viewer": Viewer, "Object": salesforceObjects[rec.Type],
		"CanvasURL": c.widgetURL + "/w/" + url.PathEscape(t.ID) + "/canvas", "SignedRequest": sr,
		"WidgetOrigin": c.widgetURL, "Height": t.Display.Height + 80,
	})
}

// signedRequest signs a CanvasRequest for the record the way Salesforce
// does: base64 of the JSON, HMAC-SHA256 of that text with the Connected
// App's consumer secret, base64, joined by '.'.
func (c *CRM) signedRequest(t *tenant.Tenant, rec sandbox.Record, pageOrigin string) (string, error) {
	sf := t.Salesforce()
	if sf == nil || len(sf.ConsumerSecrets) == 0 {
		return "", fmt.Errorf("tenant %s has no Salesforce consumer secret", t.ID)
	}
	object := salesforceObjects[rec.Type]
	record := map[string]any{
		"attributes": map[string]any{"type": object, "url": "/services/data/v60.0/sobjects/" + object + "/" + rec.ID},
		"Id":         rec.ID, "FirstName": rec.FirstName, "LastName": rec.LastName, "Email": rec.Email, "Title": rec.Title,
	}
	if rec.Type == "lead" {
		record["Company"] = rec.Company
	} else {
		record["Account"] = map[string]any{"attributes": map[string]any{"type": "Account"}, "Name": rec.Company}
	}
	context := map[string]any{
		"algorithm": "HMACSHA256",
		"issuedAt":  c.now().Unix(),
		"userId":    salesforceUserID,
		"client": map[string]any{
			"instanceId": "06P5g000000SnpB:snapbridge", "targetOrigin": pageOrigin,
			"instanceUrl": "https://" + sf.MyDomain, "oauthToken": sf.OrgID + "!demo-token-not-used",
		},
		"context": map[string]any{
			"user": map[string]any{"userId": salesforceUserID, "fullName": Viewer.Name, "email": Viewer.Email,
				"firstName": strings.Fields(Viewer.Name)[0], "userName": Viewer.Email},
			"organization": map[string]any{"organizationId": sf.OrgID, "name": t.Name},
			"environment": map[string]any{
				"displayLocation": "Visualforce", "record": record,
				"dimensions": map[string]any{"width": "100%", "height": fmt.Sprintf("%dpx", t.Display.Height+80)},
			},
		},
	}
	js, err := json.Marshal(context)
	if err != nil {
		return "", err
	}
	encoded := base64.StdEncoding.EncodeToString(js)
	mac := hmac.New(sha256.New, []byte(sf.ConsumerSecrets[0]))
	mac.Write([]byte(encoded))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil)) + "." + encoded, nil
}
