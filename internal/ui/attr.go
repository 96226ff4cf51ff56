package ui

import (
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// attr makes s safe to hand to go-app as an attribute value.
//
// go-app v10's server-side encoder writes attribute values with
// strconv.Quote instead of HTML-escaping them, so a `"` in CRM data would
// end the attribute early and let the data add attributes of its own
// (onmouseover=…) to the prerendered page. Character references pass
// through strconv.Quote untouched and the browser decodes them back to the
// original text. In the browser go-app sets attributes through the DOM,
// which needs no escaping.
func attr(s string) string {
	if app.IsClient {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '"':
			b.WriteString("&#34;")
		case r == '\\':
			b.WriteString("&#92;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case !strconv.IsPrint(r):
			// strconv.Quote would write a Go escape the browser shows
			// verbatim; a space is what the reader expects instead.
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
