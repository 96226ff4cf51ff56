package hostctx

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/snapbridge/snapbridge/internal/session"
	"github.com/snapbridge/snapbridge/internal/store"
	"github.com/snapbridge/snapbridge/internal/tenant"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// HandoffLifetime is how long the one-time handle of a launch can be
// redeemed: the CRM frame follows the 303 at once.
const HandoffLifetime = time.Minute

// handoffKind is the one-time value kind of launch handles.
const handoffKind = "host_launch"

// Handoffs carries a launch from the CRM's POST to the widget page it is
// redirected to, through a one-time handle in the page URL, so neither
// the CRM's proof nor a session token ever appears in a URL. Any instance
// sharing the store redeems the handle. It is safe for concurrent use.
type Handoffs struct {
	values store.OneTimeValues
	keeper *session.ContextKeeper
	now    func() time.Time
}

// NewHandoffs returns handoffs kept in values, whose contexts keeper
// resumes. now is the clock; nil means time.Now.
func NewHandoffs(values store.OneTimeValues, keeper *session.ContextKeeper, now func() time.Time) *Handoffs {
	if now == nil {
		now = time.Now
	}
	return &Handoffs{values: values, keeper: keeper, now: now}
}

// handoff is a handle's payload: a reference to the kept context, never
// its viewer or records, and the frame.
type handoff struct {
	Context session.Kept    `json:"ctx"`
	Frame   *wire.HostFrame `json:"frame,omitempty"`
}

// Put stores l under a new one-time handle and returns the handle.
func (h *Handoffs) Put(ctx context.Context, l *Launch) (string, error) {
	ref := l.Context.Ref()
	if ref.ID == "" {
		return "", fmt.Errorf("hand off launch: the context was not kept")
	}
	payload, err := json.Marshal(handoff{Context: ref, Frame: l.Frame})
	if err != nil {
		return "", fmt.Errorf("hand off launch: %w", err)
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("hand off launch: %w", err)
	}
	handle := base64.RawURLEncoding.EncodeToString(b[:])
	err = h.values.PutOneTime(ctx, handoffKind, handle, store.OneTime{Tenant: l.Context.Tenant.ID,
		Viewer: l.Context.Viewer.ID, Payload: payload, ExpiresAt: h.now().Add(HandoffLifetime)})
	if err != nil {
		return "", fmt.Errorf("hand off launch of tenant %s: %w", l.Context.Tenant.ID, err)
	}
	return handle, nil
}

// Take redeems a handle of tenant t once and returns its launch, ready
// for session.Issuer.Issue. An unknown, used, expired or other tenant's
// handle is refused with context_expired (the CRM page must be reloaded);
// any other error is a fault of the store.
func (h *Handoffs) Take(ctx context.Context, t *tenant.Tenant, handle string) (*Launch, error) {
	gone := refuse(session.CodeContextExpired, "this view was already opened or has expired; reload the CRM page")
	if handle == "" || len(handle) > 64 {
		return nil, gone
	}
	v, err := h.values.TakeOneTime(ctx, handoffKind, handle, h.now())
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, gone
	case err != nil:
		return nil, fmt.Errorf("redeem launch handle of tenant %s: %w", t.ID, err)
	case v.Tenant != t.ID:
		return nil, gone
	}
	var p handoff
	if err := json.Unmarshal(v.Payload, &p); err != nil {
		return nil, fmt.Errorf("redeem launch handle of tenant %s: %w", t.ID, err)
	}
	hc, err := h.keeper.Resume(ctx, t, p.Context)
	if err != nil {
		return nil, err
	}
	return &Launch{Context: hc, Frame: p.Frame}, nil
}
