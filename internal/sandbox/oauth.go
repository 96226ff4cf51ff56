package sandbox

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// authRequest is a validated OAuth authorization request.
type authRequest struct {
	app                        *App
	redirectURI, state         string
	scopes                     []string
	challenge, challengeMethod string
}

// maxFormBytes bounds form bodies on the OAuth endpoints.
const maxFormBytes = 64 << 10

// challengePattern is an S256 PKCE challenge: base64url of 32 bytes.
var challengePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)

// serveAuthorization shows the consent page (GET) or records the
// member's decision (POST) and sends the browser back to the app.
func (s *Sandbox) serveAuthorization(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		s.count("oauth.authorize")
		req, ok := s.authorizationRequest(w, r, r.URL.Query())
		if ok {
			s.renderConsent(w, http.StatusOK, req, "")
		}
	case http.MethodPost:
		s.count("oauth.consent")
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if err := r.ParseForm(); err != nil {
			renderErrorPage(w, http.StatusBadRequest, "The form could not be read.")
			return
		}
		req, ok := s.authorizationRequest(w, r, r.PostForm)
		if ok {
			s.decide(w, r, req)
		}
	default:
		allow(w, r, http.MethodGet, http.MethodPost)
	}
}

// authorizationRequest validates the request. A bad client or redirect URI
// gets an error page, never a redirect (an open redirector otherwise);
// other mistakes go back to the app as OAuth errors. It reports false
// once it has answered.
func (s *Sandbox) authorizationRequest(w http.ResponseWriter, r *http.Request, q url.Values) (authRequest, bool) {
	app, known := s.cat().apps[q.Get("client_id")]
	if !known {
		renderErrorPage(w, http.StatusBadRequest, "The client_id is not a registered LinkedIn application.")
		return authRequest{}, false
	}
	req := authRequest{app: app, redirectURI: q.Get("redirect_uri"), state: q.Get("state"),
		scopes: splitScopes(q.Get("scope")), challenge: q.Get("code_challenge"),
		challengeMethod: q.Get("code_challenge_method")}
	if !app.allowsRedirect(req.redirectURI) {
		renderErrorPage(w, http.StatusBadRequest,
			"The redirect_uri does not match the registered value for this application.")
		return authRequest{}, false
	}
	fail := func(code, description string) (authRequest, bool) {
		redirectBack(w, r, req, url.Values{"error": {code}, "error_description": {description}})
		return authRequest{}, false
	}
	if q.Get("response_type") != "code" {
		return fail("unsupported_response_type", "response_type must be code")
	}
	if len(req.scopes) == 0 {
		return fail("invalid_scope", "scope is required")
	}
	for _, sc := range req.scopes {
		if !app.hasScope(sc) {
			return fail("unauthorized_scope_error", fmt.Sprintf("Scope %q is not authorized for your application", sc))
		}
	}
	if req.challenge != "" || req.challengeMethod != "" {
		if req.challengeMethod != "S256" {
			return fail("invalid_request", "code_challenge_method must be S256")
		}
		if !challengePattern.MatchString(req.challenge) {
			return fail("invalid_request", "code_challenge must be the base64url SHA-256 of the code_verifier")
		}
	}
	return req, true
}

// decide turns the member's choice into a code or a cancellation.
func (s *Sandbox) decide(w http.ResponseWriter, r *http.Request, req authRequest) {
	switch r.PostForm.Get("decision") {
	case "deny":
		redirectBack(w, r, req, url.Values{"error": {"user_cancelled_authorize"},
			"error_description": {"The user cancelled the authorization"}})
	case "allow":
		member := r.PostForm.Get("member")
		if !slices.ContainsFunc(s.cfg.Members, func(m Member) bool { return m.ID == member }) {
			s.renderConsent(w, http.StatusBadRequest, req, "Choose the member who signs in.")
			return
		}
		code := s.issue(authCodes, prefixCode, grant{
			clientID: req.app.ClientID, memberID: member, scopes: req.scopes,
			expires: s.now().Add(CodeLifetime), redirectURI: req.redirectURI, challenge: req.challenge,
		})
		redirectBack(w, r, req, url.Values{"code": {code}})
	default:
		s.renderConsent(w, http.StatusBadRequest, req, "Choose Allow or Deny.")
	}
}

