package shared_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/keyring"
	"github.com/snapbridge/snapbridge/internal/shared"
)

func ring(t *testing.T, ids ...string) *keyring.KeyRing {
	t.Helper()
	var keys []keyring.Key
	for _, id := range ids {
		k, err := keyring.GenerateKey(id)
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	r, err := keyring.New(keys...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// A token shared through Redis is never there in clear, opens only for
// what it was bound to and with a key the ring has, and keeps its expiry.
func TestSealedSecretsOpenOnlyWhereTheyBelong(t *testing.T) {
	r := ring(t, "k1")
	expires := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	raw, err := shared.Seal(r, []byte("sat:acme:u1\x00gen1"), "sandbox-token", expires)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("sandbox-token")) {
		t.Fatalf("the stored value shows the secret: %s", raw)
	}
	if secret, exp, ok := shared.Open(r, []byte("sat:acme:u1\x00gen1"), raw); !ok || secret != "sandbox-token" || !exp.Equal(expires) {
		t.Fatalf("Open = %q, %v, %v", secret, exp, ok)
	}
	for _, tc := range []struct {
		scenario string
		ring     *keyring.KeyRing
		aad      string
		raw      []byte
	}{
		{"bound to another authorization", r, "sat:acme:u1\x00gen2", raw},
		{"bound to another viewer", r, "sat:acme:u2\x00gen1", raw},
		{"sealed with a key the ring does not have", ring(t, "k2"), "sat:acme:u1\x00gen1", raw},
		{"not a sealed value", r, "sat:acme:u1\x00gen1", []byte("sandbox-token")},
		{"altered", r, "sat:acme:u1\x00gen1", bytes.Replace(raw, []byte(`"s":"`), []byte(`"s":"AAAA`), 1)},
	} {
		if secret, _, ok := shared.Open(tc.ring, []byte(tc.aad), tc.raw); ok || secret != "" {
			t.Errorf("%s: opened %q", tc.scenario, secret)
		}
	}
}
