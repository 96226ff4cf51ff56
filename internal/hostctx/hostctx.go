// Package hostctx turns a CRM's own trust mechanism into a verified host
// context (session.HostContext), from which the widget session is issued
// exactly as from snapbridge's signed host context JWT, which stays the
// generic adapter for any CRM (session.ContextVerifier). Each CRM has one
// Adapter in a file of its own, chosen per tenant by host.kind through one
// constructor switch (New). It knows nothing of Gin: handlers pass the
// CRM's *http.Request and map the errors (*session.Error, ErrNotConfigured)
// to answers.
package hostctx

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/snapbridge/snapbridge/internal/session"
	"github.com/snapbridge/snapbridge/internal/store"
	"github.com/snapbridge/snapbridge/internal/tenant"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// ErrNotConfigured is returned for a tenant whose host.kind is not the
// adapter asked for: its CRM is not set up to open the widget that way.
var ErrNotConfigured = errors.New("hostctx: the tenant's host adapter is another")

// Adapter verifies the request by which one kind of CRM opens the widget.
type Adapter interface {
	// Kind is the host.kind the adapter serves (tenant.HostSalesforce).
	Kind() string
	// Launch checks r, the CRM's request opening the widget for tenant t,
	// with the CRM's own trust mechanism, and returns the verified host
	// context, already kept (session.ContextKeeper) and so accepted once.
	// A refused request is a *session.Error (context_* codes); any other
	// error is a fault of the store.
	Launch(ctx context.Context, t *tenant.Tenant, r *http.Request) (*Launch, error)
}

// Launch is a verified, kept host context with what the widget needs to
// talk to the CRM frame that opened it.
type Launch struct {
	// Context is the verified host context; its session is issued from it.
	Context *session.HostContext
	// Frame is the CRM frame's own protocol, or nil when the widget only
	// speaks embed.js's.
	Frame *wire.HostFrame
}

// Deps are what adapters are built from.
type Deps struct {
	// Keeper remembers verified contexts once. Required.
	Keeper *session.ContextKeeper
	// Now is the clock. Default: time.Now.
	Now func() time.Time
	// Values, Grants and Ring keep Dynamics 365 sign-ins (the started
	// sign-ins, and the sealed refresh tokens); PublicURL is where the
	// identity provider redirects back to; HTTP calls Entra ID and
	// Dataverse (default: a client with a 15s timeout). Required for
	// host kind dynamics only.
	Values    store.OneTimeValues
	Grants    store.HostGrants
	Ring      Sealer
	PublicURL string
	HTTP      *http.Client
}

// New returns the adapter for a host kind: the one constructor switch.
// The generic JWT context (tenant.HostJWT) has no adapter here.
func New(kind string, d Deps) (Adapter, error) {
	if d.Now == nil {
		d.Now = time.Now
	}
	switch kind {
	case tenant.HostSalesforce:
		return newSalesforce(d), nil
	case tenant.HostHubSpot:
		return newHubSpot(d), nil
	case tenant.HostDynamics:
		return newDynamics(d)
	default:
		return nil, fmt.Errorf("hostctx: no adapter for host kind %q", kind)
	}
}

// Adapters holds one adapter per host kind and picks a tenant's.
type Adapters struct {
	byKind map[string]Adapter
}

// NewAdapters builds every adapter New knows.
func NewAdapters(d Deps) *Adapters {
	a := &Adapters{byKind: map[string]Adapter{}}
	for _, kind := range []string{tenant.HostSalesforce, tenant.HostHubSpot, tenant.HostDynamics} {
		if ad, err := New(kind, d); err == nil {
			a.byKind[kind] = ad
		}
	}
	return a
}

// For returns the adapter of kind when it is tenant t's host adapter, and
// ErrNotConfigured otherwise.
func (a *Adapters) For(t *tenant.Tenant, kind string) (Adapter, error) {
	if t == nil {
		return nil, fmt.Errorf("no tenant: %w", ErrNotConfigured)
	}
	ad, ok := a.byKind[kind]
	if !ok || t.Host.Kind != kind {
		return nil, fmt.Errorf("tenant %s opens the widget with host kind %q, not %q: %w", t.ID, t.Host.Kind, kind, ErrNotConfigured)
	}
	return ad, nil
}

// refuse is a refused launch request, with a message for the integrator
// that never repeats a secret or the signed request.
func refuse(code, message string) error { return &session.Error{Code: code, Message: message} }
