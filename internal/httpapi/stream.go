package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// streamChunkTimeout bounds writing each chunk of a streamed download.
// The server's WriteTimeout bounds every other answer as a whole; a
// compliance archive may take far longer than that to download, so it is
// bounded per chunk instead: a client that stops reading is still cut off.
const streamChunkTimeout = 30 * time.Second

// streamWriter writes a streamed answer, extending the connection's write
// deadline by streamChunkTimeout before each chunk.
type streamWriter struct {
	w  http.ResponseWriter
	rc *http.ResponseController
}

func newStreamWriter(w http.ResponseWriter) *streamWriter {
	return &streamWriter{w: w, rc: http.NewResponseController(w)}
}

// Write extends the write deadline, then writes p.
func (s *streamWriter) Write(p []byte) (int, error) {
	// ErrNotSupported: a writer without a connection (a test recorder)
	// has no deadline to extend.
	if err := s.rc.SetWriteDeadline(time.Now().Add(streamChunkTimeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return 0, fmt.Errorf("extend write deadline: %w", err)
	}
	return s.w.Write(p)
}
