package tokens

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/snapbridge/snapbridge/internal/keyring"
	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/metrics"
	"github.com/snapbridge/snapbridge/internal/shared"
	"github.com/snapbridge/snapbridge/internal/tenant"
)

// RefreshMargin is how long before expiry a member token is refreshed, so
// a token handed out stays valid for the call it is used in.
const RefreshMargin = 2 * time.Minute

// upstreamTimeout bounds one shared refresh or app token call. It is
// detached from the first caller's context, so one impatient caller
// cannot fail the others waiting on the same call.
const upstreamTimeout = 30 * time.Second

// MemberTokens hands out live access tokens for viewers, refreshing them
// shortly before they expire. Concurrent callers for the same tenant and
// viewer share one refresh. It is safe for concurrent use.
type MemberTokens struct {
	vault  *Vault
	li     LinkedIn
	now    func() time.Time
	flight singleflight.Group
	// locks, set by Share, make the refresh one per viewer across instances.
	locks shared.Locks
	// metrics counts refreshes by outcome (nil: none); set by Instrument.
	metrics *metrics.Registry
}

// Share makes m refresh each viewer's token once across the instances
// sharing locks: LinkedIn rotates refresh tokens, so a second instance
// refreshing with the token the first just used would be refused (and the
// viewer marked revoked). It returns m; call it before m serves. Without
// it refreshes are one per viewer in this instance.
func (m *MemberTokens) Share(locks shared.Locks) *MemberTokens {
	m.locks = locks
	return m
}

// NewMemberTokens returns the service over v, refreshing through li. now is
// the clock; nil means time.Now.
func NewMemberTokens(v *Vault, li LinkedIn, now func() time.Time) *MemberTokens {
	if now == nil {
		now = time.Now
	}
	return &MemberTokens{vault: v, li: li, now: now}
}

// AccessToken returns a member access token for the viewer that is valid
// for at least RefreshMargin, refreshing it if needed. It returns
// ErrNotConnected when the viewer never connected, disconnected, was
// revoked (LinkedIn answered invalid_grant, which also marks the row), or
// the token expired with no live refresh token. A transient refresh
// failure (5xx, network) returns a wrapped error and leaves the stored
// token untouched; while the old token has not yet expired it is returned
// instead of the error. A refresh never overwrites an authorization that
// changed while LinkedIn answered: after a disconnect it returns
// ErrNotConnected, after a reconnect the new authorization's token.
func (m *MemberTokens) AccessToken(ctx context.Context, t *tenant.Tenant, viewer string) (string, error) {
	g, err := m.Grant(ctx, t, viewer)
	return g.AccessToken, err
}

// Grant is a viewer's live member access token with the generation of the
// stored authorization it belongs to.
type Grant struct {
	// AccessToken is the member access token.
	AccessToken string
	// Generation names the stored authorization, as Generation does.
	Generation string
}

// Grant is AccessToken with the generation of the authorization the token
// belongs to (after a refresh, the refreshed one's), so that what is
// obtained with the token can be tied to that authorization.
func (m *MemberTokens) Grant(ctx context.Context, t *tenant.Tenant, viewer string) (Grant, error) {
	if t == nil || viewer == "" {
		return Grant{}, fmt.Errorf("member access token: tenant and viewer are required")
	}
	cur, err := m.vault.load(ctx, t.ID, viewer)
	if err != nil {
		return Grant{}, err
	}
	if m.fresh(cur.Token) {
		return cur.grant(), nil
	}
	return m.refresh(ctx, t, viewer, false)
}

// Generation names the viewer's stored authorization without opening it:
// a short digest that changes with every connect (a reconnect as the same
// or another LinkedIn member included), refresh and re-encryption. It
// returns ErrNotConnected when the viewer is not connected (never
// connected, disconnected, revoked, or sealed with a key no longer in the
// ring, which marks the row reconnect_required as loading it would). The
// expiry of the access token is not looked at.
func (m *MemberTokens) Generation(ctx context.Context, t *tenant.Tenant, viewer string) (string, error) {
	if t == nil || viewer == "" {
		return "", fmt.Errorf("member token generation: tenant and viewer are required")
	}
	row, err := m.vault.connectedRow(ctx, t.ID, viewer)
	if err != nil {
		return "", err
	}
	if !m.vault.ring.Has(row.KeyID) {
		return "", m.vault.keyMissing(ctx, row, keyring.ErrUnknownKey)
	}
	return generation(row), nil
}

// Rejected handles LinkedIn answering 401 to the viewer's stored access
// token: it refreshes when a live refresh token exists (nil: call
// AccessToken again), and otherwise marks the authorization revoked and
// returns ErrNotConnected. Transient refresh failures return a wrapped
// error and change nothing. When the viewer reconnected meanwhile, the new
// authorization is left as is and nil returned.
func (m *MemberTokens) Rejected(ctx context.Context, t *tenant.Tenant, viewer string) error {
	if t == nil || viewer == "" {
		return fmt.Errorf("member token rejected: tenant and viewer are required")
	}
	_, err := m.refresh(ctx, t, viewer, true)
	return err
}

// refresh runs refreshNow once per tenant and viewer however many callers
// ask at the same time. force refreshes even a token that looks fresh.
func (m *MemberTokens) refresh(ctx context.Context, t *tenant.Tenant, viewer string, force bool) (Grant, error) {
	ch := m.flight.DoChan(t.ID+"\x00"+viewer, func() (any, error) {
		shared, cancel := context.WithTimeout(context.WithoutCancel(ctx), upstreamTimeout)
		defer cancel()
		return m.refreshLocked(shared, t, viewer, force)
	})
	select {
	case <-ctx.Done():
		return Grant{}, fmt.Errorf("refresh member token %s/%s: %w", t.ID, viewer, ctx.Err())
	case res := <-ch:
		if res.Err != nil {
			return Grant{}, res.Err
		}
		return res.Val.(Grant), nil
	}
}

