package admin

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/snapbridge/snapbridge/internal/store"
	"github.com/snapbridge/snapbridge/internal/tenant"
)

// APIKeyPrefix starts every tenant API key: sbk_<id>_<secret>.
const APIKeyPrefix = "sbk_"

// MaxAPIKeyName bounds an API key's label.
const MaxAPIKeyName = 100

// lastUsedResolution is how stale an API key's last-used time may get,
// so busy automation does not write the database on every request.
const lastUsedResolution = time.Minute

// NewAPIKey is the answer to creating an API key: the only time Key is
// shown.
type NewAPIKey struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Key       string    `json:"key"`
	CreatedAt time.Time `json:"createdAt"`
}

// APIKeyView is an API key as listed: never its secret.
type APIKeyView struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	CreatedBy  string     `json:"createdBy"`
	CreatedAt  time.Time  `json:"createdAt"`
	LastUsedAt *time.Time `json:"lastUsedAt,omitempty"`
	RevokedAt  *time.Time `json:"revokedAt,omitempty"`
	Active     bool       `json:"active"`
}

// APIKey is an authenticated API key: who may act on which tenant.
type APIKey struct {
	// ID is the key's public id (audit actor "apikey:<id>").
	ID string
	// Tenant is the tenant it may manage.
	Tenant string
}

// CreateAPIKey makes a key for automation on the tenant. Only the
// SHA-256 of its secret is stored; the returned Key is shown once.
func (s *Service) CreateAPIKey(ctx context.Context, actor, tenantID, name string) (NewAPIKey, error) {
	if _, err := s.Tenant(tenantID); err != nil {
		return NewAPIKey{}, err
	}
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > MaxAPIKeyName {
		return NewAPIKey{}, &tenant.FieldError{Tenant: tenantID, Field: "name",
			Reason: fmt.Sprintf("give the key a name of 1-%d characters saying what uses it", MaxAPIKeyName)}
	}
	id, secret := randomText(8, hex.EncodeToString), randomText(32, base64.RawURLEncoding.EncodeToString)
	hash := sha256.Sum256([]byte(secret))
	now := s.Now()
	row := store.APIKeyRow{ID: id, Tenant: tenantID, Name: name, SecretHash: hash[:], CreatedBy: actor, CreatedAt: now}
	if err := s.Store.CreateAPIKey(ctx, row); err != nil {
		return NewAPIKey{}, err
	}
	if err := s.Record(ctx, tenantID, actor, "api_key.create", fmt.Sprintf("created API key %s %q", id, name)); err != nil {
		return NewAPIKey{}, err
	}
	return NewAPIKey{ID: id, Name: name, Key: APIKeyPrefix + id + "_" + secret, CreatedAt: now}, nil
}

// APIKeys lists the tenant's keys, revoked ones included.
func (s *Service) APIKeys(ctx context.Context, tenantID string) ([]APIKeyView, error) {
	rows, err := s.Store.APIKeys(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	out := make([]APIKeyView, 0, len(rows))
	for _, r := range rows {
		v := APIKeyView{ID: r.ID, Name: r.Name, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, Active: !r.Revoked()}
		if !r.LastUsedAt.IsZero() {
			v.LastUsedAt = &r.LastUsedAt
		}
		if r.Revoked() {
			v.RevokedAt = &r.RevokedAt
		}
		out = append(out, v)
	}
	return out, nil
}

// RevokeAPIKey stops the key from authenticating, at once.
func (s *Service) RevokeAPIKey(ctx context.Context, actor, tenantID, id string) error {
	err := s.Store.RevokeAPIKey(ctx, tenantID, id, s.Now())
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("tenant %s, API key %q: %w", tenantID, id, ErrAPIKeyNotFound)
	}
	if err != nil {
		return err
	}
	return s.Record(ctx, tenantID, actor, "api_key.revoke", fmt.Sprintf("revoked API key %s", id))
}

// IsAPIKey reports whether a bearer token is shaped like an API key.
func IsAPIKey(raw string) bool { return strings.HasPrefix(raw, APIKeyPrefix) }

// AuthenticateAPIKey checks a presented sbk_<id>_<secret> key. Unknown,
// revoked, malformed and wrong keys are all ErrAPIKeyInvalid; the
// secret's hash is compared in constant time.
func (s *Service) AuthenticateAPIKey(ctx context.Context, raw string) (APIKey, error) {
	id, secret, ok := strings.Cut(strings.TrimPrefix(raw, APIKeyPrefix), "_")
	if !IsAPIKey(raw) || !ok || id == "" || secret == "" || len(raw) > 200 {
		return APIKey{}, ErrAPIKeyInvalid
	}
	row, err := s.Store.APIKey(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return APIKey{}, ErrAPIKeyInvalid
	}
	if err != nil {
		return APIKey{}, err
	}
	hash := sha256.Sum256([]byte(secret))
	if subtle.ConstantTimeCompare(hash[:], row.SecretHash) != 1 || row.Revoked() {
		return APIKey{}, ErrAPIKeyInvalid
	}
	if now := s.Now(); now.Sub(row.LastUsedAt) >= lastUsedResolution {
		if err := s.Store.TouchAPIKey(ctx, id, now); err != nil {
			// Authentication stands; only the last-used time is late.
			s.Logger.WarnContext(ctx, "record api key use", "apiKey", id, "err", err.Error())
		}
	}
	return APIKey{ID: row.ID, Tenant: row.Tenant}, nil
}

// randomText returns n random bytes in the given encoding.
func randomText(n int, encode func([]byte) string) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return encode(b)
}
