package webapp

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/snapbridge/snapbridge/internal/problem"
)

// Cache policies of static files.
const (
	cacheImmutable  = "public, max-age=31536000, immutable"
	cacheRevalidate = "no-cache"
	wasmName        = "app.wasm"
	wasmContentType = "application/wasm"
	maxAcceptEncHdr = 1024
)

// assets resolves and serves go-app's /web/… resources: the embedded
// static files and app.wasm from disk. It is the go-app ResourceResolver,
// and go-app hands it every /web/ request because it is an http.Handler.
type assets struct {
	files     fs.FS
	wasmDir   string
	version   string // URL segment, "/<version>/web/…"
	immutable bool   // a real build version: versioned URLs never change
}

// Resolve maps /web/x to /<version>/web/x so a new build gets new URLs;
// go-app strips the version segment before routing.
func (a *assets) Resolve(location string) string {
	switch {
	case location == "" || location == "/":
		return "/"
	case strings.HasPrefix(location, "https://"), strings.HasPrefix(location, "http://"):
		return location
	case location == "/web" || location == "web":
		return "/" + a.version + "/web"
	case strings.HasPrefix(location, "/web/"):
		return "/" + a.version + location
	case strings.HasPrefix(location, "web/"):
		return "/" + a.version + "/" + location
	default:
		return location
	}
}

// ServeHTTP serves one /web/ or /<version>/web/ file.
func (a *assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	versioned := strings.HasPrefix(p, "/"+a.version+"/")
	p = strings.TrimPrefix(p, "/"+a.version)
	name, ok := strings.CutPrefix(p, "/web/")
	if !ok || !fs.ValidPath(name) || name == "." {
		problem.Error(w, r, http.StatusNotFound, "not_found", "no such file")
		return
	}
	if versioned && a.immutable {
		w.Header().Set("Cache-Control", cacheImmutable)
	} else {
		w.Header().Set("Cache-Control", cacheRevalidate)
	}
	if name == wasmName {
		a.serveWasm(w, r)
		return
	}
	body, err := fs.ReadFile(a.files, name)
	if err != nil {
		problem.Error(w, r, http.StatusNotFound, "not_found", "no such file")
		return
	}
	ctype := mime.TypeByExtension(path.Ext(name))
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body) //nolint:errcheck // the client went away; nothing to do
	}
}

// wasmEncodings are the precompressed variants tried, best first.
var wasmEncodings = []struct{ token, suffix string }{
	{"br", ".br"},
	{"gzip", ".gz"},
}

// serveWasm serves app.wasm, precompressed when the browser accepts it and
// the build made the variant, always as application/wasm (required by
// WebAssembly.instantiateStreaming).
func (a *assets) serveWasm(w http.ResponseWriter, r *http.Request) {
	accept := r.Header.Get("Accept-Encoding")
	if len(accept) > maxAcceptEncHdr {
		accept = ""
	}
	w.Header().Add("Vary", "Accept-Encoding")
	for _, enc := range wasmEncodings {
		if !acceptsEncoding(accept, enc.token) {
			continue
		}
		f, err := os.Open(filepath.Join(a.wasmDir, wasmName+enc.suffix))
		if err != nil {
			continue
		}
		defer f.Close()
		w.Header().Set("Content-Encoding", enc.token)
		a.serveFile(w, r, f, enc.token)
		return
	}
	f, err := os.Open(filepath.Join(a.wasmDir, wasmName))
	if err != nil {
		problem.Error(w, r, http.StatusNotFound, "wasm_not_built", "the widget's WebAssembly binary has not been built")
		return
	}
	defer f.Close()
	a.serveFile(w, r, f, "identity")
}

func (a *assets) serveFile(w http.ResponseWriter, r *http.Request, f *os.File, enc string) {
	st, err := f.Stat()
	if err != nil {
		problem.Error(w, r, http.StatusInternalServerError, "wasm_unreadable", "the widget's WebAssembly binary cannot be read")
		return
	}
	w.Header().Set("Content-Type", wasmContentType)
	// Each encoding is its own representation: its own validator.
	w.Header().Set("ETag", fmt.Sprintf(`"%s-%s-%d"`, a.version, enc, st.Size()))
	http.ServeContent(w, r, "", st.ModTime(), f)
}

// contentHash is a hash of app.wasm and the embedded files, 12 hex
// digits, or "" when app.wasm has not been built: asset URLs carry it, so a
// new widget gets new URLs even under an unchanged version (a "-dirty"
// build, say) and browsers may keep every asset for a year.
func contentHash(files fs.FS, wasmDir string) string {
	f, err := os.Open(filepath.Join(wasmDir, wasmName))
	if err != nil {
		return ""
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return ""
	}
	_ = fs.WalkDir(files, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(files, name)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "\x00%s\x00%d\x00", name, len(b))
		h.Write(b)
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// wasmSize is the raw size of app.wasm for go-app's progress bar, or 0
// when it has not been built yet.
func (a *assets) wasmSize() int64 {
	st, err := os.Stat(filepath.Join(a.wasmDir, wasmName))
	if err != nil {
		return 0
	}
	return st.Size()
}

// acceptsEncoding reports whether an Accept-Encoding header allows token
// (explicitly or through "*"), honouring q=0 as a refusal.
func acceptsEncoding(header, token string) bool {
	allowed, wildcard := false, false
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		refused := qualityIsZero(params)
		switch name {
		case token:
			if refused {
				return false
			}
			allowed = true
		case "*":
			wildcard = !refused
		}
	}
	return allowed || wildcard
}

func qualityIsZero(params string) bool {
	for _, p := range strings.Split(params, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "q") {
			continue
		}
		q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		return err == nil && q == 0
	}
	return false
}

// readEmbedded returns an embedded file named in web's go:embed line.
// The go:embed directive fails the build when such a file is missing, so
// the panic can only mean the two lists drifted apart; the tests catch that.
func readEmbedded(files fs.FS, name string) []byte {
	b, err := fs.ReadFile(files, name)
	if err != nil {
		panic(errors.New("webapp: embedded file missing: " + name))
	}
	return b
}
