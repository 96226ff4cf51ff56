// Package admin is tenant administration: tenants stored in the database
// (secrets sealed with the key ring), context-key rotation, tenant API
// keys and the operator key, the audit log, the "test connection" check
// and the health summary. It knows nothing of HTTP; internal/httpapi
// calls it for /api/v1/admin.
package admin

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/store"
	"github.com/snapbridge/snapbridge/internal/tenant"
)

// Store is the storage the service needs: tenants, API keys, the audit
// log and viewers' display names, plus the counts Health shows. Every store.Store satisfies it.
type Store interface {
	store.Tenants
	store.APIKeys
	store.AuditLog
	store.ViewerNames
	CountMemberTokens(ctx context.Context, tenant, status string) (int, error)
	LookupsUsed(ctx context.Context, tenant, day string) (int, error)
}

// Sealer encrypts tenant secrets at rest; *keyring.KeyRing satisfies it.
type Sealer interface {
	Primary() string
	Seal(plaintext, aad []byte) (keyID string, sealed []byte, err error)
	Open(keyID string, sealed, aad []byte) ([]byte, error)
}

// AppTokens hands out client-credentials tokens; *tokens.AppTokens
// satisfies it.
type AppTokens interface {
	Get(ctx context.Context, t *tenant.Tenant, scope string) (string, error)
	Invalidate(tenantID, scope string)
}

// LinkedIn is the part of the LinkedIn client "test connection" calls;
// *linkedin.Client satisfies it.
type LinkedIn interface {
	ProfileAssociation(ctx context.Context, appToken string, key linkedin.AssociationKey) (linkedin.ProfileAssociation, error)
}

// AssociationStats reports the association cache of a tenant;
// *assoc.Resolver satisfies it.
type AssociationStats interface {
	Stats(tenantID string) (entries int, hits, misses uint64)
}

// Deps are the services the admin service is built from. Every field is
// required unless it says otherwise.
type Deps struct {
	// Store keeps tenants, API keys and the audit log.
	Store Store
	// Ring seals tenant secrets (associated data: the tenant id).
	Ring Sealer
	// Tenants is the live registry every other service reads.
	Tenants *tenant.Registry
	// AppTokens and LinkedIn are used by TestConnection.
	AppTokens AppTokens
	LinkedIn  LinkedIn
	// Associations feeds Health. Optional: nil reports an empty cache.
	Associations AssociationStats
	// Errors collects LinkedIn failures for Health. Optional: nil makes
	// a private one.
	Errors *ErrorStats
	// Operator is the operator key. Default: none (no operator).
	Operator OperatorKey
	// Logger logs what admins cannot see. Default: slog.Default().
	Logger *slog.Logger
	// Now is the clock. Default: time.Now.
	Now func() time.Time
	// PublicURL is the server's public URL, the base HubSpot calls when a
	// tenant names no host.hubspot.publicUrl; TestConnection reports it.
	// Optional.
	PublicURL string
	// OnTenantSaved is told of every tenant created or changed, after it is
	// stored; the server sets it in sandbox mode to register the tenant's
	// LinkedIn application with the stand-in. Optional: nil does nothing.
	OnTenantSaved func(ctx context.Context, t *tenant.Tenant)
	// Changes tells the other instances of each tenant stored here, and
	// them of theirs (FollowChanges). Optional: nil keeps changes to this
	// instance, as with one instance.
	Changes Changes
}

// Service administers tenants. It is safe for concurrent use.
type Service struct {
	Deps
	// mu serializes tenant changes, so read-modify-write sequences such as
	// "add a context key if fewer than two" cannot interleave.
	mu sync.Mutex
}

// New returns the service; call Load before serving.
func New(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Errors == nil {
		d.Errors = NewErrorStats(d.Now)
	}
	return &Service{Deps: d}
}
