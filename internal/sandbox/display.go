package sandbox

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"
)

// displayView is what the Display Services stand-in page shows.
type displayView struct {
	Refusal  string // non-empty: not authorized, and why
	Viewer   string
	Member   *personView
	Searched string
	Results  []personView
}

type personView struct {
	Name, Headline, Initials, Profile, Photo string
}

// serveDisplay is the stand-in for LinkedIn's Display Services iframe
// (/sales/widget/profile-matching). It accepts only a live Sales Access
// Token issued to the apiKey's application, then shows the member matched
// to crmRecordId or, without a match, members whose names resemble the
// record's. Unlike every other LinkedIn page it must be frameable.
func (s *Sandbox) serveDisplay(w http.ResponseWriter, r *http.Request) {
	s.count("display.widget")
	if !allow(w, r, http.MethodGet) {
		return
	}
	q := r.URL.Query()
	view, status := s.displayView(r, q)
	renderHTML(w, status, displayPage, view)
}

func (s *Sandbox) displayView(r *http.Request, q url.Values) (displayView, int) {
	refuse := func(why string) (displayView, int) {
		return displayView{Refusal: why}, http.StatusUnauthorized
	}
	app, known := s.cat().apps[q.Get("apiKey")]
	if !known {
		return refuse("apiKey is not a registered application.")
	}
	sat := q.Get("sat")
	if sat == "" {
		return refuse("no Sales Access Token (sat) was given.")
	}
	g, found := s.lookup(salesTokens, sat)
	switch {
	case !found:
		return refuse("the Sales Access Token is not valid.")
	case !g.live(s.now()):
		return refuse("the Sales Access Token has expired.")
	case g.clientID != app.ClientID:
		return refuse("the Sales Access Token was issued to another application.")
	}
	view := displayView{Viewer: s.cat().members[g.memberID].Name}
	base := s.baseURL(r)
	if rec, in := findRecord(app, q.Get("crmOrgId"), q.Get("crmRecordId")); rec != nil {
		if out := in.expected(rec); out == OutcomeMatched || out == OutcomeNoPhoto {
			if p, ok := s.cat().members[rec.MemberID]; ok {
				pv := viewOf(p, base)
				view.Member = &pv
				return view, http.StatusOK
			}
		}
	}
	first, last := q.Get("firstName"), q.Get("lastName")
	view.Searched = strings.TrimSpace(first + " " + last)
	for _, p := range s.search(first, last, 5) {
		view.Results = append(view.Results, viewOf(p, base))
	}
	return view, http.StatusOK
}

// findRecord looks for the record in the instance named by crmOrgId, or in
// any of the app's instances when none has that id.
func findRecord(app *App, orgID, recordID string) (*Record, *Instance) {
	if recordID == "" {
		return nil, nil
	}
	for i := range app.Instances {
		if in := &app.Instances[i]; in.InstanceID == orgID {
			return in.record(recordID), in
		}
	}
	for i := range app.Instances {
		if rec := app.Instances[i].record(recordID); rec != nil {
			return rec, &app.Instances[i]
		}
	}
	return nil, nil
}

func viewOf(p person, base string) personView {
	v := personView{Name: p.Name, Headline: p.Headline, Initials: initials(p.Name),
		Profile: base + "/sales/people/" + url.PathEscape(p.ID)}
	if p.Photo {
		v.Photo = base + "/media/" + url.PathEscape(p.ID) + ".png"
	}
	return v
}

func initials(name string) string {
	var b strings.Builder
	for _, f := range strings.Fields(name) {
		if b.Len() < 2 {
			b.WriteString(strings.ToUpper(string([]rune(f)[:1])))
		}
	}
	return b.String()
}

var displayPage = template.Must(template.New("display").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Sales Navigator (stand-in)</title>
<style>
*{box-sizing:border-box}
html,body{margin:0;height:100%}
body{font:13px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2226;background:#fff;max-width:300px;max-height:336px;overflow:auto}
header{background:#0a66c2;color:#fff;font-weight:600;padding:8px 12px;font-size:14px}
section{padding:10px 12px}
.person{display:flex;gap:10px;align-items:center;padding:6px 0}
.avatar{width:56px;height:56px;border-radius:50%;flex:none;object-fit:cover}
.small .avatar{width:36px;height:36px}
.initials{display:flex;align-items:center;justify-content:center;background:#d0e2f5;color:#0a66c2;font-weight:700}
.name{font-weight:600;font-size:15px}
.headline{color:#555}
a{color:#0a66c2}
.viewer{color:#666;font-size:12px;border-top:1px solid #e6e6e6;padding:6px 12px}
.refused{color:#98040a;background:#fde8e8;border-radius:4px;padding:8px 10px}
ul{list-style:none;margin:0;padding:0}
</style></head>
<body><header>Sales Navigator (stand-in)</header>
{{if .Refusal}}<section><p class="refused" data-testid="sn-refused" role="alert">Not authorized: {{.Refusal}}</p></section>
{{else if .Member}}{{with .Member}}<section data-testid="sn-member"><div class="person">
{{if .Photo}}<img class="avatar" src="{{.Photo}}" alt="">{{else}}<span class="avatar initials" aria-hidden="true">{{.Initials}}</span>{{end}}
<div><div class="name">{{.Name}}</div><div class="headline">{{.Headline}}</div>
<a href="{{.Profile}}" target="_blank" rel="noopener">View profile</a></div></div></section>{{end}}
<div class="viewer">Signed in as {{.Viewer}}</div>
{{else}}<section data-testid="sn-search"><p>No CRM Sync match{{if .Searched}} for <strong>{{.Searched}}</strong>{{end}}.
{{if .Results}}Members with similar names:</p>
<ul class="small">{{range .Results}}<li class="person">
{{if .Photo}}<img class="avatar" src="{{.Photo}}" alt="">{{else}}<span class="avatar initials" aria-hidden="true">{{.Initials}}</span>{{end}}
<div><a class="name" href="{{.Profile}}" target="_blank" rel="noopener">{{.Name}}</a><div class="headline">{{.Headline}}</div></div></li>
{{end}}</ul>{{else}}No member with a similar name was found.</p>{{end}}</section>
<div class="viewer">Signed in as {{.Viewer}}</div>
{{end}}</body></html>
`))
