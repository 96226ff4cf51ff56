// Package problem writes snapbridge's error answers. Every 4xx and 5xx the
// server sends goes through Write: API calls get the JSON body
// {"error":{"code","message"}}, browser navigations to a page (the widget
// in a CRM iframe, the admin console, the operator page, the connect popup)
// get a small HTML page that says what is wrong, whom to tell, and the code
// and request id to quote. Go's and Gin's plain-text defaults never reach a
// client. Which service error becomes which status and code is decided
// elsewhere (internal/httpapi/errors.go); this package only writes it.
package problem

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/snapbridge/snapbridge/internal/wire"
)

// Answer is one error answer.
type Answer struct {
	// Status is the HTTP status. Required.
	Status int
	// Detail is the JSON error body; Detail.Code is also shown on the page.
	Detail wire.ErrorDetail
	// Title and Text are what the page says, in words a seller or CRM admin
	// can act on. Default: the text known for Detail.Code, else for Status.
	Title, Text string
	// Frame lists the origins that may frame the page. Default: what
	// WithFrame put on the request, else none.
	Frame []string
}

// AnyFrame lets any site frame an error page. Use it only where a page
// must show in a CRM iframe whose origin is unknown (an unknown tenant):
// the page carries no input of the request but its error code and our
// request id, and no control to click, so a site framing it can neither
// put words in our mouth nor trick a click.
var AnyFrame = []string{"*"}

type frameKey struct{}

// WithFrame returns r carrying the origins that may frame an error page
// written for it; handlers that know the tenant set it for those that do not.
func WithFrame(r *http.Request, origins []string) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), frameKey{}, origins))
}

func frameOf(r *http.Request) []string {
	origins, _ := r.Context().Value(frameKey{}).([]string)
	return origins
}

// IsNavigation reports whether r is a browser loading a page (a top-level
// document or an iframe), as opposed to a script's or a program's call.
// Fetch metadata decides when the browser sent it; older clients are
// judged by Accept: text/html.
func IsNavigation(r *http.Request) bool {
	mode, dest := r.Header.Get("Sec-Fetch-Mode"), r.Header.Get("Sec-Fetch-Dest")
	switch {
	case mode == "navigate", dest == "document", dest == "iframe", dest == "frame":
		return true
	case mode != "" || dest != "":
		return false
	default:
		return strings.Contains(r.Header.Get("Accept"), "text/html")
	}
}

// Error writes the error answer with this status, code and message: the
// JSON body, or the error page for a browser navigation.
func Error(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	Write(w, r, Answer{Status: status, Detail: wire.ErrorDetail{Code: code, Message: message}})
}

// Write writes a as the HTML page when r is a navigation outside /api/,
// else as the JSON body. HEAD gets the headers only. The request id shown
// on the page is the X-Request-Id already set on w.
func Write(w http.ResponseWriter, r *http.Request, a Answer) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Del("ETag")
	h.Del("Content-Length")
	if IsNavigation(r) && !strings.HasPrefix(r.URL.Path, "/api/") {
		writePage(w, r, a)
		return
	}
	h.Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(a.Status)
	if r.Method != http.MethodHead {
		_ = json.NewEncoder(w).Encode(wire.Error{Error: a.Detail})
	}
}

// writePage writes the error page with the headers every page carries.
func writePage(w http.ResponseWriter, r *http.Request, a Answer) {
	frame := a.Frame
	if frame == nil {
		frame = frameOf(r)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", pageCSP(frame))
	if len(frame) == 0 {
		h.Set("X-Frame-Options", "DENY")
	} else {
		h.Del("X-Frame-Options")
	}
	title, text := a.Title, a.Text
	if title == "" || text == "" {
		dt, dx := explain(a.Status, a.Detail.Code)
		if title == "" {
			title = dt
		}
		if text == "" {
			text = dx
		}
	}
	var b strings.Builder
	err := page.Execute(&b, pageData{Title: title, Text: text, Code: a.Detail.Code, RequestID: h.Get("X-Request-Id")})
	if err != nil {
		// The template is a constant and its data plain strings: this
		// cannot happen short of a broken build. Still answer the status.
		w.WriteHeader(a.Status)
		return
	}
	w.WriteHeader(a.Status)
	if r.Method != http.MethodHead {
		_, _ = w.Write([]byte(b.String()))
	}
}

// pageCSP allows nothing but the page's own inline style (by hash) and the
// given framing.
func pageCSP(frame []string) string {
	ancestors := "'none'"
	if len(frame) > 0 {
		ancestors = strings.Join(frame, " ")
	}
	return "default-src 'none'; style-src '" + styleHash + "'; base-uri 'none'; form-action 'none'; frame-ancestors " + ancestors
}
