package store

import (
	"context"
	"time"
)

// Member token statuses.
const (
	// StatusConnected marks a usable member authorization.
	StatusConnected = "connected"
	// StatusRevoked marks an authorization LinkedIn refused for good
	// (invalid_grant, or a 401 with no refresh possible). The row is kept
	// so admins can see who must reconnect.
	StatusRevoked = "revoked"
	// StatusReconnectRequired marks an authorization sealed with an
	// encryption key that is no longer in the key ring: it cannot be
	// opened, so the viewer must connect again. The row is kept so admins
	// can count who must reconnect, and so that putting the key back
	// restores it.
	StatusReconnectRequired = "reconnect_required"
)

// MemberTokenRow is one viewer's sealed LinkedIn authorization. The store
// never sees the token itself, only the keyring's sealed bytes.
type MemberTokenRow struct {
	// Tenant and Viewer identify the row.
	Tenant, Viewer string
	// KeyID names the keyring key that sealed Sealed.
	KeyID string
	// Sealed is the encrypted token.
	Sealed []byte
	// ExpiresAt is when the access token expires.
	ExpiresAt time.Time
	// RefreshExpiresAt is when the refresh token expires; zero when there
	// is none or LinkedIn did not say.
	RefreshExpiresAt time.Time
	// Status is StatusConnected, StatusRevoked or StatusReconnectRequired.
	Status string
	// UpdatedAt is when the row was last written.
	UpdatedAt time.Time
}

// MemberTokenKeyCount is how many of a tenant's rows, in one status, are
// sealed with one key.
type MemberTokenKeyCount struct {
	// Tenant, KeyID and Status say which rows are counted.
	Tenant, KeyID, Status string
	// Count is how many there are.
	Count int
}

// MemberTokens keeps viewers' sealed LinkedIn authorizations, one row per
// tenant and viewer. Times are kept to the millisecond.
type MemberTokens interface {
	// PutMemberToken inserts the row or replaces the one with the same
	// tenant and viewer. Tenant, viewer, key id, sealed bytes and status
	// are required.
	PutMemberToken(ctx context.Context, row MemberTokenRow) error
	// MemberToken returns the row of this tenant and viewer, or
	// ErrNotFound.
	MemberToken(ctx context.Context, tenant, viewer string) (MemberTokenRow, error)
	// ResealMemberToken replaces the key id and sealed bytes of a row, but
	// only if the row still holds oldSealed: a token saved meanwhile (a
	// refresh, a reconnect) is never overwritten by a re-encryption of the
	// older one. It reports whether the row was changed.
	ResealMemberToken(ctx context.Context, tenant, viewer string, oldSealed []byte, keyID string, sealed []byte) (bool, error)
	// SwapMemberToken replaces the row prev was read from with next, but
	// only if the row still holds prev's sealed bytes and status: a row
	// deleted (disconnect), marked (revocation) or saved anew (reconnect,
	// refresh) since it was read is left alone. The sealed bytes identify
	// one write, since every seal draws a fresh random nonce. It reports
	// whether the row was replaced; false means the authorization changed
	// meanwhile. Of concurrent swaps from the same read exactly one wins.
	SwapMemberToken(ctx context.Context, prev, next MemberTokenRow) (bool, error)
	// MemberTokenKeyCounts counts every tenant's rows by sealing key and
	// status, ordered by tenant, key id and status; start-up checks them
	// against the key ring without reading any sealed token.
	MemberTokenKeyCounts(ctx context.Context) ([]MemberTokenKeyCount, error)
	// SetMemberTokenStatusByKey moves every row sealed with keyID from
	// status from to status to, at once, and returns how many it moved. A
	// row saved meanwhile under another key or status is not touched.
	SetMemberTokenStatusByKey(ctx context.Context, keyID, from, to string) (int, error)
	// DeleteMemberToken removes the row of this tenant and viewer.
	// Deleting a row that does not exist is not an error, so
	// disconnecting twice is safe.
	DeleteMemberToken(ctx context.Context, tenant, viewer string) error
	// MemberTokens returns every row of every tenant, ordered by tenant
	// and viewer; key rotation walks them all.
	MemberTokens(ctx context.Context) ([]MemberTokenRow, error)
	// CountMemberTokens counts the tenant's rows with this status; an
	// empty status counts every row of the tenant.
	CountMemberTokens(ctx context.Context, tenant, status string) (int, error)
}
