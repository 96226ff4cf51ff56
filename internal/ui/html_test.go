//go:build !js

package ui

import (
	"strings"
	"testing"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"golang.org/x/net/html"
)

// rendered is a component's prerendered HTML parsed the way a browser
// parses it, so tests see what a seller (or an attacker) would see.
type rendered struct {
	root *html.Node
	raw  string
}

// render mounts c in go-app's test engine (which acts as the server) and
// parses its HTML.
func render(t *testing.T, c app.Composer) rendered {
	t.Helper()
	e := app.NewTestEngine()
	if err := e.Load(c); err != nil {
		t.Fatalf("load component: %v", err)
	}
	e.ConsumeAll()
	return parseHTML(t, app.HTMLString(c))
}

func parseHTML(t *testing.T, s string) rendered {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(s))
	if err != nil {
		t.Fatalf("parse html: %v", err)
	}
	return rendered{root: doc, raw: s}
}

// text is the visible text with whitespace collapsed.
func (r rendered) text() string {
	var b strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && (n.Data == "script" || n.Data == "style") {
			return
		}
		if n.Type == html.ElementNode && hasAttr(n, "hidden") {
			return
		}
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
			b.WriteByte(' ')
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(r.root)
	return strings.Join(strings.Fields(b.String()), " ")
}

// all returns the elements with tag (and class, when not "").
func (r rendered) all(tag, class string) []*html.Node {
	var out []*html.Node
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == tag &&
			(class == "" || strings.Contains(" "+attrOf(n, "class")+" ", " "+class+" ")) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(r.root)
	return out
}

func (r rendered) one(t *testing.T, tag, class string) *html.Node {
	t.Helper()
	els := r.all(tag, class)
	if len(els) != 1 {
		t.Fatalf("want one <%s class=%q>, got %d in:\n%s", tag, class, len(els), r.raw)
	}
	return els[0]
}

// attrNames lists every attribute name in the document.
func (r rendered) attrNames() map[string]bool {
	names := map[string]bool{}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		for _, a := range n.Attr {
			names[a.Key] = true
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(r.root)
	return names
}

func attrOf(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

func hasClass(n *html.Node, class string) bool {
	return strings.Contains(" "+attrOf(n, "class")+" ", " "+class+" ")
}

// textOf is n's text with whitespace collapsed.
func textOf(n *html.Node) string {
	return parseHTMLNode(n).text()
}

func parseHTMLNode(n *html.Node) rendered { return rendered{root: n} }