// refreshLocked runs refreshNow under the viewer's cluster-wide lock, if
// shared. An instance that waited for another's refresh takes the lock in
// turn and re-reads: the token is then fresh (and a rejected one replaced,
// so it is not forced again) unless that refresh failed.
func (m *MemberTokens) refreshLocked(ctx context.Context, t *tenant.Tenant, viewer string, force bool) (Grant, error) {
	if m.locks == nil {
		return m.refreshNow(ctx, t, viewer, force)
	}
	for {
		release, taken, err := m.locks.Take(ctx, "refresh:"+t.ID+":"+viewer, upstreamTimeout)
		if err != nil {
			return Grant{}, fmt.Errorf("refresh member token %s/%s: %w", t.ID, viewer, err)
		}
		if !taken {
			force = false
			continue
		}
		tok, err := m.refreshNow(ctx, t, viewer, force)
		release()
		return tok, err
	}
}

// refreshPasses bounds how often refreshNow starts over because the
// authorization changed while LinkedIn answered.
const refreshPasses = 3

// refreshNow refreshes the viewer's token. Every write it makes is
// conditional on the row it read: when the seller disconnects, is revoked
// or reconnects while LinkedIn answers, the answer about the old
// authorization is dropped and the outcome decided again on what is
// stored now (not connected, or the new authorization's token).
func (m *MemberTokens) refreshNow(ctx context.Context, t *tenant.Tenant, viewer string, force bool) (Grant, error) {
	for range refreshPasses {
		tok, changed, err := m.refreshOnce(ctx, t, viewer, force)
		if !changed {
			return tok, err
		}
		// LinkedIn rejected the authorization that was replaced, not the
		// one stored now.
		force = false
	}
	return Grant{}, fmt.Errorf("refresh member token %s/%s: the authorization changed during %d refreshes in a row", t.ID, viewer, refreshPasses)
}

// refreshOnce is one pass of refreshNow; changed reports that the stored
// authorization changed since it was read, so nothing was written.
func (m *MemberTokens) refreshOnce(ctx context.Context, t *tenant.Tenant, viewer string, force bool) (g Grant, changed bool, err error) {
	// Reload: a refresh that finished just before this one started has
	// already stored a fresh token.
	cur, err := m.vault.load(ctx, t.ID, viewer)
	if err != nil {
		return Grant{}, false, err
	}
	if !force && m.fresh(cur.Token) {
		return cur.grant(), false, nil
	}
	now := m.now()
	stillValid := !force && now.Before(cur.ExpiresAt)
	if !refreshable(cur.Token, now) {
		switch {
		case stillValid:
			return cur.grant(), false, nil
		case force:
			if ok, err := m.vault.revoke(ctx, cur); err != nil || !ok {
				return Grant{}, err == nil, err
			}
			return Grant{}, false, fmt.Errorf("member token %s/%s rejected by linkedin and not refreshable: %w", t.ID, viewer, ErrNotConnected)
		default:
			return Grant{}, false, fmt.Errorf("member token %s/%s expired and not refreshable: %w", t.ID, viewer, ErrNotConnected)
		}
	}
	next, err := m.li.Refresh(ctx, appOf(t), cur.RefreshToken)
	m.metrics.RefreshDone(err, linkedin.IsInvalidGrant(err))
	switch {
	case err != nil && linkedin.IsInvalidGrant(err):
		if ok, rerr := m.vault.revoke(ctx, cur); rerr != nil || !ok {
			return Grant{}, rerr == nil, rerr
		}
		return Grant{}, false, fmt.Errorf("refresh member token %s/%s: %w (%w)", t.ID, viewer, ErrNotConnected, err)
	case err != nil && stillValid:
		return cur.grant(), false, nil
	case err != nil:
		return Grant{}, false, fmt.Errorf("refresh member token %s/%s: %w", t.ID, viewer, err)
	case next.AccessToken == "":
		return Grant{}, false, fmt.Errorf("refresh member token %s/%s: linkedin returned no access token", t.ID, viewer)
	}
	next = carryOver(cur.Token, next)
	saved, ok, err := m.vault.replace(ctx, cur, next)
	if err != nil {
		return Grant{}, false, fmt.Errorf("store refreshed member token: %w", err)
	}
	if !ok {
		return Grant{}, true, nil
	}
	return saved.grant(), false, nil
}

func (m *MemberTokens) fresh(tok linkedin.Token) bool {
	return m.now().Add(RefreshMargin).Before(tok.ExpiresAt)
}

// refreshable reports a refresh token that has not expired; a zero expiry
// means LinkedIn did not say, so it is tried.
func refreshable(tok linkedin.Token, now time.Time) bool {
	return tok.RefreshToken != "" && (tok.RefreshExpiresAt.IsZero() || now.Before(tok.RefreshExpiresAt))
}

// carryOver keeps what a refresh answer leaves out: LinkedIn's refresh
// token is not extended by refreshing, and may be omitted from the answer.
func carryOver(old, next linkedin.Token) linkedin.Token {
	if next.RefreshToken == "" {
		next.RefreshToken, next.RefreshExpiresAt = old.RefreshToken, old.RefreshExpiresAt
	} else if next.RefreshToken == old.RefreshToken && next.RefreshExpiresAt.IsZero() {
		next.RefreshExpiresAt = old.RefreshExpiresAt
	}
	if next.Scope == "" {
		next.Scope = old.Scope
	}
	return next
}

// Instrument counts refreshes by outcome in r. It returns m; call it
// before m serves.
func (m *MemberTokens) Instrument(r *metrics.Registry) *MemberTokens {
	m.metrics = r
	return m
}
