package config

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/snapbridge/snapbridge/internal/keyring"
)

// secretsFile is where sandbox mode keeps the secrets it generates, so
// restarts keep decrypting stored tokens and honouring live widget
// sessions.
const secretsFile = "secrets.json"

// EnsureSecrets completes the server's secrets. It first reads the key
// files (Secrets.EncryptionKeysFile, Secrets.SessionKeyFile). Outside
// sandbox mode the encryption keys and the session key must then be
// configured: a data directory holding both the ciphertext and its key
// would hand both to whoever gets a backup of it, and an ephemeral one
// would lose every secret on restart. In sandbox mode every unset secret
// is filled from <DataDir>/secrets.json, generating and saving (mode
// 0600) the ones that file lacks too. Configured secrets are never
// written there.
func (c *Config) EnsureSecrets(now time.Time) error {
	if err := c.readSecretFiles(); err != nil {
		return err
	}
	if !c.Sandbox.Enabled {
		return c.requireSecrets()
	}
	return c.generateSecrets(now)
}

// EnsureEncryptionKeys completes only the encryption keys, for commands
// that open stored secrets without serving (context sign). It reads the
// key files; in sandbox mode it fills every unset secret as EnsureSecrets
// does. Outside sandbox mode, encryption keys that are not configured are
// read from the secrets.json a sandbox run generated, in the data
// directory or else next to the SQLite database (a database a `make run`
// created, signed for with --db and no --sandbox); nothing is generated or
// written, and the session key is not needed. Call FinishDatabase first.
// It reports whether encryption keys are known.
func (c *Config) EnsureEncryptionKeys(now time.Time) (bool, error) {
	if err := c.readSecretFiles(); err != nil {
		return false, err
	}
	if c.Sandbox.Enabled {
		if err := c.generateSecrets(now); err != nil {
			return false, err
		}
	}
	if len(c.Secrets.EncryptionKeys) > 0 {
		return true, nil
	}
	dirs := []string{c.DataDir}
	if !c.Database.IsPostgres() && c.DB != "" {
		dirs = append(dirs, filepath.Dir(c.DB))
	}
	for _, dir := range dirs {
		raw, err := os.ReadFile(filepath.Join(dir, secretsFile))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return false, fmt.Errorf("read secrets: %w", err)
		}
		var stored Secrets
		if err := json.Unmarshal(raw, &stored); err != nil {
			return false, fmt.Errorf("%s: %w", filepath.Join(dir, secretsFile), err)
		}
		if len(stored.EncryptionKeys) > 0 {
			c.Secrets.EncryptionKeys = stored.EncryptionKeys
			return true, nil
		}
	}
	return false, nil
}

// requireSecrets refuses to run outside sandbox mode without configured
// keys, saying which are missing and how to make them.
func (c *Config) requireSecrets() error {
	var missing []string
	if len(c.Secrets.EncryptionKeys) == 0 {
		missing = append(missing, "the encryption keys: set SNAPBRIDGE_ENCRYPTION_KEYS (or SNAPBRIDGE_ENCRYPTION_KEYS_FILE, "+
			"secrets.encryptionKeys, secrets.encryptionKeysFile) to a line printed by `snapbridge keys generate`")
	}
	if c.Secrets.SessionKey == "" {
		missing = append(missing, "the session key: set SNAPBRIDGE_SESSION_KEY (or SNAPBRIDGE_SESSION_KEY_FILE, "+
			"secrets.sessionKey, secrets.sessionKeyFile) to the line printed by `snapbridge keys generate --session`")
	}
	if len(missing) == 0 {
		return nil
	}
	msg := "secrets: outside --sandbox snapbridge does not generate its keys; configure " + strings.Join(missing, "; and ") +
		". Keep them in a secret store, apart from the data directory and its backups"
	if _, err := os.Stat(filepath.Join(c.DataDir, secretsFile)); err == nil {
		msg += fmt.Sprintf(". %s holds the keys an earlier version generated: move its encryptionKeys and sessionKey there, then delete it",
			filepath.Join(c.DataDir, secretsFile))
	}
	return errors.New(msg)
}

