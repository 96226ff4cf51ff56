// Package tokens keeps LinkedIn authorizations: viewers' member tokens
// encrypted at rest (Vault), kept alive by refreshing (MemberTokens),
// obtained through the OAuth connect flow in a popup (Connector), and the
// tenants' client-credentials app tokens (AppTokens).
package tokens

import (
	"errors"
	"fmt"
)

// ErrNotConnected means the viewer has no usable LinkedIn authorization:
// never connected, disconnected, or revoked by LinkedIn. The widget shows
// a Connect button.
var ErrNotConnected = errors.New("linkedin account not connected")

// ErrStateInvalid means an OAuth state or connect handle is unknown,
// expired, already used, or belongs to another tenant. The user must start
// connecting again.
var ErrStateInvalid = errors.New("connect link invalid, expired or already used")

// ErrHandleInvalid is the ErrStateInvalid given for connect handles, so
// errors.Is(err, ErrStateInvalid) holds for both.
var ErrHandleInvalid = fmt.Errorf("%w: connect handle", ErrStateInvalid)

// ErrDenied means the member did not grant access on LinkedIn's consent
// page (or LinkedIn returned no code).
var ErrDenied = errors.New("linkedin authorization denied")
