package server_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/snapbridge/snapbridge/internal/config"
	"github.com/snapbridge/snapbridge/internal/server"
)

// TestServerOutsideSandboxStartsOnlyWithConfiguredKeys: outside --sandbox
// the server never writes its keys next to the database; it starts with
// keys from the environment or from mounted files, and otherwise says
// which settings are missing and how to make them.
func TestServerOutsideSandboxStartsOnlyWithConfiguredKeys(t *testing.T) {
	li := startLinkedIn(t, "http://127.0.0.1:0/oauth/linkedin/callback")
	encryptionKey, sessionKey := config.NewEncryptionKey("k1"), config.NewSessionKey()
	writeFile := func(t *testing.T, name, content string) string {
		path := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	for _, tc := range []struct {
		scenario string
		env      func(t *testing.T) map[string]string
		want     []string // substrings of the start error; none: it starts
	}{
		{
			scenario: "no keys",
			env:      func(*testing.T) map[string]string { return nil },
			want:     []string{"SNAPBRIDGE_ENCRYPTION_KEYS", "SNAPBRIDGE_SESSION_KEY", "`snapbridge keys generate`", "`snapbridge keys generate --session`"},
		},
		{
			scenario: "only an encryption key",
			env: func(*testing.T) map[string]string {
				return map[string]string{"SNAPBRIDGE_ENCRYPTION_KEYS": encryptionKey}
			},
			want: []string{"SNAPBRIDGE_SESSION_KEY", "`snapbridge keys generate --session`"},
		},
		{
			scenario: "keys in the environment",
			env: func(*testing.T) map[string]string {
				return map[string]string{"SNAPBRIDGE_ENCRYPTION_KEYS": encryptionKey, "SNAPBRIDGE_SESSION_KEY": sessionKey}
			},
		},
		{
			scenario: "a key list written with spaces after the commas",
			env: func(*testing.T) map[string]string {
				return map[string]string{"SNAPBRIDGE_ENCRYPTION_KEYS": encryptionKey + ", " + config.NewEncryptionKey("k0") + " ",
					"SNAPBRIDGE_SESSION_KEY": sessionKey}
			},
		},
		{
			scenario: "keys in mounted files",
			env: func(t *testing.T) map[string]string {
				return map[string]string{
					"SNAPBRIDGE_ENCRYPTION_KEYS_FILE": writeFile(t, "encryption-keys", encryptionKey+"\n"+config.NewEncryptionKey("k0")+"\n"),
					"SNAPBRIDGE_SESSION_KEY_FILE":     writeFile(t, "session-key", sessionKey+"\n"),
				}
			},
		},
		{
			scenario: "an encryption key file with bad content",
			env: func(t *testing.T) map[string]string {
				return map[string]string{
					"SNAPBRIDGE_ENCRYPTION_KEYS_FILE": writeFile(t, "bad-encryption-keys", "k1:not-base64!\n"),
					"SNAPBRIDGE_SESSION_KEY":          sessionKey,
				}
			},
			want: []string{"bad-encryption-keys", "`snapbridge keys generate`"},
		},
		{
			scenario: "a session key file with bad content",
			env: func(t *testing.T) map[string]string {
				return map[string]string{
					"SNAPBRIDGE_ENCRYPTION_KEYS":  encryptionKey,
					"SNAPBRIDGE_SESSION_KEY_FILE": writeFile(t, "bad-session-key", "c2hvcnQ=\n"),
				}
			},
			want: []string{"bad-session-key", "`snapbridge keys generate --session`"},
		},
		{
			scenario: "a key set both inline and as a file",
			env: func(t *testing.T) map[string]string {
				return map[string]string{
					"SNAPBRIDGE_ENCRYPTION_KEYS":      encryptionKey,
					"SNAPBRIDGE_ENCRYPTION_KEYS_FILE": writeFile(t, "encryption-keys", encryptionKey),
					"SNAPBRIDGE_SESSION_KEY":          sessionKey,
				}
			},
			want: []string{"encryptionKeysFile", "not both"},
		},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			env := tc.env(t)
			cfg, err := config.Load("", func(k string) string { return env[k] })
			if err != nil {
				t.Fatal(err)
			}
			dataDir := t.TempDir()
			cfg.Addr, cfg.DataDir, cfg.OperatorKey = "127.0.0.1:0", dataDir, testOperatorKey
			useTestDatabase(t, &cfg)
			cfg.LinkedIn.APIBase, cfg.LinkedIn.RestBase = li.URL+"/v2", li.URL+"/rest"
			cfg.LinkedIn.AuthURL, cfg.LinkedIn.TokenURL = li.URL+"/oauth/v2/authorization", li.URL+"/oauth/v2/accessToken"
			cfg.LinkedIn.DisplayURL = li.URL + "/sales/widget/profile-matching"
			srv, err := server.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err == nil {
				stopNow(t, srv)
			}
			if len(tc.want) == 0 && err != nil {
				t.Fatalf("the server did not start: %v", err)
			}
			if len(tc.want) > 0 {
				if err == nil {
					t.Fatal("the server started without usable keys")
				}
				for _, w := range tc.want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("start error %q does not name %s", err, w)
					}
				}
				for _, secret := range []string{encryptionKey, sessionKey} {
					if strings.Contains(err.Error(), secret) {
						t.Errorf("start error repeats a key: %q", err)
					}
				}
			}
			if _, err := os.Stat(filepath.Join(dataDir, "secrets.json")); !os.IsNotExist(err) {
				t.Errorf("keys were written into the data directory (%v)", err)
			}
		})
	}
}

// stopNow serves srv with a context already cancelled: it shuts down at
// once and closes its database.
func stopNow(t *testing.T, srv *server.Server) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := srv.Serve(ctx); err != nil {
		t.Errorf("stop: %v", err)
	}
}
