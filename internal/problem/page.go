package problem

import (
	"crypto/sha256"
	"encoding/base64"
	"html/template"
	"net/http"
)

// pageData is what the error page renders. Only Code and RequestID come
// from the request's handling (both ours); nothing of the request's URL,
// headers or body is shown.
type pageData struct {
	Title, Text, Code, RequestID string
}

// pageStyle is the page's only style, inline so that the page needs no
// other request (it must render in a CRM iframe even when our static files
// are what is broken). It reads at 300 px wide: no fixed widths, long codes wrap.
const pageStyle = `:root{color-scheme:light dark;--bg:#f3f5f8;--panel:#fff;--line:#d9dfe7;--text:#18222d;--muted:#5a6878}
@media (prefers-color-scheme:dark){:root{--bg:#10151b;--panel:#18202a;--line:#2c3844;--text:#e4e9ef;--muted:#9aa8b6}}
*{box-sizing:border-box}
body{margin:0;padding:12px;min-height:100vh;display:grid;place-items:center;font:14px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;background:var(--bg);color:var(--text)}
main{width:100%;max-width:520px;background:var(--panel);border:1px solid var(--line);border-radius:8px;padding:16px 20px}
.brand{margin:0;color:var(--muted)}
h1{font-size:18px;margin:4px 0 8px}
.ref{margin:12px 0 0;color:var(--muted);font-size:12px;overflow-wrap:anywhere}
code{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace}`

// styleHash is the CSP source that allows pageStyle and nothing else.
var styleHash = func() string {
	sum := sha256.Sum256([]byte(pageStyle))
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}()

var page = template.Must(template.New("problem").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark"><meta name="robots" content="noindex">
<title>{{.Title}} · snapbridge</title>
<style>` + pageStyle + `</style></head>
<body><main>
<p class="brand">snapbridge</p>
<h1>{{.Title}}</h1>
<p>{{.Text}}</p>
<p class="ref">Error code <code>{{.Code}}</code>{{if .RequestID}} · reference <code>{{.RequestID}}</code>{{end}}</p>
</main></body></html>
`))

// explain gives the page's heading and text for an error code, falling
// back to its status class.
func explain(status int, code string) (title, text string) {
	const tellAdmin = " If it keeps happening, tell your CRM administrator and quote the error code and reference below."
	switch code {
	case "unknown_tenant":
		return "This CRM is not set up for snapbridge yet",
			"The snapbridge link in this CRM names a set-up that does not exist. Tell your CRM administrator, with the error code below."
	case "not_found":
		return "There is nothing here",
			"This snapbridge address does not exist. If a link in your CRM led here, tell your CRM administrator."
	case "method_not_allowed":
		return "This page cannot be opened this way",
			"This snapbridge address does not answer this kind of request. If your CRM sent it, tell your CRM administrator."
	}
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return "You are not signed in here", "Reload the CRM page to open snapbridge again." + tellAdmin
	case status == http.StatusTooManyRequests:
		return "Too many requests right now", "Wait a minute, then reload the page." + tellAdmin
	case status >= 500:
		return "Something went wrong on our side", "Reload the page in a moment." + tellAdmin
	default:
		return "This request could not be served", "Reload the CRM page and try again." + tellAdmin
	}
}
