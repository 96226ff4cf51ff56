package sat

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/snapbridge/snapbridge/internal/keyring"
	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/shared"
	"github.com/snapbridge/snapbridge/internal/tenant"
	"github.com/snapbridge/snapbridge/internal/tokens"
)

// fetchLock bounds how long one instance may hold a viewer's fetch before
// the others try themselves: longer than a LinkedIn call with its retry.
const fetchLock = 30 * time.Second

// Sharing lets brokers on several instances share their tokens and fetch
// each viewer's token once: the token is sealed with the key ring before
// it is stored, so it never reaches Redis in plaintext, and bound to the
// viewer and the member authorization it was issued on.
type Sharing interface {
	shared.Cache
	shared.Locks
}

// Share makes b share tokens through s, sealed with ring, and returns b.
// Call it before b serves; without it tokens stay in this instance.
func (b *Broker) Share(s Sharing, ring *keyring.KeyRing) *Broker {
	b.shared, b.ring = s, ring
	return b
}

// sharedKey names a viewer's token.
func sharedKey(key string) string { return "sat:" + key }

// sealedAAD is the associated data of a shared token: it binds the token
// to its viewer and to the member authorization it was issued on, so a
// token of an authorization since replaced (a reconnect as another
// LinkedIn member) does not open.
func sealedAAD(key, gen string) []byte { return []byte(sharedKey(key) + "\x00" + gen) }

// fetchShared answers the viewer's token from the other instances, or
// fetches it under the cluster-wide lock so that one instance asks
// LinkedIn while the others wait and read its token. It returns the token
// with the generation of the authorization it was issued on.
func (b *Broker) fetchShared(ctx context.Context, t *tenant.Tenant, viewer, key string) (linkedin.SalesAccessToken, string, error) {
	for {
		if tok, gen, ok, err := b.sharedFor(ctx, t, viewer, key); ok || err != nil {
			return tok, gen, err
		}
		release, taken, err := b.shared.Take(ctx, sharedKey(key), fetchLock)
		if err != nil {
			return linkedin.SalesAccessToken{}, "", fmt.Errorf("sales access token: %w", err)
		}
		if !taken {
			continue // the holder is done: read its token, or take the lock
		}
		tok, gen, err := b.fetchAndShare(ctx, t, viewer, key)
		release()
		return tok, gen, err
	}
}

func (b *Broker) fetchAndShare(ctx context.Context, t *tenant.Tenant, viewer, key string) (linkedin.SalesAccessToken, string, error) {
	// Another instance may have stored it just before the lock was taken.
	if tok, gen, ok, err := b.sharedFor(ctx, t, viewer, key); ok || err != nil {
		return tok, gen, err
	}
	tok, gen, err := b.fetch(ctx, t, viewer)
	if err != nil {
		return tok, gen, err
	}
	b.writeShared(ctx, key, gen, tok)
	return tok, gen, nil
}

// sharedFor is the viewer's shared token, handed out only when it was
// issued on the viewer's current member authorization (as a cached token
// is): once the viewer is disconnected or revoked the token is dropped and
// the not-connected error returned; after a reconnect it no longer opens.
func (b *Broker) sharedFor(ctx context.Context, t *tenant.Tenant, viewer, key string) (linkedin.SalesAccessToken, string, bool, error) {
	raw, ok, err := b.shared.Get(ctx, sharedKey(key))
	if err != nil || !ok {
		return linkedin.SalesAccessToken{}, "", false, nil
	}
	gen, err := b.members.Generation(ctx, t, viewer)
	if errors.Is(err, tokens.ErrNotConnected) {
		b.forgetShared(key)
		return linkedin.SalesAccessToken{}, "", false, err
	}
	if err != nil {
		return linkedin.SalesAccessToken{}, "", false, nil
	}
	tok, ok := b.openShared(raw, key, gen)
	return tok, gen, ok, nil
}

// openShared opens a shared token of key issued on generation gen, if it
// is one and is usable.
func (b *Broker) openShared(raw []byte, key, gen string) (linkedin.SalesAccessToken, bool) {
	token, expires, ok := shared.Open(b.ring, sealedAAD(key, gen), raw)
	if !ok {
		return linkedin.SalesAccessToken{}, false
	}
	tok := linkedin.SalesAccessToken{Token: token, ExpiresAt: expires}
	return tok, b.usable(tok)
}

// writeShared seals and stores tok, issued on generation gen, until it
// enters its renewal margin. A failure only costs the other instances a
// fetch of their own.
func (b *Broker) writeShared(ctx context.Context, key, gen string, tok linkedin.SalesAccessToken) {
	raw, err := shared.Seal(b.ring, sealedAAD(key, gen), tok.Token, tok.ExpiresAt)
	if err != nil {
		return
	}
	_ = b.shared.Set(ctx, sharedKey(key), raw, tok.ExpiresAt.Add(-b.renewBefore).Sub(b.now()))
}

// forgetShared drops the viewer's shared token.
func (b *Broker) forgetShared(key string) {
	if b.shared != nil {
		_ = b.shared.Delete(context.Background(), sharedKey(key))
	}
}