// readSecretFiles reads the key files into Secrets; a file and an inline
// value for the same key are refused rather than one silently winning.
func (c *Config) readSecretFiles() error {
	if f := c.Secrets.EncryptionKeysFile; f != "" {
		if len(c.Secrets.EncryptionKeys) > 0 {
			return fmt.Errorf("secrets: set encryptionKeys or encryptionKeysFile (%s), not both", f)
		}
		keys, err := readEncryptionKeys(f)
		if err != nil {
			return err
		}
		c.Secrets.EncryptionKeys = keys
	}
	if f := c.Secrets.SessionKeyFile; f != "" {
		if c.Secrets.SessionKey != "" {
			return fmt.Errorf("secrets: set sessionKey or sessionKeyFile (%s), not both", f)
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("secrets.sessionKeyFile: %w", err)
		}
		key := strings.TrimSpace(string(raw))
		if _, err := decodeSessionKey(key); err != nil {
			return fmt.Errorf("secrets.sessionKeyFile %s: %w (make one with `snapbridge keys generate --session`)", f, err)
		}
		c.Secrets.SessionKey = key
	}
	return nil
}

// readEncryptionKeys reads a key ring file: entries one per line or
// comma-separated, newest first; blank lines are skipped. Errors name the
// file and the entry, never the secret.
func readEncryptionKeys(path string) ([]string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("secrets.encryptionKeysFile: %w", err)
	}
	var keys []string
	for _, e := range strings.FieldsFunc(string(raw), func(r rune) bool { return r == '\n' || r == '\r' || r == ',' }) {
		if e = strings.TrimSpace(e); e == "" {
			continue
		}
		if _, err := keyring.ParseKey(e); err != nil {
			return nil, fmt.Errorf("secrets.encryptionKeysFile %s: entry %d: %w (make one with `snapbridge keys generate`)", path, len(keys)+1, err)
		}
		keys = append(keys, e)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("secrets.encryptionKeysFile %s: holds no key (make one with `snapbridge keys generate`)", path)
	}
	return keys, nil
}

// generateSecrets fills every unset secret from <DataDir>/secrets.json,
// generating and saving the ones that file lacks; sandbox mode only.
func (c *Config) generateSecrets(now time.Time) error {
	path := filepath.Join(c.DataDir, secretsFile)
	var stored Secrets
	raw, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := json.Unmarshal(raw, &stored); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("read secrets: %w", err)
	}
	changed := false
	fill := func(dst *string, stored *string, gen func() string) {
		if *dst != "" {
			return
		}
		if *stored == "" {
			*stored = gen()
			changed = true
		}
		*dst = *stored
	}
	if len(c.Secrets.EncryptionKeys) == 0 {
		if len(stored.EncryptionKeys) == 0 {
			stored.EncryptionKeys = []string{NewEncryptionKey("k" + now.UTC().Format("20060102"))}
			changed = true
		}
		c.Secrets.EncryptionKeys = stored.EncryptionKeys
	}
	fill(&c.Secrets.SessionKey, &stored.SessionKey, func() string {
		return NewSessionKey()
	})
	fill(&c.Secrets.DemoContextSecret, &stored.DemoContextSecret, func() string {
		return base64.RawURLEncoding.EncodeToString(randomBytes(32))
	})
	fill(&c.Secrets.DemoClientSecret, &stored.DemoClientSecret, func() string {
		return base64.RawURLEncoding.EncodeToString(randomBytes(24))
	})
	if !changed {
		return nil
	}
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return fmt.Errorf("create data dir: %w", err)
	}
	out, _ := json.MarshalIndent(stored, "", "  ")
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, out, 0o600); err != nil {
		return fmt.Errorf("write secrets: %w", err)
	}
	return os.Rename(tmp, path)
}

// SessionPrivateKey decodes Secrets.SessionKey.
func (c *Config) SessionPrivateKey() (ed25519.PrivateKey, error) {
	key, err := decodeSessionKey(c.Secrets.SessionKey)
	if err != nil {
		return nil, fmt.Errorf("secrets.sessionKey: %w", err)
	}
	return key, nil
}

func decodeSessionKey(s string) (ed25519.PrivateKey, error) {
	seed, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("must be base64 of %d bytes", ed25519.SeedSize)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// NewSessionKey returns a fresh session signing key: base64 of a
// 32-byte Ed25519 seed.
func NewSessionKey() string {
	return base64.StdEncoding.EncodeToString(randomBytes(ed25519.SeedSize))
}

// NewEncryptionKey returns a fresh "id:base64(32 bytes)" key-ring entry.
func NewEncryptionKey(id string) string {
	return id + ":" + base64.StdEncoding.EncodeToString(randomBytes(32))
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return b
}
