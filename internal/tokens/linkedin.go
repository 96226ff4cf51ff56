package tokens

import (
	"context"

	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/tenant"
)

// LinkedIn is the part of the LinkedIn OAuth client this package needs;
// *linkedin.Client satisfies it.
type LinkedIn interface {
	// AuthCodeURL returns the authorization URL the consent popup opens.
	AuthCodeURL(app linkedin.App, redirectURL, state, pkceVerifier string, scopes []string) string
	// Exchange trades an authorization code for a member token.
	Exchange(ctx context.Context, app linkedin.App, redirectURL, code, pkceVerifier string) (linkedin.Token, error)
	// Refresh trades a refresh token for a new member token.
	Refresh(ctx context.Context, app linkedin.App, refreshToken string) (linkedin.Token, error)
	// UserInfo asks who holds a member token (scopes openid and profile).
	UserInfo(ctx context.Context, memberToken string) (linkedin.UserInfo, error)
	// AppToken obtains a client-credentials token.
	AppToken(ctx context.Context, app linkedin.App, scopes ...string) (linkedin.Token, error)
}

// appOf returns the tenant's LinkedIn application credentials.
func appOf(t *tenant.Tenant) linkedin.App {
	return linkedin.App{ClientID: t.LinkedIn.ClientID, ClientSecret: t.LinkedIn.ClientSecret}
}
