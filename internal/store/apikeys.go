package store

import (
	"context"
	"time"
)

// APIKeyRow is one tenant API key. Only the SHA-256 of its secret is
// stored; the key itself is shown once, at creation.
type APIKeyRow struct {
	// ID is the key's public id (the <id> in sbk_<id>_<secret>).
	ID string
	// Tenant is the tenant the key may manage.
	Tenant string
	// Name is the admin's label for the key.
	Name string
	// SecretHash is SHA-256 of the key's secret part.
	SecretHash []byte
	// CreatedBy is the audit actor that created the key.
	CreatedBy string
	// CreatedAt is when the key was made; LastUsedAt when it last
	// authenticated (zero: never); RevokedAt when it was revoked (zero:
	// active).
	CreatedAt, LastUsedAt, RevokedAt time.Time
}

// Revoked reports whether the key was revoked.
func (k APIKeyRow) Revoked() bool { return !k.RevokedAt.IsZero() }

// APIKeys keeps tenant API keys.
type APIKeys interface {
	// CreateAPIKey stores a new key; an id already used is an error.
	CreateAPIKey(ctx context.Context, row APIKeyRow) error
	// APIKey returns the key with this id, whatever its tenant, or
	// ErrNotFound.
	APIKey(ctx context.Context, id string) (APIKeyRow, error)
	// APIKeys returns the tenant's keys, revoked ones included, oldest
	// first.
	APIKeys(ctx context.Context, tenant string) ([]APIKeyRow, error)
	// RevokeAPIKey marks the tenant's key revoked at at. A key of another
	// tenant, or none, is ErrNotFound; revoking twice keeps the first
	// time.
	RevokeAPIKey(ctx context.Context, tenant, id string, at time.Time) error
	// TouchAPIKey records that the key authenticated at at.
	TouchAPIKey(ctx context.Context, id string, at time.Time) error
}
