package sandbox

import (
	"crypto/rand"
	"net/http"
	"strings"
	"time"
)

// downloadsPath is where export files are served, like LinkedIn's signed
// media links: whoever holds the URL may fetch it until it expires.
const downloadsPath = "/_sandbox/downloads/"

// download is one minted link to an export file.
type download struct {
	name    string // the file name offered to the browser
	body    []byte // CSV, shared with the job: never modified
	expires time.Time
}

// mintDownload stores a new link to body valid for lifetime and returns
// its absolute URL and expiry. The caller holds the lock. Tokens do not
// start with "sandbox-" (the prefix of issued secrets) on purpose: an
// admin console may show the link, and leak checks must not trip on it.
func (s *Sandbox) mintDownload(base, name string, body []byte, lifetime time.Duration) (string, time.Time) {
	now := s.now()
	if len(s.platform.downloads) >= sweepAbove {
		for k, d := range s.platform.downloads {
			if !now.Before(d.expires) {
				delete(s.platform.downloads, k)
			}
		}
	}
	token := "dl-" + strings.ToLower(rand.Text())
	expires := now.Add(lifetime)
	s.platform.downloads[token] = download{name: name, body: body, expires: expires}
	return base + downloadsPath + token + ".csv", expires
}

// serveDownload is GET /_sandbox/downloads/<token>.csv: the export file
// while the link lives, 410 once it expired, 404 for a link never minted.
func (s *Sandbox) serveDownload(w http.ResponseWriter, r *http.Request) {
	s.count("downloads")
	if !allow(w, r, http.MethodGet, http.MethodHead) {
		return
	}
	token, isCSV := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, downloadsPath), ".csv")
	s.mu.Lock()
	d, known := s.platform.downloads[token]
	s.mu.Unlock()
	switch {
	case !isCSV || !known:
		writeAPIError(w, apiError{Status: http.StatusNotFound, Message: "No export file at this link"})
		return
	case !s.now().Before(d.expires):
		writeAPIError(w, apiError{Status: http.StatusGone,
			Message: "This download link expired at " + d.expires.UTC().Format(time.RFC3339) +
				"; fetch the export job again for a fresh link"})
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+d.name+`"`)
	w.Header().Set("Cache-Control", "private, no-store")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write(d.body)
	}
}
