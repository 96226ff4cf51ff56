// Package redistest starts private Redis servers for tests: the Debian
// redis-server on a free 127.0.0.1 port, in a temporary directory, with
// nothing persisted, stopped when the test ends. Without redis-server the
// test is skipped, unless CI is set: CI must never skip silently.
// Programs that are not tests (bench/load) start one with StartServer.
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

	"github.com/snapbridge/snapbridge/internal/loopback"
)

// Server is a private redis-server.
type Server struct {
	// URL is redis://127.0.0.1:<port>/0.
	URL  string
	t    testing.TB // nil when started by StartServer
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
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{t: t, port: port, dir: t.TempDir()}
	s.URL = fmt.Sprintf("redis://127.0.0.1:%d/0", s.port)
	s.Restart()
	t.Cleanup(s.Stop)
	return s
}

// StartServer starts a redis-server outside a test, keeping its log in
// dir (which the caller removes), and waits until it answers PING. The
// caller stops it with Stop. An error says why it could not start
// (redis-server missing, no free port, no PING within 10s).
func StartServer(dir string) (*Server, error) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		return nil, fmt.Errorf("redis-server is not installed (make services-deps installs it): %w", err)
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &Server{port: port, dir: dir, URL: fmt.Sprintf("redis://127.0.0.1:%d/0", port)}
	if err := s.start(); err != nil {
		return nil, err
	}
	return s, nil
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
	if err := s.start(); err != nil {
		s.t.Fatal(err)
	}
}

// start starts the server on its port, unless it runs, and waits until it
// answers PING.
func (s *Server) start() error {
	if s.cmd != nil {
		return nil
	}
	cmd := exec.Command("redis-server", "--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", s.dir)
	log, err := os.Create(s.dir + "/redis.log")
	if err != nil {
		return err
	}
	defer log.Close()
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start redis-server: %w", err)
	}
	s.cmd = cmd
	deadline := time.Now().Add(10 * time.Second)
	for !s.pings() {
		if time.Now().After(deadline) {
			out, _ := os.ReadFile(s.dir + "/redis.log")
			s.Stop()
			return fmt.Errorf("redis-server on port %d did not answer PING within 10s:\n%s", s.port, out)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return nil
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

func freePort() (int, error) { return loopback.Port() }
