package democrm

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/snapbridge/snapbridge/internal/sandbox"
	"github.com/snapbridge/snapbridge/internal/tenant"
)

// hubSpotUserID is the demo seller as a HubSpot user.
const hubSpotUserID = "7031"

// hubSpotProxy is the demo's stand-in for HubSpot's servers, which make
// the card's hubspot.fetch calls.
var hubSpotProxy = &http.Client{Timeout: 15 * time.Second}

// hubSpotContact renders a HubSpot-style record page whose app card opens
// the widget as snapbridge's HubSpot card does: the card asks its backend
// through hubspot.fetch (here /t/<tenant>/contacts/<id>/hubspot-fetch,
// which signs and sends the request as HubSpot's servers would) and opens
// the widget URL of the answer in an iframe modal.
func (c *CRM) hubSpotContact(w http.ResponseWriter, t *tenant.Tenant, rec *sandbox.Record) {
	c.render(w, "hubspot", map[string]any{
		"Tenant": t, "Tenants": c.tenantIDs(), "Contact": rec, "Viewer": Viewer,
		"FetchURL": "/t/" + url.PathEscape(t.ID) + "/contacts/" + url.PathEscape(rec.ID) + "/hubspot-fetch",
		"Height":   t.Display.Height + 40,
	})
}

// hubSpotFetch is what HubSpot does for the card's hubspot.fetch: POST
// the card's JSON body to snapbridge's card URL with the user and portal
// added to the query, signed with the app's client secret (v3), and hand
// the answer back to the card.
func (c *CRM) hubSpotFetch(w http.ResponseWriter, r *http.Request, t *tenant.Tenant, id string) {
	rec := c.record(t, id)
	hs := t.HubSpot()
	if rec == nil || hs == nil || len(hs.ClientSecrets) == 0 {
		http.NotFound(w, r)
		return
	}
	body, err := json.Marshal(map[string]any{"objectType": "CONTACT", "objectId": rec.ID, "properties": map[string]string{
		"firstname": rec.FirstName, "lastname": rec.LastName, "email": rec.Email, "jobtitle": rec.Title, "company": rec.Company}})
	if err != nil {
		c.fail(w, err)
		return
	}
	base := hs.PublicURL
	if base == "" {
		base = c.widgetURL
	}
	target := base + "/hubspot/" + url.PathEscape(t.ID) + "/card?userId=" + hubSpotUserID +
		"&userEmail=" + url.QueryEscape(Viewer.Email) + "&appId=" + sandbox.HubSpotAppID + "&portalId=" + hs.PortalID
	// HubSpot signs the URI with '@' and the like decoded.
	signedURI := base + "/hubspot/" + url.PathEscape(t.ID) + "/card?userId=" + hubSpotUserID +
		"&userEmail=" + Viewer.Email + "&appId=" + sandbox.HubSpotAppID + "&portalId=" + hs.PortalID
	stamp := strconv.FormatInt(c.now().UnixMilli(), 10)
	mac := hmac.New(sha256.New, []byte(hs.ClientSecrets[0]))
	mac.Write([]byte(http.MethodPost + signedURI + string(body) + stamp))
	req, err := http.NewRequestWithContext(r.Context(), http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		c.fail(w, err)
		return
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-HubSpot-Signature-v3", base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	req.Header.Set("X-HubSpot-Request-Timestamp", stamp)
	resp, err := hubSpotProxy.Do(req)
	if err != nil {
		c.fail(w, fmt.Errorf("hubspot.fetch to snapbridge: %w", err))
		return
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		c.fail(w, fmt.Errorf("hubspot.fetch to snapbridge: %w", err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(answer)
}

// hubSpotPage is the HubSpot-style record page: the record's properties,
// and the app card in the right sidebar with its button and iframe modal.
var _ = template.Must(pages.New("hubspot-page").Parse(`
{{define "hubspot"}}{{template "head" (print .Contact.FirstName " " .Contact.LastName " | Contact | HubSpot")}}{{template "bar" .}}
<main class="hubspot">
<section class="panel"><p class="crumb"><a href="/t/{{.Tenant.ID}}/">Contacts</a> › {{.Contact.FirstName}} {{.Contact.LastName}} <span class="tag">HubSpot app card</span></p>
<div class="rec"><div class="avatar" aria-hidden="true" style="background:#ff7a59">{{initials .Contact}}</div><div><h1>{{.Contact.FirstName}} {{.Contact.LastName}}</h1>
<div>{{.Contact.Title}}{{if .Contact.Company}} · {{.Contact.Company}}{{end}}</div></div></div>
<dl><dt>Email</dt><dd>{{.Contact.Email}}</dd><dt>Job title</dt><dd>{{.Contact.Title}}</dd><dt>Record ID</dt><dd><code>{{.Contact.ID}}</code></dd><dt>Contact owner</dt><dd>{{.Viewer.Name}}</dd></dl>
</section>
<aside><section class="panel" id="hubspot-card"><h2>LinkedIn Sales Navigator</h2>
<p>See {{.Contact.FirstName}} on LinkedIn without leaving HubSpot.</p>
<button type="button" id="hubspot-open" data-fetch="{{.FetchURL}}">Open Sales Navigator</button>
<p id="hubspot-error" role="alert" hidden></p>
</section></aside>
</main>
<dialog id="hubspot-modal" aria-label="LinkedIn Sales Navigator" style="padding:0;border:0;border-radius:6px">
<form method="dialog" style="text-align:right;margin:0"><button>Close</button></form>
<iframe id="hubspot-frame" title="LinkedIn Sales Navigator" width="340" height="{{.Height}}" style="border:0;display:block"></iframe>
</dialog>
<script>
// What the card's React code does: hubspot.fetch the widget URL, then
// open it in an iframe modal.
(function(){var b=document.getElementById("hubspot-open"),e=document.getElementById("hubspot-error");
b.addEventListener("click",function(){b.disabled=true;e.hidden=true;
fetch(b.dataset.fetch,{cache:"no-store"}).then(function(r){return r.json().then(function(j){return {ok:r.ok,j:j};});}).then(function(a){
b.disabled=false;if(!a.ok||!a.j.url){e.textContent=(a.j.error&&a.j.error.message)||"The card could not open Sales Navigator.";e.hidden=false;return;}
document.getElementById("hubspot-frame").src=a.j.url;document.getElementById("hubspot-modal").showModal();
}).catch(function(){b.disabled=false;e.textContent="The card could not reach its backend.";e.hidden=false;});});})();
</script>
</body></html>{{end}}
`))