// redirectBack sends the browser to the app's redirect URI with params and
// the state, keeping any query the registered URI already has.
func redirectBack(w http.ResponseWriter, r *http.Request, req authRequest, params url.Values) {
	u, err := url.Parse(req.redirectURI)
	if err != nil {
		renderErrorPage(w, http.StatusBadRequest, "The registered redirect_uri is not a valid URL.")
		return
	}
	q := u.Query()
	for k, v := range params {
		q[k] = v
	}
	if req.state != "" {
		q.Set("state", req.state)
	}
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// splitScopes reads LinkedIn's scope list, space- or comma-separated.
func splitScopes(s string) []string {
	var out []string
	for _, sc := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' }) {
		if !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	return out
}

type hiddenField struct{ Name, Value string }

// renderConsent shows the consent form. Like LinkedIn's, it refuses to be
// framed, so apps must open it in a popup or a full page.
func (s *Sandbox) renderConsent(w http.ResponseWriter, status int, req authRequest, problem string) {
	var hidden []hiddenField
	add := func(name, value string) {
		if value != "" {
			hidden = append(hidden, hiddenField{name, value})
		}
	}
	add("response_type", "code")
	add("client_id", req.app.ClientID)
	add("redirect_uri", req.redirectURI)
	add("state", req.state)
	add("scope", strings.Join(req.scopes, " "))
	add("code_challenge", req.challenge)
	add("code_challenge_method", req.challengeMethod)
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Content-Security-Policy", "frame-ancestors 'none'")
	renderHTML(w, status, consentPage, map[string]any{
		"App": req.app.Name, "Scopes": req.scopes, "Hidden": hidden,
		"Members": s.cfg.Members, "Problem": problem,
	})
}

func renderErrorPage(w http.ResponseWriter, status int, message string) {
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Content-Security-Policy", "frame-ancestors 'none'")
	renderHTML(w, status, errorPage, map[string]any{"Message": message})
}

// pageStyle is shared by the stand-in's full pages.
const pageStyle = `body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f3f2ef;color:#1d2226}
header{background:#0a66c2;color:#fff;padding:12px 20px;font-weight:600}
main{max-width:520px;margin:24px auto;background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.15);padding:20px 24px}
h1{font-size:20px;margin:0 0 12px}
.problem{background:#fde8e8;color:#98040a;padding:8px 12px;border-radius:4px}
fieldset{border:1px solid #d0d0d0;border-radius:6px;margin:16px 0;padding:8px 12px}
label.member{display:flex;gap:10px;align-items:baseline;padding:6px 0;cursor:pointer}
label.member small{color:#666}
.buttons{display:flex;gap:12px;justify-content:flex-end}
button{font:inherit;font-weight:600;border-radius:20px;padding:6px 18px;cursor:pointer}
button.allow{background:#0a66c2;border:1px solid #0a66c2;color:#fff}
button.deny{background:#fff;border:1px solid #666;color:#444}`

var consentPage = template.Must(template.New("consent").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Sign in with LinkedIn (stand-in)</title><style>` + pageStyle + `</style></head>
<body><header>LinkedIn (stand-in)</header>
<main>
<h1>{{.App}} would like to access your LinkedIn account</h1>
{{if .Problem}}<p class="problem" role="alert">{{.Problem}}</p>{{end}}
<p>It asks for these permissions:</p>
<ul>{{range .Scopes}}<li><code>{{.}}</code></li>{{end}}</ul>
<form method="post" action="">
{{range .Hidden}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">
{{end}}<fieldset><legend>Sign in as</legend>
{{range $i, $m := .Members}}<label class="member"><input type="radio" name="member" value="{{$m.ID}}"{{if eq $i 0}} checked{{end}}>
<span><strong>{{$m.Name}}</strong><br><small>{{$m.Headline}}</small></span></label>
{{end}}</fieldset>
<div class="buttons"><button class="deny" name="decision" value="deny">Deny</button>
<button class="allow" name="decision" value="allow">Allow</button></div>
</form></main></body></html>
`))

var errorPage = template.Must(template.New("error").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>LinkedIn (stand-in): error</title><style>` + pageStyle + `</style></head>
<body><header>LinkedIn (stand-in)</header>
<main><h1>This request cannot be completed</h1><p class="problem" role="alert">{{.Message}}</p></main></body></html>
`))

// renderHTML executes t into memory first, so a template failure becomes
// a clean error page instead of half an answer.
func renderHTML(w http.ResponseWriter, status int, t *template.Template, data any) {
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		status = http.StatusInternalServerError
		b.Reset()
		b.WriteString("<!doctype html><title>error</title><p>The page could not be rendered.</p>")
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}
