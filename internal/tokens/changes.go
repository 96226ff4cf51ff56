package tokens

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"

	"github.com/snapbridge/snapbridge/internal/shared"
	"github.com/snapbridge/snapbridge/internal/store"
)

// membersChannel carries the member changes of one instance to the others.
const membersChannel = "members"

// MemberChange says that a viewer's stored LinkedIn authorization changed:
// connected (perhaps as another LinkedIn member), refreshed, disconnected,
// revoked, or found sealed with a key no longer in the ring.
type MemberChange struct {
	// Tenant and Viewer say whose authorization changed.
	Tenant, Viewer string
	// Generation names the authorization stored now (see
	// MemberTokens.Generation); empty when the viewer is no longer
	// connected.
	Generation string
	// Missed is set, with nothing else, when changes may have been missed
	// (Redis was away): whatever a follower keeps about viewers' authorizations
	// must be checked against the store again.
	Missed bool
}

// Notifier carries member changes between instances; shared.State
// satisfies it.
type Notifier interface {
	Publish(ctx context.Context, channel, message string) error
	Subscribe(channel string, fn func(message string)) (stop func())
}

// changeMessage is a MemberChange on the wire.
type changeMessage struct {
	Tenant     string `json:"t"`
	Viewer     string `json:"v"`
	Generation string `json:"g,omitempty"`
}

// OnChange has fn called with every change v makes to a stored
// authorization, after the write and before the call that wrote returns.
// fn must return quickly. Call it before v serves; by default nobody is
// told.
func (v *Vault) OnChange(fn func(MemberChange)) {
	v.hooks = append(v.hooks, fn)
}

// Share makes v announce its changes to the other instances through n
// (channel "members"), where FollowChanges hears them, and returns v. Call
// it before v serves; without it changes are told only to this instance's
// OnChange hooks.
func (v *Vault) Share(n Notifier) *Vault {
	v.notifier = n
	return v
}

// changed tells the hooks and the other instances that row is now the
// viewer's authorization (connected is false when it no longer is one).
// Announcing is best-effort: an instance that misses it finds the change
// when it next checks the store.
func (v *Vault) changed(ctx context.Context, row store.MemberTokenRow, connected bool) {
	c := MemberChange{Tenant: row.Tenant, Viewer: row.Viewer}
	if connected {
		c.Generation = generation(row)
	}
	for _, fn := range v.hooks {
		fn(c)
	}
	if v.notifier == nil {
		return
	}
	msg, err := json.Marshal(changeMessage{Tenant: c.Tenant, Viewer: c.Viewer, Generation: c.Generation})
	if err != nil {
		return
	}
	// The write stands even if the caller's request ended just after it.
	_ = v.notifier.Publish(context.WithoutCancel(ctx), membersChannel, string(msg))
}

// FollowChanges calls fn, until stop is called, with each member change
// any instance sharing n announces (this one's included), and with a
// change that has only Missed set when some may have been missed. fn is
// called from the subscription's goroutine and must return quickly.
func FollowChanges(n Notifier, fn func(MemberChange)) (stop func()) {
	return n.Subscribe(membersChannel, func(msg string) {
		if msg == shared.MissedMessages {
			fn(MemberChange{Missed: true})
			return
		}
		var m changeMessage
		if json.Unmarshal([]byte(msg), &m) != nil || m.Tenant == "" || m.Viewer == "" {
			return
		}
		fn(MemberChange{Tenant: m.Tenant, Viewer: m.Viewer, Generation: m.Generation})
	})
}

// generation names one stored authorization: every write of a member
// token seals it afresh (a new random nonce), so each connect, refresh
// and re-encryption gives a new name. It is a digest of the sealed
// record, which says nothing about the token.
func generation(row store.MemberTokenRow) string {
	h := sha256.New()
	h.Write([]byte(row.KeyID))
	h.Write([]byte{0})
	h.Write(row.Sealed)
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:16])
}
