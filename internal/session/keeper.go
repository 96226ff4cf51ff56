package session

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/snapbridge/snapbridge/internal/store"
	"github.com/snapbridge/snapbridge/internal/tenant"
)

// ContextKeeper is the one place a verified host context is remembered:
// its id once against replay, with the viewer and records a session
// opened from it refers to. The JWT ContextVerifier and every CRM host
// adapter (internal/hostctx) go through it, so a session is issued from
// any of them exactly alike. It is safe for concurrent use.
type ContextKeeper struct {
	replay  ReplayGuard
	records RecordStore
	now     func() time.Time
}

// NewContextKeeper returns a keeper remembering contexts in replay and
// reading them back from records (both are every store.ReplayIDs; records
// may be nil when Resume is not used). now is the clock; nil means
// time.Now.
func NewContextKeeper(replay ReplayGuard, records RecordStore, now func() time.Time) *ContextKeeper {
	if now == nil {
		now = time.Now
	}
	return &ContextKeeper{replay: replay, records: records, now: now}
}

// Keep checks hc's viewer, records and roles, then remembers hc.ID for
// hc.Tenant with them, until the later of acceptedUntil (the last moment
// the CRM's proof of the context is still accepted) and the longest a
// session opened now can live. It reports false, storing nothing, when
// the id was already remembered: the context is a replay. A kept hc can
// be given to Issuer.Issue.
func (k *ContextKeeper) Keep(ctx context.Context, hc *HostContext, acceptedUntil time.Time) (fresh bool, err error) {
	if hc == nil || hc.Tenant == nil {
		return false, fmt.Errorf("keep context: no tenant")
	}
	if hc.ID == "" || len(hc.ID) > MaxIDLen || hasControl(hc.ID) {
		return false, fmt.Errorf("keep context of tenant %s: the context id must be 1-%d printable bytes", hc.Tenant.ID, MaxIDLen)
	}
	if err := checkPayload(&hc.Viewer, hc.Records, hc.Roles); err != nil {
		return false, refuse(CodeContextInvalid, err.Error())
	}
	if k.replay == nil {
		return false, fmt.Errorf("keep context: no replay guard configured")
	}
	viewer := hc.Viewer
	kept, err := json.Marshal(keptRecords{Viewer: &viewer, Records: hc.Records})
	if err != nil {
		return false, fmt.Errorf("encode context records for tenant %s: %w", hc.Tenant.ID, err)
	}
	// Kept for as long as a session opened from it can be accepted,
	// because the session reads its records from here. (One second
	// more, so that the session's whole seconds fit.)
	until := maxTime(acceptedUntil, k.now().Add(MaxSessionLifetime+sessionLeeway+time.Second))
	fresh, err = k.replay.RememberContext(ctx, hc.Tenant.ID, hc.ID, until, kept)
	if err != nil {
		return false, fmt.Errorf("remember context id for tenant %s: %w", hc.Tenant.ID, err)
	}
	if fresh {
		hc.kept, hc.keptUntil = kept, until
	}
	return fresh, nil
}

// FirstSeen remembers, for tenant, when proof id (a CRM's proof of a host
// context that carries no time of its own) was first shown, and returns
// that moment: now on the first sighting, the remembered moment after.
// The sighting is remembered for remember; after that id counts as new
// again. It fails with an error of the store only.
func (k *ContextKeeper) FirstSeen(ctx context.Context, tenant, id string, remember time.Duration) (time.Time, error) {
	if k.replay == nil || k.records == nil {
		return time.Time{}, fmt.Errorf("first sighting: no replay guard or record store configured")
	}
	now := k.now().Truncate(time.Second)
	seen, err := json.Marshal(sighting{At: now.Unix()})
	if err != nil {
		return time.Time{}, fmt.Errorf("first sighting: %w", err)
	}
	fresh, err := k.replay.RememberContext(ctx, tenant, id, now.Add(remember), seen)
	if err != nil {
		return time.Time{}, fmt.Errorf("remember first sighting for tenant %s: %w", tenant, err)
	}
	if fresh {
		return now, nil
	}
	kept, err := k.records.ContextRecords(ctx, tenant, id, k.now())
	if err != nil {
		// Only a sighting that ended between the two calls.
		return time.Time{}, fmt.Errorf("read first sighting for tenant %s: %w", tenant, err)
	}
	var s sighting
	if err := json.Unmarshal(kept, &s); err != nil || s.At <= 0 {
		return time.Time{}, fmt.Errorf("read first sighting for tenant %s: malformed", tenant)
	}
	return time.Unix(s.At, 0), nil
}

// sighting is what FirstSeen keeps with an id.
type sighting struct {
	At int64 `json:"firstSeen"`
}

// Kept is a kept host context reduced to what may cross from the request
// that verified it to the one that opens its session (a one-time handle's
// payload): no viewer, no records, only the reference to them.
type Kept struct {
	// ID is the context id the records are kept under.
	ID string `json:"id"`
	// Until is when the store stops keeping them.
	Until time.Time `json:"until"`
	// Roles are the roles the context granted.
	Roles []string `json:"roles,omitempty"`
}

// Ref returns the reference to a kept context; the zero Kept when hc was
// not kept.
func (hc *HostContext) Ref() Kept {
	if hc == nil || hc.kept == nil {
		return Kept{}
	}
	return Kept{ID: hc.ID, Until: hc.keptUntil, Roles: slices.Clone(hc.Roles)}
}

// Resume reads back the context Keep kept under ref for tenant t, ready
// for Issuer.Issue. A context no longer kept is refused with
// context_expired; any other error is a fault of the store.
func (k *ContextKeeper) Resume(ctx context.Context, t *tenant.Tenant, ref Kept) (*HostContext, error) {
	if k.records == nil {
		return nil, fmt.Errorf("resume context: no record store configured")
	}
	kept, err := k.records.ContextRecords(ctx, t.ID, ref.ID, k.now())
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, refuse(CodeContextExpired, "the CRM's request is no longer kept; reload the CRM page")
	case err != nil:
		return nil, fmt.Errorf("read kept context of tenant %s: %w", t.ID, err)
	}
	var r keptRecords
	if err := json.Unmarshal(kept, &r); err != nil || r.Viewer == nil {
		return nil, fmt.Errorf("read kept context of tenant %s: malformed records", t.ID)
	}
	return &HostContext{Tenant: t, Viewer: *r.Viewer, Records: r.Records, Roles: slices.Clone(ref.Roles),
		ID: ref.ID, kept: kept, keptUntil: ref.Until}, nil
}
