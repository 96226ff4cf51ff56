// Package web embeds the widget's static files: its stylesheet, icon, the
// storage shim, the script that lets Connect work before the WebAssembly
// runs (widget-early.js), the no-op service worker and embed.js for CRM pages. The
// WebAssembly binary is a build output and is served from disk instead.
// admin.js and admin.css are the tenant admin console's, operator.js the
// operator page's (both internal/console).
package web

import "embed"

// Files holds the static files, at their names in this directory.
//
//go:embed widget.css icon.svg storage-shim.js widget-early.js app-worker.js embed.js admin.js admin.css operator.js
var Files embed.FS
