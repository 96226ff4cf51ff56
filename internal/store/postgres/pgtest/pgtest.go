// Package pgtest gives tests a private PostgreSQL server: started once per
// test binary on a free 127.0.0.1 port in a temporary directory (initdb
// and postgres from /usr/lib/postgresql/*/bin, run as the unprivileged
// "postgres" user through runuser when the tests run as root, since
// PostgreSQL refuses to run as root), with durability switched off for
// speed, and stopped when the package's tests end (Main). Each test gets
// a fresh, empty schema of its own (URL), reached through the server's
// Unix socket.
//
// When PostgreSQL is not installed the tests that need it are skipped,
// unless CI=true, where they fail: `make test` installs it. Programs that
// are not tests (bench/load) start a server of their own with StartServer.
package pgtest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/snapbridge/snapbridge/internal/loopback"
)

// server is the package's private PostgreSQL, once started.
type server struct {
	dir    string // temporary directory: data/, sock/, log
	bin    string // directory holding initdb, postgres, pg_ctl
	port   int
	asUser bool // run through runuser -u postgres
	proc   *exec.Cmd
	exited chan struct{}
}

var (
	once     sync.Once
	shared   *server
	startErr error
	schemas  atomic.Int64
)

// Main runs the package's tests (m.Run) and then stops the private
// server if a test started one. Call it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
func Main(m *testing.M) int {
	code := m.Run()
	if shared != nil {
		if err := shared.stop(); err != nil {
			fmt.Fprintf(os.Stderr, "pgtest: stop PostgreSQL: %v\n", err)
		}
	}
	return code
}

// URL returns the URL of a fresh, empty schema on the private server (its
// search_path names the schema, so everything the test creates lands
// there). It starts the server on first use. When PostgreSQL is not
// installed the test is skipped, or fails when CI=true.
func URL(t testing.TB) string {
	t.Helper()
	once.Do(func() { shared, startErr = start() })
	if startErr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL: %v", startErr)
		}
		t.Skipf("PostgreSQL is not available (%v); `make services-deps` installs it", startErr)
	}
	u, err := shared.newSchema()
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// Server is a private PostgreSQL server started by StartServer, apart
// from the one URL shares with the tests of a package.
type Server struct{ s *server }

// StartServer starts a private PostgreSQL server as URL does, for a
// program that is not a test; the caller stops it with Stop. An error says
// why it could not start (PostgreSQL not installed, no postgres user when
// run as root, no connection within a minute).
func StartServer() (*Server, error) {
	s, err := start()
	if err != nil {
		return nil, err
	}
	return &Server{s: s}, nil
}

// NewSchema returns the URL of a fresh, empty schema on the server, as URL
// does for a test.
func (s *Server) NewSchema() (string, error) { return s.s.newSchema() }

// Stop shuts the server down and removes its directory.
func (s *Server) Stop() error { return s.s.stop() }

