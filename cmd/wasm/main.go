// Command wasm is the snapbridge widget compiled to WebAssembly: it
// registers the widget routes and hands the page to go-app.
package main

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"github.com/snapbridge/snapbridge/internal/ui"
)

func main() {
	ui.Routes()
	app.RunWhenOnBrowser()
}
