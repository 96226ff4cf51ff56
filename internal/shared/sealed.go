package shared

import (
	"encoding/json"
	"time"

	"github.com/snapbridge/snapbridge/internal/keyring"
)

// sealedValue is a secret as instances share it: sealed with the key
// ring, beside the instant it expires. Instances of every release since
// shared tokens arrived read and write this form.
type sealedValue struct {
	KeyID   string    `json:"k"`
	Sealed  []byte    `json:"s"`
	Expires time.Time `json:"e"`
}

// Seal is secret, expiring at expires, sealed with ring and bound to aad,
// as a value for a Cache.
func Seal(ring *keyring.KeyRing, aad []byte, secret string, expires time.Time) ([]byte, error) {
	keyID, sealed, err := ring.Seal([]byte(secret), aad)
	if err != nil {
		return nil, err
	}
	return json.Marshal(sealedValue{KeyID: keyID, Sealed: sealed, Expires: expires})
}

// Open is the secret and expiry Seal stored in raw, or false when raw is
// not such a value or does not open with ring and aad (it was bound to
// something else, or sealed with a key the ring no longer has).
func Open(ring *keyring.KeyRing, aad, raw []byte) (secret string, expires time.Time, ok bool) {
	var v sealedValue
	if json.Unmarshal(raw, &v) != nil {
		return "", time.Time{}, false
	}
	plain, err := ring.Open(v.KeyID, v.Sealed, aad)
	if err != nil {
		return "", time.Time{}, false
	}
	return string(plain), v.Expires, true
}
