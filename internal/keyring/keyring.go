// Package keyring seals small secrets (member tokens, OAuth state) with
// AES-256-GCM under named keys, so that keys can be rotated: the first key
// of the ring encrypts, every key of the ring decrypts, and each sealed
// record carries the id of the key that sealed it.
package keyring

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
)

// NonceSize is the length of the random nonce prefixed to every sealed
// record (the GCM standard nonce).
const NonceSize = 12

// ErrUnknownKey is returned by Open when the record names a key the ring
// does not hold, typically an old key dropped before rotation finished.
var ErrUnknownKey = errors.New("keyring: unknown key id")

// ErrOpen is returned by Open when a record does not authenticate: it was
// altered, truncated, or sealed with other associated data.
var ErrOpen = errors.New("keyring: record does not authenticate")

// KeyRing holds the keys in priority order. It is immutable after New and
// safe for concurrent use.
type KeyRing struct {
	primary string
	aeads   map[string]cipher.AEAD
	order   []string
}

// New builds a ring from keys in priority order: the first key seals new
// records, all of them open old ones. Ids must be unique and secrets
// exactly 32 bytes; at least one key is required.
func New(keys ...Key) (*KeyRing, error) {
	if len(keys) == 0 {
		return nil, fmt.Errorf("keyring: at least one key is required")
	}
	r := &KeyRing{primary: keys[0].ID, aeads: make(map[string]cipher.AEAD, len(keys))}
	for i, k := range keys {
		if err := validateID(k.ID); err != nil {
			return nil, fmt.Errorf("keyring: key %d: %w", i+1, err)
		}
		if _, dup := r.aeads[k.ID]; dup {
			return nil, fmt.Errorf("keyring: key id %q appears twice", k.ID)
		}
		if len(k.Secret) != KeySize {
			return nil, fmt.Errorf("keyring: key %q is %d bytes, want %d", k.ID, len(k.Secret), KeySize)
		}
		// aes.NewCipher copies the key schedule, so later changes to the
		// caller's slice do not reach the ring.
		block, err := aes.NewCipher(k.Secret)
		if err != nil {
			return nil, fmt.Errorf("keyring: key %q: %w", k.ID, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("keyring: key %q: %w", k.ID, err)
		}
		r.aeads[k.ID] = aead
		r.order = append(r.order, k.ID)
	}
	return r, nil
}

// Primary returns the id of the key that seals new records.
func (r *KeyRing) Primary() string { return r.primary }

// IDs returns the key ids in priority order, primary first.
func (r *KeyRing) IDs() []string { return append([]string(nil), r.order...) }

// Has reports whether the ring can open records sealed with keyID.
func (r *KeyRing) Has(keyID string) bool { _, ok := r.aeads[keyID]; return ok }

// Seal encrypts plaintext with the primary key, authenticating aad with
// it. The result is a random 12-byte nonce followed by the ciphertext and
// tag; keyID must be stored with it for Open.
func (r *KeyRing) Seal(plaintext, aad []byte) (keyID string, sealed []byte, err error) {
	aead := r.aeads[r.primary]
	nonce := make([]byte, NonceSize, NonceSize+len(plaintext)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", nil, fmt.Errorf("keyring: nonce: %w", err)
	}
	return r.primary, aead.Seal(nonce, nonce, plaintext, aad), nil
}

// Open decrypts a record sealed by Seal under keyID with the same aad. An
// unknown key id gives ErrUnknownKey; any alteration of the record or a
// different aad gives ErrOpen.
func (r *KeyRing) Open(keyID string, sealed, aad []byte) ([]byte, error) {
	aead, ok := r.aeads[keyID]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownKey, keyID)
	}
	if len(sealed) < NonceSize+aead.Overhead() {
		return nil, fmt.Errorf("%w: %d bytes is too short (key %q)", ErrOpen, len(sealed), keyID)
	}
	plain, err := aead.Open(nil, sealed[:NonceSize], sealed[NonceSize:], aad)
	if err != nil {
		return nil, fmt.Errorf("%w (key %q)", ErrOpen, keyID)
	}
	return plain, nil
}
