package keyring

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

func mustKey(t *testing.T, id string) Key {
	t.Helper()
	k, err := GenerateKey(id)
	if err != nil {
		t.Fatalf("GenerateKey(%q): %v", id, err)
	}
	return k
}

func mustRing(t *testing.T, keys ...Key) *KeyRing {
	t.Helper()
	r, err := New(keys...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return r
}

func TestSealOpen(t *testing.T) {
	k1, k2 := mustKey(t, "k1"), mustKey(t, "k2")
	old := mustRing(t, k1)
	rotated := mustRing(t, k2, k1)
	newOnly := mustRing(t, k2)
	plain := []byte("AQX-member-access-token")
	aad := []byte("acme\x00viewer-1")

	flip := func(i int) func([]byte) []byte {
		return func(b []byte) []byte {
			c := bytes.Clone(b)
			if i < 0 {
				i = len(c) + i
			}
			c[i] ^= 0x01
			return c
		}
	}
	same := func(b []byte) []byte { return b }

	tests := []struct {
		scenario string
		sealWith *KeyRing
		openWith *KeyRing
		alter    func([]byte) []byte
		openAAD  []byte
		keyID    string // overrides the key id Seal returned when set
		wantErr  error
	}{
		{scenario: "round trip with the same ring", sealWith: old, openWith: old, alter: same, openAAD: aad},
		{scenario: "rotated ring opens a record sealed before rotation", sealWith: old, openWith: rotated, alter: same, openAAD: aad},
		{scenario: "ring with only the new key opens what the rotated ring sealed", sealWith: rotated, openWith: newOnly, alter: same, openAAD: aad},
		{scenario: "old ring cannot open what the rotated ring sealed", sealWith: rotated, openWith: old, alter: same, openAAD: aad, wantErr: ErrUnknownKey},
		{scenario: "record names a key nobody has", sealWith: old, openWith: old, alter: same, openAAD: aad, keyID: "gone", wantErr: ErrUnknownKey},
		{scenario: "flipped nonce byte", sealWith: old, openWith: old, alter: flip(0), openAAD: aad, wantErr: ErrOpen},
		{scenario: "flipped ciphertext byte", sealWith: old, openWith: old, alter: flip(NonceSize + 1), openAAD: aad, wantErr: ErrOpen},
		{scenario: "flipped tag byte", sealWith: old, openWith: old, alter: flip(-1), openAAD: aad, wantErr: ErrOpen},
		{scenario: "truncated record", sealWith: old, openWith: old, alter: func(b []byte) []byte { return b[:NonceSize+3] }, openAAD: aad, wantErr: ErrOpen},
		{scenario: "empty record", sealWith: old, openWith: old, alter: func([]byte) []byte { return nil }, openAAD: aad, wantErr: ErrOpen},
		{scenario: "record moved to another viewer", sealWith: old, openWith: old, alter: same, openAAD: []byte("acme\x00viewer-2"), wantErr: ErrOpen},
		{scenario: "record opened without associated data", sealWith: old, openWith: old, alter: same, openAAD: nil, wantErr: ErrOpen},
		{scenario: "record one byte shorter than nonce and tag", sealWith: old, openWith: old, alter: func(b []byte) []byte { return b[:NonceSize+15] }, openAAD: aad, wantErr: ErrOpen},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			keyID, sealed, err := tc.sealWith.Seal(plain, aad)
			if err != nil {
				t.Fatalf("Seal: %v", err)
			}
			if keyID != tc.sealWith.Primary() {
				t.Fatalf("Seal used key %q, want primary %q", keyID, tc.sealWith.Primary())
			}
			if bytes.Contains(sealed, plain) {
				t.Fatalf("sealed record contains the plaintext")
			}
			if tc.keyID != "" {
				keyID = tc.keyID
			}
			got, err := tc.openWith.Open(keyID, tc.alter(sealed), tc.openAAD)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("Open error = %v, want %v", err, tc.wantErr)
				}
				if got != nil {
					t.Fatalf("Open returned plaintext with an error")
				}
				return
			}
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if !bytes.Equal(got, plain) {
				t.Fatalf("Open = %q, want %q", got, plain)
			}
		})
	}
}

// An empty secret seals to a record of just nonce and tag, the shortest
// record Open must accept.
func TestEmptyPlaintextRoundTrips(t *testing.T) {
	r := mustRing(t, mustKey(t, "k1"))
	keyID, sealed, err := r.Seal(nil, []byte("aad"))
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	if len(sealed) != NonceSize+16 {
		t.Fatalf("sealed empty plaintext is %d bytes, want nonce and tag (%d)", len(sealed), NonceSize+16)
	}
	got, err := r.Open(keyID, sealed, []byte("aad"))
	if err != nil || len(got) != 0 {
		t.Fatalf("Open = %q, %v; want an empty plaintext", got, err)
	}
}

