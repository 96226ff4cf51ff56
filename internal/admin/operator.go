package admin

import (
	"crypto/sha256"
	"crypto/subtle"
)

// OperatorKey is the server operator's key from configuration
// (operatorKey, SNAPBRIDGE_OPERATOR_KEY). Only its SHA-256 is kept. The
// zero value matches nothing: no operator.
type OperatorKey struct {
	hash [sha256.Size]byte
	set  bool
}

// NewOperatorKey keeps the hash of key; an empty key means no operator.
func NewOperatorKey(key string) OperatorKey {
	if key == "" {
		return OperatorKey{}
	}
	return OperatorKey{hash: sha256.Sum256([]byte(key)), set: true}
}

// Matches reports whether raw is the operator key. Hashes are compared in
// constant time, so neither the key's length nor a prefix leaks.
func (o OperatorKey) Matches(raw string) bool {
	if !o.set || raw == "" {
		return false
	}
	h := sha256.Sum256([]byte(raw))
	return subtle.ConstantTimeCompare(h[:], o.hash[:]) == 1
}

// OperatorMatches reports whether raw is the configured operator key.
func (s *Service) OperatorMatches(raw string) bool { return s.Operator.Matches(raw) }
