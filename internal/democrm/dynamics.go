package democrm

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/snapbridge/snapbridge/internal/sandbox"
	"github.com/snapbridge/snapbridge/internal/tenant"
)

// dynamicsObjects names the Dynamics 365 table and its object-type code
// of each record type.
var dynamicsObjects = map[string]struct{ name, code string }{
	"contact": {"Contact", "2"}, "lead": {"Lead", "4"}, "account": {"Account", "1"},
}

// dynamicsContact renders a Unified Interface-style record form that
// embeds the widget as a Dynamics 365 IFRAME control does with "Pass
// record object-type code and unique identifier as parameters": the
// frame's URL carries the record's id (a GUID in braces, upper case),
// type, typename, orgname and the language codes, unsigned.
func (c *CRM) dynamicsContact(w http.ResponseWriter, t *tenant.Tenant, rec *sandbox.Record) {
	obj := dynamicsObjects[rec.Type]
	q := url.Values{"id": {"{" + strings.ToUpper(rec.ID) + "}"}, "orgname": {"snapbridgedemo"}, "type": {obj.code},
		"typename": {rec.Type}, "userlcid": {"1033"}, "orglcid": {"1033"}}
	c.render(w, "dynamics", map[string]any{
		"Tenant": t, "Tenants": c.tenantIDs(), "Contact": rec, "Viewer": Viewer, "Object": obj.name,
		"FrameURL": c.widgetURL + "/w/" + url.PathEscape(t.ID) + "/dynamics?" + q.Encode(), "Height": t.Display.Height + 80,
	})
}

// dynamicsTemplates are the Dynamics-style record form.
const dynamicsTemplates = `
{{define "dynamics"}}{{template "head" (print .Contact.FirstName " " .Contact.LastName " | " .Object " | Dynamics 365")}}{{template "bar" .}}
<main class="d365">
<section class="panel"><p class="crumb">{{.Object}} › {{if .Contact.LastName}}{{.Contact.FirstName}} {{.Contact.LastName}}{{else}}{{.Contact.Company}}{{end}} <span class="tag">Dynamics 365 IFRAME control</span></p>
<div class="rec"><div class="avatar" aria-hidden="true" style="background:#002050">{{initials .Contact}}</div><div><h1>{{if .Contact.LastName}}{{.Contact.FirstName}} {{.Contact.LastName}}{{else}}{{.Contact.Company}}{{end}}</h1>
<div>{{.Contact.Title}}{{if .Contact.Company}} · {{.Contact.Company}}{{end}}</div></div></div>
<dl><dt>Email</dt><dd>{{.Contact.Email}}</dd><dt>Table</dt><dd>{{.Object}}</dd><dt>Record id</dt><dd><code>{{.Contact.ID}}</code></dd><dt>Owner</dt><dd>{{.Viewer.Name}}</dd></dl>
</section>
<aside><section class="panel"><h2>LinkedIn Sales Navigator (IFRAME control)</h2>
<iframe id="d365-frame" src="{{.FrameURL}}" title="LinkedIn Sales Navigator" width="300" height="{{.Height}}" style="border:0;width:300px"></iframe>
</section></aside>
</main>
</body></html>{{end}}
`
