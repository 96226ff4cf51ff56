package server_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/wire"
)

// TestOversizedBodyIsRefusedBeforeItIsSent speaks raw HTTP/1.1, as a
// client that announces its body and waits for "100 Continue" does: a
// body over the limit is refused at once with 413 (not a go-ahead and a
// wait for the read timeout), on every route; a small one is let in.
func TestOversizedBodyIsRefusedBeforeItIsSent(t *testing.T) {
	p := startBoth(t, nil)
	sessionBody, err := json.Marshal(wire.SessionRequest{Ctx: p.signedContext("demo", "crm-user-limit", p.demoRecords("demo", "matched")[0])})
	must(t, err)
	for _, tc := range []struct {
		scenario string
		head     string
		status   int
	}{
		{"a large body announced to the session endpoint", "POST /api/v1/sessions HTTP/1.1\r\nContent-Type: application/json\r\n" +
			"Content-Length: 10000000\r\nExpect: 100-continue\r\n", http.StatusRequestEntityTooLarge},
		{"a large body announced to a route that reads none", "GET /healthz HTTP/1.1\r\n" +
			"Content-Length: 10000000\r\nExpect: 100-continue\r\n", http.StatusRequestEntityTooLarge},
		{"a large body announced to an unknown path", "POST /api/v1/nothing HTTP/1.1\r\nContent-Type: application/json\r\n" +
			"Content-Length: 10000000\r\nExpect: 100-continue\r\n", http.StatusRequestEntityTooLarge},
		{"a small body announced to the session endpoint", "POST /api/v1/sessions HTTP/1.1\r\nContent-Type: application/json\r\n" +
			fmt.Sprintf("Content-Length: %d\r\nExpect: 100-continue\r\n", len(sessionBody)), http.StatusCreated},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			conn, rd := dialRaw(t, p)
			_, err := io.WriteString(conn, tc.head+"Host: "+p.addr+"\r\n\r\n")
			must(t, err)
			resp, err := http.ReadResponse(rd, nil)
			if err != nil {
				t.Fatalf("no answer before sending the body: %v", err)
			}
			if tc.status != http.StatusRequestEntityTooLarge {
				if resp.StatusCode != http.StatusContinue {
					t.Fatalf("status %d, want 100 Continue", resp.StatusCode)
				}
				_, err = conn.Write(sessionBody)
				must(t, err)
				if resp, err = http.ReadResponse(rd, nil); err != nil {
					t.Fatal(err)
				}
			}
			checkAnswer(t, resp, tc.status)
		})
	}
}

// TestOversizedChunkedBodyIsRefused sends a body of unannounced length
// (chunked) larger than the limit.
func TestOversizedChunkedBodyIsRefused(t *testing.T) {
	p := startBoth(t, nil)
	conn, rd := dialRaw(t, p)
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		w := bufio.NewWriter(conn)
		fmt.Fprintf(w, "POST /api/v1/sessions HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n", p.addr)
		chunk := strings.Repeat("a", 8<<10)
		fmt.Fprintf(w, "%x\r\n{\"ctx\":\"\r\n", len(`{"ctx":"`))
		// The server may stop reading and close once it has seen enough.
		for range 32 {
			if _, err := fmt.Fprintf(w, "%x\r\n%s\r\n", len(chunk), chunk); err != nil {
				return
			}
		}
		fmt.Fprint(w, "2\r\n\"}\r\n0\r\n\r\n")
		w.Flush()
	}()
	resp, err := http.ReadResponse(rd, nil)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	checkAnswer(t, resp, http.StatusRequestEntityTooLarge)
	conn.Close()
	<-sent
}

// dialRaw opens a connection to the API server; reads give up after ten
// seconds so that a server waiting for a body fails the test rather than
// hanging it (the server's own read timeout is 30 seconds).
func dialRaw(t *testing.T, p *product) (net.Conn, *bufio.Reader) {
	t.Helper()
	conn, err := net.Dial("tcp", p.addr)
	must(t, err)
	t.Cleanup(func() { conn.Close() })
	must(t, conn.SetReadDeadline(time.Now().Add(10*time.Second)))
	return conn, bufio.NewReader(conn)
}

// checkAnswer checks the status and, for a 413, that the answer is the
// JSON error and the server will not wait for the rest of the body.
func checkAnswer(t *testing.T, resp *http.Response, status int) {
	t.Helper()
	raw, err := io.ReadAll(resp.Body)
	must(t, err)
	if resp.StatusCode != status {
		t.Fatalf("status %d, want %d: %s", resp.StatusCode, status, raw)
	}
	if status != http.StatusRequestEntityTooLarge {
		return
	}
	var e wire.Error
	if err := json.Unmarshal(raw, &e); err != nil || e.Error.Code != "body_too_large" {
		t.Errorf("answer %s, want the JSON error body_too_large", raw)
	}
	if !resp.Close {
		t.Errorf("the answer keeps the connection open (Connection: %q)", resp.Header.Get("Connection"))
	}
}
