package server_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/config"
	"github.com/snapbridge/snapbridge/internal/sandbox"
	"github.com/snapbridge/snapbridge/internal/server"
	"github.com/snapbridge/snapbridge/internal/store"
)

// TestComplianceArchiveOutlastsTheWriteTimeout: an archive that takes
// longer to download than the server's WriteTimeout arrives complete,
// while an ordinary answer (the widget's wasm file) is still cut off at
// the WriteTimeout.
//
// Both bodies are far larger than what the loopback connection can
// buffer, and the client stops reading for three WriteTimeouts after the
// first bytes: the server's last writes can only happen after that pause,
// so they come after the WriteTimeout however fast or slow the machine is.
func TestComplianceArchiveOutlastsTheWriteTimeout(t *testing.T) {
	const (
		writeTimeout = 200 * time.Millisecond
		pause        = 3 * writeTimeout
		events       = 1000
		bodySize     = 12 << 20 // far beyond the 4 MB a socket may buffer
	)
	li := startLinkedIn(t, "http://127.0.0.1:0/oauth/linkedin/callback")
	dataDir := t.TempDir()
	wasmDir := filepath.Join(dataDir, "build", "web")
	if err := os.MkdirAll(wasmDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(wasmDir, "app.wasm"), make([]byte, bodySize), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := startWithWriteTimeout(t, li, dataDir, writeTimeout)

	padding := strings.Repeat("x", bodySize/events)
	rows := make([]store.ComplianceEventRow, events)
	at := time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC)
	for i := range rows {
		rows[i] = store.ComplianceEventRow{Tenant: "demo", Viewer: "crm-user-70", ID: fmt.Sprintf("urn:li:event:%d", i),
			ProcessedAt: at.Add(time.Duration(i) * time.Second), ArchivedAt: at.Add(time.Hour),
			Raw: []byte(`{"resourceName":"messages","method":"CREATE","body":"` + padding + `"}`)}
	}
	if _, err := srv.DB.ArchiveComplianceEvents(context.Background(), "demo", "crm-user-70", rows, at); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		scenario, path string
		wantLines      int // -1: the download is cut off
	}{
		{"the compliance archive streams for as long as the client reads",
			"/api/v1/admin/tenants/demo/compliance/archive?viewer=crm-user-70&from=2026-01-01&to=2026-02-01", events},
		{"an ordinary answer is still bounded by the WriteTimeout", "/web/app.wasm", -1},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			lines, err := slowDownload(srv.URL+tc.path, testOperatorKey, pause)
			if tc.wantLines < 0 {
				if err == nil {
					t.Fatalf("a download outlasting the WriteTimeout completed (%d lines)", lines)
				}
				return
			}
			if err != nil || lines != tc.wantLines {
				t.Fatalf("downloaded %d of %d lines: %v", lines, tc.wantLines, err)
			}
		})
	}
}

// slowDownload GETs url through a fixed receive buffer, reads the first
// line (or 64 KB), stops reading for pause, then counts the lines. The error
// is the transfer's: a body cut short says so.
func slowDownload(url, token string, pause time.Duration) (int, error) {
	tr := &http.Transport{
		DisableCompression: true,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			conn, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err == nil {
				err = conn.(*net.TCPConn).SetReadBuffer(256 << 10)
			}
			return conn, err
		},
	}
	defer tr.CloseIdleConnections()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := (&http.Client{Transport: tr, Timeout: time.Minute}).Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("status %d", resp.StatusCode)
	}
	r := bufio.NewReaderSize(resp.Body, 64<<10)
	lines := 0
	for {
		line, err := r.ReadSlice('\n')
		if pause > 0 {
			<-time.After(pause) // the time that passes is what is tested
			pause = 0
		}
		if err == bufio.ErrBufferFull {
			continue // a line longer than the buffer (the wasm file)
		}
		if len(line) > 0 && err == nil {
			lines++
		}
		if err == io.EOF {
			return lines, nil
		}
		if err != nil {
			return lines, err
		}
	}
}

// startWithWriteTimeout starts snapbridge with the demo tenants against
// li and the given WriteTimeout.
func startWithWriteTimeout(t *testing.T, li *linkedIn, dataDir string, writeTimeout time.Duration) *server.Server {
	t.Helper()
	cfg := config.Defaults()
	cfg.Addr, cfg.DataDir, cfg.WriteTimeout = "127.0.0.1:0", dataDir, writeTimeout
	useTestDatabase(t, &cfg)
	cfg.LinkedIn.APIBase, cfg.LinkedIn.RestBase = li.URL+"/v2", li.URL+"/rest"
	cfg.LinkedIn.AuthURL, cfg.LinkedIn.TokenURL = li.URL+"/oauth/v2/authorization", li.URL+"/oauth/v2/accessToken"
	cfg.LinkedIn.DisplayURL = li.URL + "/sales/widget/profile-matching"
	cfg.Secrets, cfg.OperatorKey = testSecrets, testOperatorKey
	cfg.ShutdownGrace = 5 * time.Second
	cfg.Tenants = sandbox.DemoTenants(li.opts, li.URL)
	srv, err := server.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("start server: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("server stopped with: %v", err)
		}
	})
	return srv
}
