package tokens

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/snapbridge/snapbridge/internal/store"
)

// handleReuse is how much shorter than a new handle's life a live one's
// may be and still be handed out again: a session asking again and again
// (every 409 from the Sales Access Token endpoint) gets the URL it already
// has, and at most one new handle per five minutes.
const handleReuse = ConnectTTL / 2

// handlePayload is what a connect handle carries. Scopes are not secret
// and stay in clear; the handle id itself is sealed, bound to its session,
// so that the session can be given the same id again while a copy of the
// database still yields no usable id.
type handlePayload struct {
	Scopes []string `json:"scopes"`
	KeyID  string   `json:"keyId,omitempty"`
	Sealed []byte   `json:"sealed,omitempty"`
}

// issueHandle returns a connect handle for h asking for scopes (beyond the
// display scope): the session's live handle with the same scopes if it
// has one that lapses at most handleReuse before a new one would, else a
// new one. what names the caller in errors.
func (c *Connector) issueHandle(ctx context.Context, h Handle, scopes []string, what string) (string, error) {
	if h.Tenant == "" || h.Viewer == "" || h.SessionID == "" {
		return "", fmt.Errorf("%s: tenant, viewer and session are required", what)
	}
	now := c.now()
	if limit := now.Add(ConnectTTL); h.ExpiresAt.IsZero() || h.ExpiresAt.After(limit) {
		h.ExpiresAt = limit
	}
	if !h.ExpiresAt.After(now) {
		return "", fmt.Errorf("%s: session already expired", what)
	}
	id, err := randomID()
	if err != nil {
		return "", fmt.Errorf("%s: %w", what, err)
	}
	aad := handleAAD(h.Tenant, h.Viewer, h.SessionID)
	keyID, sealed, err := c.vault.ring.Seal([]byte(id), aad)
	if err != nil {
		return "", fmt.Errorf("%s: %w", what, err)
	}
	payload, err := json.Marshal(handlePayload{Scopes: scopes, KeyID: keyID, Sealed: sealed})
	if err != nil {
		return "", fmt.Errorf("%s: %w", what, err)
	}
	liveAfter := h.ExpiresAt.Add(-handleReuse)
	if liveAfter.Before(now) {
		liveAfter = now
	}
	var reusedID string
	_, reused, err := c.vault.db.PutOneTimeOnce(ctx, kindHandle, id, store.OneTime{
		Tenant: h.Tenant, Viewer: h.Viewer, SessionID: h.SessionID, Payload: payload, ExpiresAt: h.ExpiresAt,
	}, liveAfter, func(old store.OneTime) bool {
		var p handlePayload
		if json.Unmarshal(old.Payload, &p) != nil || !sameScopes(p.Scopes, scopes) || p.KeyID == "" {
			return false
		}
		// A handle sealed with a key since removed is simply not reused.
		plain, err := c.vault.ring.Open(p.KeyID, p.Sealed, aad)
		if err != nil {
			return false
		}
		reusedID = string(plain)
		return true
	})
	if err != nil {
		return "", fmt.Errorf("%s: %w", what, err)
	}
	if reused {
		return reusedID, nil
	}
	return id, nil
}

// handleAAD binds a handle's sealed id to its session, so a stored handle
// edited to name someone else does not open.
func handleAAD(tenantID, viewer, session string) []byte {
	return []byte("handle\x00" + tenantID + "\x00" + viewer + "\x00" + session)
}

// handleScopes returns the scopes a connect handle carries; handles made
// by NewHandle carry none.
func handleScopes(payload []byte) []string {
	if len(payload) == 0 {
		return nil
	}
	var p handlePayload
	if json.Unmarshal(payload, &p) != nil {
		return nil
	}
	return p.Scopes
}

// sameScopes reports whether a and b hold the same scopes, in any order.
func sameScopes(a, b []string) bool {
	return len(a) == len(b) && !slices.ContainsFunc(a, func(s string) bool { return !slices.Contains(b, s) })
}
