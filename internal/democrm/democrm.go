// Package democrm is the fake CRM that `make run` serves on its own origin
// so the widget is embedded genuinely cross-site: a contact list that
// embeds the list widget in an iframe, and a page per contact that mounts
// the card with embed.js. Contexts are signed server-side with the demo
// tenant's key, as a real CRM integration would. A Salesforce tenant's
// record page embeds the card as Salesforce Canvas does instead: it POSTs
// a signed request, signed with the tenant's consumer secret, into the
// canvas iframe. A HubSpot tenant's record page has the app card, which
// asks snapbridge for a widget URL as hubspot.fetch does (signed by the
// demo as HubSpot's servers sign) and opens it in an iframe modal.
package democrm

import (
	"encoding/json"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/snapbridge/snapbridge/internal/sandbox"
	"github.com/snapbridge/snapbridge/internal/session"
	"github.com/snapbridge/snapbridge/internal/tenant"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// Viewer is the CRM user the demo signs contexts for.
var Viewer = wire.Viewer{ID: "crm-user-1", Name: "Sam Seller", Email: "sam.seller@example.com"}

// listSize is how many contacts the list view's context names: as many as
// a context may, so the widget pages through the whole list.
const listSize = session.MaxRecords

// CRM serves the demo CRM pages.
type CRM struct {
	tenants   *tenant.Registry
	widgetURL string
	apps      func() []sandbox.App // the stand-in's apps, whose instances carry the tenants' records
	logger    *slog.Logger
	now       func() time.Time
}

// New returns the demo CRM for the tenants of the stand-in's apps (the
// instances labelled with a tenant id), embedding the widget served at
// widgetURL. apps is asked on every page, so tenants registered with the
// stand-in later appear too.
func New(tenants *tenant.Registry, apps func() []sandbox.App, widgetURL string, logger *slog.Logger) *CRM {
	return &CRM{tenants: tenants, widgetURL: widgetURL, apps: apps, logger: logger, now: time.Now}
}

// contacts maps each tenant id to its seed records.
func (c *CRM) contacts() map[string][]sandbox.Record {
	out := map[string][]sandbox.Record{}
	for _, a := range c.apps() {
		for _, in := range a.Instances {
			if in.Tenant != "" {
				out[in.Tenant] = append(out[in.Tenant], in.Records...)
			}
		}
	}
	return out
}

// ServeHTTP routes / (demo tenant list), /t/<tenant>/,
// /t/<tenant>/contacts/<id> and /t/<tenant>/admin.
func (c *CRM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if r.URL.Path == "/" {
		http.Redirect(w, r, "/t/demo/", http.StatusFound)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/t/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	tenantID, page, _ := strings.Cut(rest, "/")
	t, ok := c.tenants.Get(tenantID)
	if !ok || c.contacts()[tenantID] == nil {
		http.NotFound(w, r)
		return
	}
	switch {
	case page == "":
		c.list(w, t)
	case strings.HasPrefix(page, "contacts/") && strings.HasSuffix(page, "/hubspot-fetch"):
		c.hubSpotFetch(w, r, t, strings.TrimSuffix(strings.TrimPrefix(page, "contacts/"), "/hubspot-fetch"))
	case strings.HasPrefix(page, "contacts/") && strings.HasSuffix(page, "/context"):
		c.freshContext(w, r, t, strings.TrimSuffix(strings.TrimPrefix(page, "contacts/"), "/context"))
	case strings.HasPrefix(page, "contacts/"):
		c.contact(w, r, t, strings.TrimPrefix(page, "contacts/"))
	case page == "admin":
		c.admin(w, r, t)
	default:
		http.NotFound(w, r)
	}
}

func (c *CRM) list(w http.ResponseWriter, t *tenant.Tenant) {
	all := c.contacts()[t.ID]
	shown := all[:min(listSize, len(all))]
	records := make([]wire.Record, len(shown))
	for i, r := range shown {
		records[i] = toWire(r)
	}
	ctx, err := c.sign(t, records)
	if err != nil {
		c.fail(w, err)
		return
	}
	c.render(w, "list", map[string]any{
		"Tenant": t, "Tenants": c.tenantIDs(), "Contacts": all, "Viewer": Viewer,
		"ListURL": c.widgetURL + "/w/" + url.PathEscape(t.ID) + "/list?ctx=" + url.QueryEscape(ctx),
	})
}

// record returns the tenant's demo contact with this id, or nil.
func (c *CRM) record(t *tenant.Tenant, id string) *sandbox.Record {
	all := c.contacts()[t.ID]
	for i, x := range all {
		if x.ID == id {
			return &all[i]
		}
	}
	return nil
}

// freshContext is /t/<tenant>/contacts/<id>/context: a newly signed
// context for the contact page's widget, {"ctx": "…"}. The page's embed.js
// context callback fetches it when the widget's session expires, so the
// widget carries on without a reload.
func (c *CRM) freshContext(w http.ResponseWriter, r *http.Request, t *tenant.Tenant, id string) {
	rec := c.record(t, id)
	if rec == nil {
		http.NotFound(w, r)
		return
	}
	ctx, err := c.sign(t, []wire.Record{toWire(*rec)})
	if err != nil {
		c.fail(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(map[string]string{"ctx": ctx})
}

func (c *CRM) contact(w http.ResponseWriter, r *http.Request, t *tenant.Tenant, id string) {
	rec := c.record(t, id)
	if rec == nil {
		http.NotFound(w, r)
		return
	}
	if t.Salesforce() != nil {
		c.salesforceContact(w, r, t, rec)
		return
	}
	if t.HubSpot() != nil {
		c.hubSpotContact(w, t, rec)
		return
	}
	if t.Dynamics() != nil {
		c.dynamicsContact(w, t, rec)
		return
	}
	ctx, err := c.sign(t, []wire.Record{toWire(*rec)})
	if err != nil {
		c.fail(w, err)
		return
	}
	c.render(w, "contact", map[string]any{
		"Tenant": t, "Tenants": c.tenantIDs(), "Contact": rec, "Viewer": Viewer, "Ctx": ctx,
		"EmbedJS": c.widgetURL + "/embed.js",
	})
}

// admin opens the tenant's admin console as the demo user with the admin
// role. The context is signed when the link is followed, not when the page
// was rendered: it is one-time and lives minutes.
func (c *CRM) admin(w http.ResponseWriter, r *http.Request, t *tenant.Tenant) {
	ctx, err := c.signAs(t, []wire.Record{toWire(c.contacts()[t.ID][0])}, []string{session.RoleAdmin})
	if err != nil {
		c.fail(w, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, c.widgetURL+"/admin/"+url.PathEscape(t.ID)+"?ctx="+url.QueryEscape(ctx), http.StatusFound)
}

func (c *CRM) sign(t *tenant.Tenant, records []wire.Record) (string, error) {
	return c.signAs(t, records, nil)
}

func (c *CRM) signAs(t *tenant.Tenant, records []wire.Record, roles []string) (string, error) {
	return session.SignContext(t, session.ContextClaims{Viewer: Viewer, Records: records, Roles: roles, Lifetime: 5 * time.Minute}, c.now())
}

func (c *CRM) tenantIDs() []string {
	var ids []string
	contacts := c.contacts()
	for _, t := range c.tenants.All() {
		if contacts[t.ID] != nil {
			ids = append(ids, t.ID)
		}
	}
	return ids
}

func (c *CRM) render(w http.ResponseWriter, name string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := pages.ExecuteTemplate(w, name, data); err != nil {
		c.logger.Error("demo crm render", "err", err.Error())
	}
}

func (c *CRM) fail(w http.ResponseWriter, err error) {
	c.logger.Error("demo crm", "err", err.Error())
	http.Error(w, "the demo CRM could not sign a context: "+err.Error(), http.StatusInternalServerError)
}

func toWire(r sandbox.Record) wire.Record {
	return wire.Record{ID: r.ID, Type: r.Type, FirstName: r.FirstName, LastName: r.LastName,
		Email: r.Email, Company: r.Company, Title: r.Title}
}

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"initials": func(r sandbox.Record) string {
		s := ""
		if r.FirstName != "" {
			s += r.FirstName[:1]
		}
		if r.LastName != "" {
			s += r.LastName[:1]
		}
		return strings.ToUpper(s)
	},
}).Parse(pageTemplates + dynamicsTemplates))
