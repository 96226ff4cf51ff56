package tokens

import (
	"context"
	"fmt"
	"slices"

	"github.com/snapbridge/snapbridge/internal/store"
)

// KeyMissing is one tenant's member tokens sealed with encryption keys the
// key ring no longer holds: their viewers must connect LinkedIn again.
type KeyMissing struct {
	// Tenant is the tenant id.
	Tenant string
	// Count is how many viewers' authorizations cannot be opened.
	Count int
	// KeyIDs are the missing keys that sealed them, sorted.
	KeyIDs []string
}

// CheckKeys compares the stored member tokens with the key ring; the
// server runs it at start-up. Connected rows sealed with a key the ring no
// longer holds are marked reconnect_required, so admins' counts and the
// sellers' widgets agree at once; rows so marked whose key is back in the
// ring and that open again are connected again. It returns, per tenant in
// id order, the rows whose key is missing (whatever their status), and how
// many rows it restored. No sealed token is opened except to restore.
func (v *Vault) CheckKeys(ctx context.Context) ([]KeyMissing, int, error) {
	counts, err := v.db.MemberTokenKeyCounts(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("check member token keys: %w", err)
	}
	var missing []KeyMissing
	var lost []string
	returned := false
	for _, c := range counts {
		if v.ring.Has(c.KeyID) {
			returned = returned || c.Status == store.StatusReconnectRequired
			continue
		}
		if n := len(missing); n == 0 || missing[n-1].Tenant != c.Tenant {
			missing = append(missing, KeyMissing{Tenant: c.Tenant})
		}
		m := &missing[len(missing)-1]
		m.Count += c.Count
		if !slices.Contains(m.KeyIDs, c.KeyID) {
			m.KeyIDs = append(m.KeyIDs, c.KeyID)
		}
		if c.Status == store.StatusConnected && !slices.Contains(lost, c.KeyID) {
			lost = append(lost, c.KeyID)
		}
	}
	for _, keyID := range lost {
		if _, err := v.db.SetMemberTokenStatusByKey(ctx, keyID, store.StatusConnected, store.StatusReconnectRequired); err != nil {
			return nil, 0, fmt.Errorf("check member token keys: %w", err)
		}
	}
	restored := 0
	if returned {
		if restored, err = v.restore(ctx); err != nil {
			return nil, 0, fmt.Errorf("check member token keys: %w", err)
		}
	}
	return missing, restored, nil
}

// restore connects again the rows marked reconnect_required that the ring
// opens again (their key was put back). A key put back under the same id
// with another secret does not open them, so they stay marked.
func (v *Vault) restore(ctx context.Context) (int, error) {
	rows, err := v.db.MemberTokens(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, row := range rows {
		if row.Status != store.StatusReconnectRequired || !v.ring.Has(row.KeyID) {
			continue
		}
		if _, _, err := v.open(row); err != nil {
			continue
		}
		next := row
		next.Status, next.UpdatedAt = store.StatusConnected, v.now()
		ok, err := v.db.SwapMemberToken(ctx, row, next)
		if err != nil {
			return n, err
		}
		if ok {
			n++
		}
	}
	return n, nil
}