// newSchema creates a schema of a name unique to this process and returns
// the URL whose search_path names it.
func (s *server) newSchema() (string, error) {
	name := fmt.Sprintf("t%d_%d", os.Getpid(), schemas.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.url(""))
	if err != nil {
		return "", fmt.Errorf("connect to the private PostgreSQL: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE SCHEMA `+name); err != nil {
		return "", fmt.Errorf("create schema %s: %w", name, err)
	}
	return s.url(name), nil
}

// Available reports whether a private server runs or can be started.
func Available() bool {
	once.Do(func() { shared, startErr = start() })
	return startErr == nil
}

// url connects through the server's Unix socket: the tests' many
// connections then take no ephemeral TCP ports, which the servers under
// test pick their free ports from.
func (s *server) url(schema string) string {
	u := fmt.Sprintf("postgres://postgres@/postgres?host=%s&port=%d&sslmode=disable", s.path("sock"), s.port)
	if schema != "" {
		u += "&search_path=" + schema
	}
	return u
}

// binDir finds the newest /usr/lib/postgresql/*/bin with initdb and
// postgres, else the directory of initdb on PATH.
func binDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if executable(filepath.Join(d, "initdb")) && executable(filepath.Join(d, "postgres")) {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", fmt.Errorf("initdb and postgres not found in /usr/lib/postgresql/*/bin or on PATH")
}

func version(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

func executable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode()&0o111 != 0
}

func start() (*server, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	s := &server{bin: bin, asUser: os.Geteuid() == 0}
	if s.dir, err = os.MkdirTemp("", "snapbridge-pg-"); err != nil {
		return nil, err
	}
	if s.asUser {
		if _, err := exec.LookPath("runuser"); err != nil {
			return nil, fmt.Errorf("running as root needs runuser: %w", err)
		}
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("running as root needs the postgres user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(s.dir, uid, gid); err != nil {
			return nil, err
		}
	}
	if out, err := s.command("initdb", "-D", s.path("data"), "-U", "postgres", "-A", "trust",
		"-E", "UTF8", "--locale=C", "--no-sync").CombinedOutput(); err != nil {
		os.RemoveAll(s.dir)
		return nil, fmt.Errorf("initdb: %v: %s", err, lastLines(string(out)))
	}
	if err := os.Mkdir(s.path("sock"), 0o700); err != nil {
		os.RemoveAll(s.dir)
		return nil, err
	}
	if s.asUser {
		_ = exec.Command("chown", "postgres:", s.path("sock")).Run()
	}
	// A free port can be taken between looking and listening: try again.
	for attempt := 0; ; attempt++ {
		if err = s.run(); err == nil {
			return s, nil
		}
		if attempt == 2 {
			os.RemoveAll(s.dir)
			return nil, err
		}
	}
}

func (s *server) path(name string) string { return filepath.Join(s.dir, name) }

// command runs a PostgreSQL program, as the postgres user when root.
func (s *server) command(program string, args ...string) *exec.Cmd {
	name, full := filepath.Join(s.bin, program), args
	if s.asUser {
		name, full = "runuser", append([]string{"-u", "postgres", "--", filepath.Join(s.bin, program)}, args...)
	}
	cmd := exec.Command(name, full...)
	cmd.Dir = s.dir
	env := []string{"LC_ALL=C"}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") && !strings.HasPrefix(kv, "LC_") {
			env = append(env, kv)
		}
	}
	cmd.Env = env
	return cmd
}

// run starts postgres on a free port and waits until it accepts
// connections.
func (s *server) run() error {
	port, err := loopback.Port()
	if err != nil {
		return err
	}
	s.port = port
	logFile, err := os.Create(s.path("log"))
	if err != nil {
		return err
	}
	defer logFile.Close()
	s.proc = s.command("postgres", "-D", s.path("data"),
		"-c", "listen_addresses=127.0.0.1", "-p", strconv.Itoa(s.port), "-k", s.path("sock"),
		"-c", "fsync=off", "-c", "full_page_writes=off", "-c", "synchronous_commit=off",
		"-c", "max_connections=300", "-c", "shared_buffers=32MB")
	s.proc.Stdout, s.proc.Stderr = logFile, logFile
	// If the test binary dies without stopping it, the server goes too.
	s.proc.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := s.proc.Start(); err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	s.exited = make(chan struct{})
	go func() { s.proc.Wait(); close(s.exited) }() //nolint:errcheck // the log says why
	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case <-s.exited:
			raw, _ := os.ReadFile(s.path("log"))
			return fmt.Errorf("postgres exited: %s", lastLines(string(raw)))
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		conn, err := pgx.Connect(ctx, s.url(""))
		if err == nil {
			conn.Close(ctx)
			cancel()
			return nil
		}
		cancel()
		if time.Now().After(deadline) {
			s.stop()
			return fmt.Errorf("postgres did not accept connections within a minute: %v", err)
		}
		select {
		case <-s.exited:
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// stop shuts the server down (fast: open sessions are ended) and removes
// its directory.
func (s *server) stop() error {
	defer os.RemoveAll(s.dir)
	if s.proc == nil || s.proc.Process == nil {
		return nil
	}
	out, err := s.command("pg_ctl", "stop", "-D", s.path("data"), "-m", "fast", "-w", "-t", "30").CombinedOutput()
	if err != nil {
		_ = syscall.Kill(-s.proc.Process.Pid, syscall.SIGKILL)
	}
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		_ = syscall.Kill(-s.proc.Process.Pid, syscall.SIGKILL)
		<-s.exited
	}
	if err != nil {
		return fmt.Errorf("pg_ctl stop: %v: %s", err, lastLines(string(out)))
	}
	return nil
}

func lastLines(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > 5 {
		lines = lines[len(lines)-5:]
	}
	return strings.Join(lines, " | ")
}
