package console

import (
	"io/fs"
	"net/http"

	"github.com/snapbridge/snapbridge/web"
)

// assetTypes are the content types of the console's two assets.
var assetTypes = map[string]string{
	"admin.js":  "text/javascript; charset=utf-8",
	"admin.css": "text/css; charset=utf-8",
}

// serveAsset serves admin.js or admin.css from the embedded web files.
// They are revalidated on every load: the URLs carry no build version.
func (c *Console) serveAsset(w http.ResponseWriter, r *http.Request, name string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		c.refuseMethod(w, r, "", "GET, HEAD")
		return
	}
	body, err := fs.ReadFile(web.Files, name)
	if err != nil {
		c.cfg.Logger.ErrorContext(r.Context(), "console asset missing from the build", "name", name, "err", err.Error())
		c.refuse(w, r, nil, http.StatusInternalServerError, "internal", "", "the console's files are missing from this build")
		return
	}
	h := w.Header()
	h.Set("Content-Type", assetTypes[name])
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write(body)
	}
}
