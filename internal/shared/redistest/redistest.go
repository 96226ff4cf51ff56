// Package redistest starts private Redis servers for tests: the Debian
// redis-server on a free 127.0.0.1 port, in a temporary directory, with
// nothing persisted, stopped when the test ends. Without redis-server the
// test is skipped, unless CI is set: CI must never skip silently.
package redistest

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Server is a private redis-server.
type Server struct {
	// URL is redis://127.0.0.1:<port>/0.
	URL  string
	t    testing.TB
	port int
	dir  string
	cmd  *exec.Cmd
}

// Start starts a redis-server for t and stops it in t.Cleanup.
func Start(t testing.TB) *Server {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("redis-server is not installed (make services-deps installs it); CI must not skip the Redis tests")
		}
		t.Skip("redis-server is not installed: run make services-deps (apt-get install redis-server)")
	}
	s := &Server{t: t, port: freePort(t), dir: t.TempDir()}
	s.URL = fmt.Sprintf("redis://127.0.0.1:%d/0", s.port)
	s.Restart()
	t.Cleanup(s.Stop)
	return s
}

// Stop stops the server (a test of Redis going away); Restart starts it
// again on the same port, empty.
func (s *Server) Stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

// Restart starts the server on its port and waits until it answers PING.
func (s *Server) Restart() {
	s.t.Helper()
	if s.cmd != nil {
		return
	}
	cmd := exec.Command("redis-server", "--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", s.dir)
	log, err := os.Create(s.dir + "/redis.log")
	if err != nil {
		s.t.Fatal(err)
	}
	defer log.Close()
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("start redis-server: %v", err)
	}
	s.cmd = cmd
	deadline := time.Now().Add(10 * time.Second)
	for !s.pings() {
		if time.Now().After(deadline) {
			out, _ := os.ReadFile(s.dir + "/redis.log")
			s.Stop()
			s.t.Fatalf("redis-server on port %d did not answer PING within 10s:\n%s", s.port, out)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// pings sends one PING in the wire protocol and expects +PONG.
func (s *Server) pings() bool {
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", s.port), time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && strings.TrimSpace(line) == "+PONG"
}

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
