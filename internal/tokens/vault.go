package tokens

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/snapbridge/snapbridge/internal/keyring"
	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/store"
)

// Vault stores viewers' member tokens encrypted with the key ring. The
// associated data of each record is tenant + "\x00" + viewer, so a record
// copied onto another tenant or viewer does not decrypt. It is safe for
// concurrent use.
type Vault struct {
	db   Store
	ring *keyring.KeyRing
	now  func() time.Time
	// hooks and notifier, set by OnChange and Share, hear every change.
	hooks    []func(MemberChange)
	notifier Notifier
}

// sealedToken is the plaintext inside a sealed record. The expiries are
// repeated here so the authenticated copy, not the clear columns, decides.
type sealedToken struct {
	AccessToken      string    `json:"accessToken"`
	ExpiresAt        time.Time `json:"expiresAt"`
	RefreshToken     string    `json:"refreshToken,omitempty"`
	RefreshExpiresAt time.Time `json:"refreshExpiresAt"`
	Scope            string    `json:"scope,omitempty"`
	// MemberName and MemberPicture are who connected (Member), sealed
	// with the token so they are never readable from the database.
	MemberName    string `json:"memberName,omitempty"`
	MemberPicture string `json:"memberPicture,omitempty"`
}

// Member is the LinkedIn member a viewer connected as, from LinkedIn's
// OpenID Connect userinfo at connect time. Its fields are empty when
// LinkedIn did not say (the app lacks Sign In with LinkedIn using OpenID
// Connect, or userinfo failed).
type Member struct {
	// Name is the member's full name.
	Name string `json:"name,omitempty"`
	// Picture is the address of the member's profile photo.
	Picture string `json:"picture,omitempty"`
}

// Store is the storage the vault and the connector need: member tokens
// and one-time values (connect handles, OAuth states, confirmation codes).
// Every store.Store satisfies it.
type Store interface {
	store.MemberTokens
	store.OneTimeValues
}

// NewVault returns a vault over db sealing with ring. now is the clock;
// nil means time.Now.
func NewVault(db Store, ring *keyring.KeyRing, now func() time.Time) *Vault {
	if now == nil {
		now = time.Now
	}
	return &Vault{db: db, ring: ring, now: now}
}

// Save encrypts tok with the primary key and stores it as the viewer's
// connected authorization, replacing any earlier one.
func (v *Vault) Save(ctx context.Context, tenantID, viewer string, tok linkedin.Token) error {
	return v.SaveMember(ctx, tenantID, viewer, tok, Member{})
}

// SaveMember is Save with who connected, sealed with the token; a
// refresh of the token keeps it.
func (v *Vault) SaveMember(ctx context.Context, tenantID, viewer string, tok linkedin.Token, m Member) error {
	row, err := v.seal(tenantID, viewer, tok, m)
	if err != nil {
		return err
	}
	if err := v.db.PutMemberToken(ctx, row); err != nil {
		return err
	}
	v.changed(ctx, row, true)
	return nil
}

// Load returns the viewer's stored token, expired or not. It returns
// ErrNotConnected when there is none, it was revoked, or it was sealed
// with a key no longer in the key ring (the row is then marked
// reconnect_required: the viewer must connect again, unless the operator
// puts the key back). A record that does not authenticate (tampered) is a
// distinct error.
func (v *Vault) Load(ctx context.Context, tenantID, viewer string) (linkedin.Token, error) {
	s, err := v.load(ctx, tenantID, viewer)
	return s.Token, err
}

// stored is a viewer's token with the row it was read from, so that a
// write decided on what was read can be made conditional on the row not
// having changed since (store.SwapMemberToken).
type stored struct {
	linkedin.Token
	member Member
	row    store.MemberTokenRow
}

// grant is the token with the generation of its row.
func (s stored) grant() Grant {
	return Grant{AccessToken: s.AccessToken, Generation: generation(s.row)}
}

func (v *Vault) load(ctx context.Context, tenantID, viewer string) (stored, error) {
	row, err := v.connectedRow(ctx, tenantID, viewer)
	if err != nil {
		return stored{}, err
	}
	tok, m, err := v.open(row)
	if errors.Is(err, keyring.ErrUnknownKey) {
		return stored{}, v.keyMissing(ctx, row, err)
	}
	if err != nil {
		return stored{}, err
	}
	return stored{Token: tok, member: m, row: row}, nil
}

