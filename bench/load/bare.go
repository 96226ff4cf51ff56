package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// answer is what the product answered a request during the warm-up: what
// the bare side answers, byte for byte.
type answer struct {
	// Method and Path are the request's; the bare server serves Path only.
	Method string `json:"method"`
	Path   string `json:"path"`
	// Status, ContentType and Body are the product's answer.
	Status      int    `json:"status"`
	ContentType string `json:"contentType"`
	Body        []byte `json:"body"`
}

// captureAnswer sends t's request once (with body, for a target of body
// files) and keeps the answer, which must have status want.
func captureAnswer(ctx context.Context, client *http.Client, t target, body string, want int) (answer, error) {
	u, err := url.Parse(t.URL)
	if err != nil {
		return answer{}, err
	}
	method := t.Method
	if method == "" {
		method = "GET"
	}
	if body == "" {
		body = t.Body
	}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, t.URL, rd)
	if err != nil {
		return answer{}, err
	}
	for k, v := range t.Headers {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return answer{}, err
	}
	if resp.StatusCode != want {
		return answer{}, fmt.Errorf("%s %s: status %d, want %d: %.300s", method, u.Path, resp.StatusCode, want, raw)
	}
	return answer{Method: method, Path: u.Path, Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Body: raw}, nil
}

// bareHandler is the baseline of a pair: Gin in release mode, no
// middleware, one route answering a's bytes with a's status and
// Content-Type, and GET /readyz (200, empty) to tell it is up.
func bareHandler(a answer) http.Handler {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Handle(a.Method, a.Path, func(c *gin.Context) { c.Data(a.Status, a.ContentType, a.Body) })
	if a.Path != "/readyz" {
		r.GET("/readyz", func(c *gin.Context) { c.Status(http.StatusOK) })
	}
	return r
}

// serveBare is the bare server's process (-serve-bare): it serves the
// answer in the file answerFile on addr until SIGTERM.
func serveBare(ctx context.Context, answerFile, addr string) error {
	raw, err := os.ReadFile(answerFile)
	if err != nil {
		return err
	}
	var a answer
	if err := json.Unmarshal(raw, &a); err != nil {
		return fmt.Errorf("%s: %w", answerFile, err)
	}
	srv := &http.Server{Addr: addr, Handler: bareHandler(a), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shut)
	}()
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// startBare runs the bare server for a as a process of its own (this
// program again, with -serve-bare), as the product runs in one: its own
// scheduler, garbage collector and threads, sharing the machine the same
// way. It returns the process (stop it) and its base URL.
func startBare(ctx context.Context, dir, name string, a answer) (*process, string, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, "", err
	}
	raw, err := json.Marshal(a)
	if err != nil {
		return nil, "", err
	}
	file := filepath.Join(dir, name+".json")
	if err := os.WriteFile(file, raw, 0o600); err != nil {
		return nil, "", err
	}
	var p *process
	var base string
	err = retryOnPortRace(func() error {
		addr, err := freeAddr()
		if err != nil {
			return err
		}
		if p, err = startProcess(dir, name, self, "-serve-bare", file, "-addr", addr); err != nil {
			return err
		}
		base = "http://" + addr
		if err := p.waitReady(ctx, base+"/readyz"); err != nil {
			p.stop()
			return err
		}
		return nil
	})
	return p, base, err
}

// sameAnswer says how b differs from a, or "" when they are the same
// status, Content-Type and bytes.
func sameAnswer(a, b answer) string {
	switch {
	case a.Status != b.Status:
		return fmt.Sprintf("status %d vs %d", a.Status, b.Status)
	case a.ContentType != b.ContentType:
		return fmt.Sprintf("Content-Type %q vs %q", a.ContentType, b.ContentType)
	case !bytes.Equal(a.Body, b.Body):
		return fmt.Sprintf("bodies of %d and %d bytes differ", len(a.Body), len(b.Body))
	}
	return ""
}
