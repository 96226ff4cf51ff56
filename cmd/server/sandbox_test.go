package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/store/postgres/pgtest"
)

// TestMain lets the tests run this test binary as the snapbridge command:
// with SNAPBRIDGE_TEST_RUN_MAIN=1 it is main, so the sub-commands run as
// real processes.
func TestMain(m *testing.M) {
	if os.Getenv("SNAPBRIDGE_TEST_RUN_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(pgtest.Main(m)) // stops the private PostgreSQL the migrate tests start
}

var standInURL = regexp.MustCompile(`LinkedIn stand-in (http://127\.0\.0\.1:\d+)`)

// startSandboxCommand runs `snapbridge sandbox <args>` as a process with
// data directory dir and returns it with the stand-in URL it printed once
// it listens.
func startSandboxCommand(t *testing.T, dir string, args ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"sandbox"}, args...)...)
	cmd.Env = append(os.Environ(), "SNAPBRIDGE_TEST_RUN_MAIN=1", "SNAPBRIDGE_DATA_DIR="+dir, "SNAPBRIDGE_CONFIG=")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		if m := standInURL.FindStringSubmatch(lines.Text()); m != nil {
			go io.Copy(io.Discard, out) // the rest of the banner
			return cmd, m[1]
		}
	}
	t.Fatalf("snapbridge sandbox printed no stand-in URL (%v)", lines.Err())
	return nil, ""
}

// stopCommand ends the process as an operator's Ctrl-C would and checks
// it stops cleanly.
func stopCommand(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("snapbridge sandbox stopped with: %v", err)
	}
}

func getJSON(t *testing.T, rawURL string, out any) int {
	t.Helper()
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatalf("GET %s: %v", rawURL, err)
		}
	}
	return resp.StatusCode
}

// `snapbridge sandbox` runs the stand-in on its own: it prints where it
// listens, serves the demo records, and a token it issued still works
// after it is restarted from its state file.
func TestSandboxCommandServesTheStandInAndKeepsItsTokens(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "grants.json")
	cmd, base := startSandboxCommand(t, dir, "--addr", "127.0.0.1:0", "--state", state)
	var records struct {
		ClientID   string `json:"clientId"`
		InstanceID string `json:"instanceId"`
		Records    []struct {
			ID       string `json:"id"`
			Expected string `json:"expected"`
		} `json:"records"`
	}
	if status := getJSON(t, base+"/_sandbox/records?tenant=demo", &records); status != http.StatusOK || len(records.Records) == 0 {
		t.Fatalf("demo records: status %d, %d records", status, len(records.Records))
	}
	var secrets struct {
		DemoClientSecret string `json:"demoClientSecret"`
	}
	raw, err := os.ReadFile(filepath.Join(dir, "secrets.json"))
	if err != nil || json.Unmarshal(raw, &secrets) != nil || secrets.DemoClientSecret == "" {
		t.Fatalf("the demo apps' secret is not kept in the data directory: %v", err)
	}
	resp, err := http.PostForm(base+"/oauth/v2/accessToken", url.Values{"grant_type": {"client_credentials"},
		"client_id": {records.ClientID}, "client_secret": {secrets.DemoClientSecret}})
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(tok.AccessToken, "sandbox-") {
		t.Fatalf("client credentials: %d", resp.StatusCode)
	}
	stopCommand(t, cmd)

	cmd, base = startSandboxCommand(t, dir, "--addr", "127.0.0.1:0", "--state", state)
	defer stopCommand(t, cmd)
	rec := records.Records[0]
	if rec.Expected != "matched" {
		t.Fatalf("the first demo record is %s, want matched", rec.Expected)
	}
	req, _ := http.NewRequest(http.MethodGet, base+"/v2/salesNavigatorProfileAssociations/(instanceId:"+
		records.InstanceID+",partner:MS,recordId:"+rec.ID+")", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	req.Header.Set("X-Restli-Protocol-Version", "2.0.0")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("the restarted stand-in answers %d to the token it issued, want 200: %s", resp.StatusCode, body)
	}
}
