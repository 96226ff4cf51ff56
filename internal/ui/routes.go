package ui

import (
	"regexp"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// widgetPathPattern matches /w/{tenant}/card and /w/{tenant}/list; the
// tenant id syntax is the one internal/tenant accepts.
var widgetPathPattern = regexp.MustCompile(`^/w/([a-z0-9][a-z0-9-]{0,62})/(card|list)$`)

// Routes registers the widget pages with go-app's global route table. Both
// the server and the WebAssembly main call it, so they agree on which
// component renders which path.
func Routes() {
	app.RouteWithRegexp(widgetPathPattern.String(), app.NewZeroComponentFactory(&Widget{}))
}

// parseWidgetPath returns the tenant and mode named by a widget page path.
func parseWidgetPath(path string) (tenant, mode string, ok bool) {
	m := widgetPathPattern.FindStringSubmatch(path)
	if m == nil {
		return "", "", false
	}
	return m[1], m[2], true
}

func errorDetail(code, message string) *wire.ErrorDetail {
	return &wire.ErrorDetail{Code: code, Message: message}
}

// IsPage reports whether path is a widget page (/w/{tenant}/card or
// /w/{tenant}/list), so a server can tell pages from unknown paths
// without asking go-app.
func IsPage(path string) bool {
	_, _, ok := parseWidgetPath(path)
	return ok
}
