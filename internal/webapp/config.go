// Package webapp serves the widget: go-app's pages (prerendered through
// internal/ui), its scripts and styles, the WebAssembly binary from disk
// and embed.js for CRM pages. It is the server half of the widget; the
// browser half is cmd/wasm.
package webapp

import "strings"

// Config is what Handler needs to serve the widget.
type Config struct {
	// Version identifies the build (e.g. `git describe --always --dirty`,
	// set with -ldflags -X at build time). Asset URLs carry it followed by
	// a hash of app.wasm and the embedded files, and are then cached for a
	// year (immutable). Default "": "dev"; the URLs then carry only the
	// hash, and without a built app.wasm assets are revalidated on every
	// load.
	Version string
	// WasmDir is the directory holding app.wasm, and app.wasm.br and
	// app.wasm.gz when the build made them. Default: "var/build/web".
	WasmDir string
	// Title is the widget page's title. Default: "LinkedIn Sales Navigator".
	Title string
}

// Defaults of Config.
const (
	DefaultVersion = "dev"
	DefaultWasmDir = "var/build/web"
	DefaultTitle   = "LinkedIn Sales Navigator"
)

func (c Config) withDefaults() Config {
	c.Version = strings.TrimSpace(c.Version)
	if c.WasmDir == "" {
		c.WasmDir = DefaultWasmDir
	}
	if c.Title == "" {
		c.Title = DefaultTitle
	}
	return c
}

// versionSegment is the URL path segment of the assets: the version, then
// the content hash of the assets when there is one (see contentHash). A
// version with characters unsafe in a path (from a careless -X) still
// gives a valid URL.
func (c Config) versionSegment(hash string) string {
	v := c.Version
	if v == "" {
		v = DefaultVersion
		if hash != "" {
			return hash
		}
	}
	if hash != "" {
		v += "-" + hash
	}
	var b strings.Builder
	for _, r := range v {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}
