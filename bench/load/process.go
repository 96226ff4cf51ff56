package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/snapbridge/snapbridge/internal/loopback"
)

// process is a child program (snapbridge serve or sandbox) run in a
// process group of its own, its output kept in a log file.
type process struct {
	name   string
	cmd    *exec.Cmd
	log    string
	exited chan struct{}
}

// startProcess runs bin with args, stdout and stderr going to
// <dir>/<name>.log. The child gets the environment without any
// SNAPBRIDGE_* variable (its configuration file is all it reads), a
// process group of its own (stop ends the whole group) and SIGKILL
// should this program die first.
func startProcess(dir, name, bin string, args ...string) (*process, error) {
	p := &process{name: name, log: filepath.Join(dir, name+".log"), exited: make(chan struct{})}
	out, err := os.Create(p.log)
	if err != nil {
		return nil, err
	}
	defer out.Close()
	p.cmd = exec.Command(bin, args...)
	p.cmd.Stdout, p.cmd.Stderr = out, out
	p.cmd.Env = cleanEnv()
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() { _ = p.cmd.Wait(); close(p.exited) }()
	return p, nil
}

// cleanEnv is this program's environment without SNAPBRIDGE_* variables,
// which would win over the configuration files written for the children.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SNAPBRIDGE_") {
			env = append(env, kv)
		}
	}
	return env
}

// waitReady polls url until it answers 200, the process exits or a
// minute passes; the error quotes the end of the process's log.
func (p *process) waitReady(ctx context.Context, url string) error {
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(time.Minute)
	for {
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-p.exited:
			return fmt.Errorf("%s exited before it was ready: %s", p.name, p.tail())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: %s did not answer 200 within a minute: %s", p.name, url, p.tail())
		}
	}
}

// stop sends SIGTERM to the process group and waits up to 20 s for a
// graceful exit, then kills the group.
func (p *process) stop() {
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(20 * time.Second):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.exited
	}
}

// tail is the last lines of the process's log.
func (p *process) tail() string {
	raw, _ := os.ReadFile(p.log)
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	if len(lines) > 8 {
		lines = lines[len(lines)-8:]
	}
	return strings.Join(lines, "\n")
}

// freeAddr returns a free loopback address for a child that must be told
// its address before it listens.
func freeAddr() (string, error) { return loopback.Addr() }