func TestSealUsesFreshNonce(t *testing.T) {
	r := mustRing(t, mustKey(t, "k1"))
	_, a, _ := r.Seal([]byte("same"), nil)
	_, b, _ := r.Seal([]byte("same"), nil)
	if bytes.Equal(a[:NonceSize], b[:NonceSize]) || bytes.Equal(a, b) {
		t.Fatalf("two seals of the same plaintext are identical: nonce reused")
	}
}

func TestNew(t *testing.T) {
	k1, k2 := mustKey(t, "k1"), mustKey(t, "k2")
	tests := []struct {
		scenario    string
		keys        []Key
		wantPrimary string
		wantErr     string
	}{
		{scenario: "first key is primary", keys: []Key{k2, k1}, wantPrimary: "k2"},
		{scenario: "single key", keys: []Key{k1}, wantPrimary: "k1"},
		{scenario: "no keys", keys: nil, wantErr: "at least one key"},
		{scenario: "duplicate ids", keys: []Key{k1, {ID: "k1", Secret: k2.Secret}}, wantErr: "appears twice"},
		{scenario: "16-byte secret", keys: []Key{{ID: "short", Secret: make([]byte, 16)}}, wantErr: "16 bytes, want 32"},
		{scenario: "empty id", keys: []Key{{ID: "", Secret: k1.Secret}}, wantErr: "key id is empty"},
		{scenario: "id with a colon", keys: []Key{{ID: "a:b", Secret: k1.Secret}}, wantErr: "only letters"},
		{scenario: "the error names which key of the list is bad", keys: []Key{k1, {ID: "", Secret: k2.Secret}}, wantErr: "key 2: key id is empty"},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			r, err := New(tc.keys...)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("New error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			if r.Primary() != tc.wantPrimary {
				t.Fatalf("Primary = %q, want %q", r.Primary(), tc.wantPrimary)
			}
		})
	}
}

// Key ids are 1–64 characters of [A-Za-z0-9._-]; the ids at the edges of
// each range are accepted, their neighbours refused.
func TestKeyIDs(t *testing.T) {
	tests := []struct {
		scenario string
		id       string
		wantErr  string
	}{
		{scenario: "ends of the letter and digit ranges", id: "azAZ09"},
		{scenario: "dot, underscore and dash", id: "2026.01_k-1"},
		{scenario: "64 characters", id: strings.Repeat("k", 64)},
		{scenario: "65 characters", id: strings.Repeat("k", 65), wantErr: "65 characters, at most 64"},
		{scenario: "backquote, just before a", id: "k`", wantErr: "only letters"},
		{scenario: "brace, just after z", id: "k{", wantErr: "only letters"},
		{scenario: "at sign, just before A", id: "k@", wantErr: "only letters"},
		{scenario: "bracket, just after Z", id: "k[", wantErr: "only letters"},
		{scenario: "slash, just before 0", id: "k/", wantErr: "only letters"},
		{scenario: "colon, just after 9", id: "k:", wantErr: "only letters"},
		{scenario: "space", id: "k 1", wantErr: "only letters"},
		{scenario: "non-ASCII letter", id: "kü", wantErr: "only letters"},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			k, err := GenerateKey(tc.id)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("GenerateKey(%q) error = %v, want one containing %q", tc.id, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("GenerateKey(%q): %v", tc.id, err)
			}
			if _, err := New(k); err != nil {
				t.Fatalf("New with key %q: %v", tc.id, err)
			}
		})
	}
}

func TestParseKey(t *testing.T) {
	k := mustKey(t, "2026-01")
	raw := base64.RawURLEncoding.EncodeToString(k.Secret)
	secret := base64.StdEncoding.EncodeToString(k.Secret)
	tests := []struct {
		scenario string
		in       string
		want     Key
		wantErr  string
	}{
		{scenario: "String output parses back", in: k.String(), want: k},
		{scenario: "url-safe unpadded base64 from an env var", in: " 2026-01:" + raw + "\n", want: k},
		{scenario: "no colon", in: secret, wantErr: "found no ':'"},
		{scenario: "empty id", in: ":" + secret, wantErr: "key id is empty"},
		{scenario: "not base64", in: "k:" + secret[:10] + "!!" + secret[12:], wantErr: "not valid base64"},
		{scenario: "wrong length", in: "k:" + base64.StdEncoding.EncodeToString(k.Secret[:31]), wantErr: "31 bytes, want 32"},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			got, err := ParseKey(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ParseKey error = %v, want one containing %q", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), secret[:12]) {
					t.Fatalf("error message repeats the secret: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseKey: %v", err)
			}
			if got.ID != tc.want.ID || !bytes.Equal(got.Secret, tc.want.Secret) {
				t.Fatalf("ParseKey = %q, want %q", got.ID, tc.want.ID)
			}
		})
	}
}
