package sandbox

import (
	"html/template"
	"net/http"
	"strings"
)

// serveProfile is a member's Sales Navigator profile page,
// /sales/people/<id>: name, headline and photo (when public).
func (s *Sandbox) serveProfile(w http.ResponseWriter, r *http.Request) {
	s.count("sales.profile")
	if !allow(w, r, http.MethodGet) {
		return
	}
	id := strings.TrimPrefix(r.URL.Path, "/sales/people/")
	p, known := s.cat().members[id]
	if !known {
		renderHTML(w, http.StatusNotFound, errorPage, map[string]any{"Message": "This profile is not available."})
		return
	}
	renderHTML(w, http.StatusOK, profilePage, viewOf(p, s.baseURL(r)))
}

var profilePage = template.Must(template.New("profile").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{{.Name}} | Sales Navigator (stand-in)</title><style>` + pageStyle + `
.person{display:flex;gap:20px;align-items:center}
.avatar{width:120px;height:120px;border-radius:50%;object-fit:cover}
.initials{display:flex;align-items:center;justify-content:center;background:#d0e2f5;color:#0a66c2;font-size:40px;font-weight:700}
</style></head>
<body><header>Sales Navigator (stand-in)</header>
<main><div class="person" data-testid="sn-profile">
{{if .Photo}}<img class="avatar" src="{{.Photo}}" alt="Photo of {{.Name}}">{{else}}<span class="avatar initials" aria-hidden="true">{{.Initials}}</span>{{end}}
<div><h1>{{.Name}}</h1><p>{{.Headline}}</p></div></div></main></body></html>
`))
