package keyring

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
)

// KeySize is the length in bytes of every secret: AES-256 needs 32.
const KeySize = 32

// maxIDLen bounds key ids; they are stored in every sealed record.
const maxIDLen = 64

// Key is one named AES-256 key. The ID is stored next to each record it
// seals so the ring can find the key again after rotation.
type Key struct {
	// ID names the key: 1–64 of [A-Za-z0-9._-]. Required.
	ID string
	// Secret is the 32-byte AES-256 key. Required.
	Secret []byte
}

// GenerateKey returns a new key with this id and 32 random bytes from
// crypto/rand.
func GenerateKey(id string) (Key, error) {
	if err := validateID(id); err != nil {
		return Key{}, err
	}
	secret := make([]byte, KeySize)
	if _, err := rand.Read(secret); err != nil {
		return Key{}, fmt.Errorf("generate key %q: %w", id, err)
	}
	return Key{ID: id, Secret: secret}, nil
}

// ParseKey reads the configuration form "id:base64(32 bytes)" written by
// String. Standard and URL-safe base64, padded or not, are accepted. Error
// messages never repeat the secret.
func ParseKey(s string) (Key, error) {
	id, encoded, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok {
		return Key{}, fmt.Errorf("parse key: want \"id:base64-secret\", found no ':'")
	}
	if err := validateID(id); err != nil {
		return Key{}, fmt.Errorf("parse key: %w", err)
	}
	secret, err := decodeSecret(encoded)
	if err != nil {
		return Key{}, fmt.Errorf("parse key %q: secret is not valid base64", id)
	}
	if len(secret) != KeySize {
		return Key{}, fmt.Errorf("parse key %q: secret is %d bytes, want %d", id, len(secret), KeySize)
	}
	return Key{ID: id, Secret: secret}, nil
}

// String returns the configuration form "id:base64(secret)" that ParseKey
// reads. It contains the secret: write it only where secrets belong (a
// secret store, an operator's terminal), never into a log.
func (k Key) String() string {
	return k.ID + ":" + base64.StdEncoding.EncodeToString(k.Secret)
}

func decodeSecret(s string) ([]byte, error) {
	var lastErr error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		b, err := enc.DecodeString(s)
		if err == nil {
			return b, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

func validateID(id string) error {
	if id == "" {
		return fmt.Errorf("key id is empty")
	}
	if len(id) > maxIDLen {
		return fmt.Errorf("key id is %d characters, at most %d allowed", len(id), maxIDLen)
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return fmt.Errorf("key id %q: only letters, digits, '.', '_' and '-' are allowed", id)
		}
	}
	return nil
}
