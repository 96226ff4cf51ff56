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
	"time"
)

// secretsFile is where generated secrets persist, so restarts keep
// decrypting stored tokens and honouring live widget sessions.
const secretsFile = "secrets.json"

// EnsureSecrets fills every unset secret from <DataDir>/secrets.json,
// generating and saving (mode 0600) the ones that file lacks too. Secrets
// set by file or environment are never written there.
func (c *Config) EnsureSecrets(now time.Time) error {
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
		return base64.StdEncoding.EncodeToString(randomBytes(ed25519.SeedSize))
	})
	if c.Sandbox.Enabled {
		fill(&c.Secrets.DemoContextSecret, &stored.DemoContextSecret, func() string {
			return base64.RawURLEncoding.EncodeToString(randomBytes(32))
		})
		fill(&c.Secrets.DemoClientSecret, &stored.DemoClientSecret, func() string {
			return base64.RawURLEncoding.EncodeToString(randomBytes(24))
		})
	}
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
	seed, err := base64.StdEncoding.DecodeString(c.Secrets.SessionKey)
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("secrets.sessionKey: must be base64 of %d bytes", ed25519.SeedSize)
	}
	return ed25519.NewKeyFromSeed(seed), nil
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