// Member returns who the viewer connected as. It returns ErrNotConnected
// as Load does; a viewer connected before names were kept, or whose
// LinkedIn app does not offer userinfo, gets an empty Member.
func (v *Vault) Member(ctx context.Context, tenantID, viewer string) (Member, error) {
	s, err := v.load(ctx, tenantID, viewer)
	return s.member, err
}

// connectedRow reads the viewer's row, still sealed; ErrNotConnected when
// there is none or it is not connected.
func (v *Vault) connectedRow(ctx context.Context, tenantID, viewer string) (store.MemberTokenRow, error) {
	row, err := v.db.MemberToken(ctx, tenantID, viewer)
	if errors.Is(err, store.ErrNotFound) {
		return row, fmt.Errorf("load member token %s/%s: %w", tenantID, viewer, ErrNotConnected)
	}
	if err != nil {
		return row, fmt.Errorf("load member token: %w", err)
	}
	if row.Status != store.StatusConnected {
		return row, fmt.Errorf("load member token %s/%s: status %s: %w", tenantID, viewer, row.Status, ErrNotConnected)
	}
	return row, nil
}

// keyMissing marks a row whose sealing key has left the ring as needing a
// reconnect, and returns the ErrNotConnected its viewer gets.
func (v *Vault) keyMissing(ctx context.Context, row store.MemberTokenRow, cause error) error {
	next := row
	next.Status, next.UpdatedAt = store.StatusReconnectRequired, v.now()
	ok, err := v.db.SwapMemberToken(ctx, row, next)
	if err != nil {
		return fmt.Errorf("load member token %s/%s: %w", row.Tenant, row.Viewer, err)
	}
	if ok {
		v.changed(ctx, next, false)
	}
	return fmt.Errorf("load member token %s/%s: reconnect required: %w (%w)", row.Tenant, row.Viewer, ErrNotConnected, cause)
}

// replace stores tok in place of the token was holds and returns what it
// stored, or reports false, storing nothing, when the row changed since it
// was read (disconnected, revoked, reconnected, refreshed or re-encrypted
// meanwhile).
func (v *Vault) replace(ctx context.Context, was stored, tok linkedin.Token) (stored, bool, error) {
	next, err := v.seal(was.row.Tenant, was.row.Viewer, tok, was.member)
	if err != nil {
		return stored{}, false, err
	}
	ok, err := v.db.SwapMemberToken(ctx, was.row, next)
	if err != nil || !ok {
		return stored{}, false, err
	}
	v.changed(ctx, next, true)
	return stored{Token: tok, member: was.member, row: next}, true, nil
}

// revoke marks the authorization was holds revoked, and reports false,
// changing nothing, when the row changed since it was read: LinkedIn's
// refusal of an old token must not revoke a newer authorization.
func (v *Vault) revoke(ctx context.Context, was stored) (bool, error) {
	next := was.row
	next.Status, next.UpdatedAt = store.StatusRevoked, v.now()
	ok, err := v.db.SwapMemberToken(ctx, was.row, next)
	if err != nil {
		return false, fmt.Errorf("mark member token revoked: %w", err)
	}
	if ok {
		v.changed(ctx, next, false)
	}
	return ok, nil
}

// seal encrypts tok and who it belongs to with the primary key into a
// connected row.
func (v *Vault) seal(tenantID, viewer string, tok linkedin.Token, m Member) (store.MemberTokenRow, error) {
	if tenantID == "" || viewer == "" {
		return store.MemberTokenRow{}, fmt.Errorf("save member token: tenant and viewer are required")
	}
	if tok.AccessToken == "" {
		return store.MemberTokenRow{}, fmt.Errorf("save member token %s/%s: access token is empty", tenantID, viewer)
	}
	plain, err := json.Marshal(sealedToken{
		AccessToken: tok.AccessToken, ExpiresAt: tok.ExpiresAt,
		RefreshToken: tok.RefreshToken, RefreshExpiresAt: tok.RefreshExpiresAt, Scope: tok.Scope,
		MemberName: m.Name, MemberPicture: m.Picture,
	})
	if err != nil {
		return store.MemberTokenRow{}, fmt.Errorf("save member token %s/%s: %w", tenantID, viewer, err)
	}
	keyID, sealed, err := v.ring.Seal(plain, memberAAD(tenantID, viewer))
	if err != nil {
		return store.MemberTokenRow{}, fmt.Errorf("save member token %s/%s: %w", tenantID, viewer, err)
	}
	return store.MemberTokenRow{
		Tenant: tenantID, Viewer: viewer, KeyID: keyID, Sealed: sealed,
		ExpiresAt: tok.ExpiresAt, RefreshExpiresAt: tok.RefreshExpiresAt,
		Status: store.StatusConnected, UpdatedAt: v.now(),
	}, nil
}

// Disconnect deletes the viewer's authorization because the viewer asked.
// Disconnecting a viewer who is not connected is not an error.
func (v *Vault) Disconnect(ctx context.Context, tenantID, viewer string) error {
	if err := v.db.DeleteMemberToken(ctx, tenantID, viewer); err != nil {
		return err
	}
	v.changed(ctx, store.MemberTokenRow{Tenant: tenantID, Viewer: viewer}, false)
	return nil
}

// Rotate re-encrypts every record not sealed with the primary key, so the
// older keys can then be dropped from the ring. It returns how many rows it
// changed. Rows it cannot open are skipped and reported in the error,
// except those already marked reconnect_required because their key is
// gone; rows written meanwhile by a save are left alone (already on the
// primary key).
func (v *Vault) Rotate(ctx context.Context) (int, error) {
	rows, err := v.db.MemberTokens(ctx)
	if err != nil {
		return 0, fmt.Errorf("rotate member tokens: %w", err)
	}
	changed := 0
	var failures []error
	for _, row := range rows {
		if row.KeyID == v.ring.Primary() {
			continue
		}
		if row.Status == store.StatusReconnectRequired && !v.ring.Has(row.KeyID) {
			continue // lost with its key; CheckKeys reports it at start-up
		}
		aad := memberAAD(row.Tenant, row.Viewer)
		plain, err := v.ring.Open(row.KeyID, row.Sealed, aad)
		if err != nil {
			failures = append(failures, fmt.Errorf("%s/%s: %w", row.Tenant, row.Viewer, err))
			continue
		}
		keyID, sealed, err := v.ring.Seal(plain, aad)
		if err != nil {
			failures = append(failures, fmt.Errorf("%s/%s: %w", row.Tenant, row.Viewer, err))
			continue
		}
		ok, err := v.db.ResealMemberToken(ctx, row.Tenant, row.Viewer, row.Sealed, keyID, sealed)
		if err != nil {
			failures = append(failures, err)
			continue
		}
		if ok {
			changed++
		}
	}
	if len(failures) > 0 {
		return changed, fmt.Errorf("rotate member tokens: %d of %d rows failed: %w", len(failures), len(rows), errors.Join(failures...))
	}
	return changed, nil
}

func (v *Vault) open(row store.MemberTokenRow) (linkedin.Token, Member, error) {
	plain, err := v.ring.Open(row.KeyID, row.Sealed, memberAAD(row.Tenant, row.Viewer))
	if err != nil {
		return linkedin.Token{}, Member{}, fmt.Errorf("open member token %s/%s: %w", row.Tenant, row.Viewer, err)
	}
	var st sealedToken
	if err := json.Unmarshal(plain, &st); err != nil {
		// The JSON error could quote the token; keep it out of the message.
		return linkedin.Token{}, Member{}, fmt.Errorf("open member token %s/%s: sealed record is not a token", row.Tenant, row.Viewer)
	}
	return linkedin.Token{
		AccessToken: st.AccessToken, ExpiresAt: st.ExpiresAt,
		RefreshToken: st.RefreshToken, RefreshExpiresAt: st.RefreshExpiresAt, Scope: st.Scope,
	}, Member{Name: st.MemberName, Picture: st.MemberPicture}, nil
}

// memberAAD binds a record to its tenant and viewer. Tenant ids cannot
// contain NUL, so the split is unambiguous.
func memberAAD(tenantID, viewer string) []byte {
	return []byte(tenantID + "\x00" + viewer)
}
