package tokens

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/snapbridge/snapbridge/internal/tenant"
)

// ErrScopeMissing means the viewer is connected, but the stored
// authorization was granted without a scope a feature needs. The viewer
// must consent again with the scope added; features ask for their scopes
// when first used rather than all at the first connect.
var ErrScopeMissing = errors.New("linkedin authorization lacks a needed scope")

// ScopeError is the ErrScopeMissing returned for one scope; errors.Is(err,
// ErrScopeMissing) holds for it.
type ScopeError struct {
	// Scope is the scope that is missing.
	Scope string
	// Granted are the scopes the stored authorization carries.
	Granted []string
}

func (e *ScopeError) Error() string {
	return fmt.Sprintf("linkedin authorization lacks scope %s (granted: %s)", e.Scope, strings.Join(e.Granted, ","))
}

// Is makes errors.Is(err, ErrScopeMissing) true.
func (e *ScopeError) Is(target error) bool { return target == ErrScopeMissing }

// AccessTokenWithScope is AccessToken for a feature that needs scope: it
// returns a *ScopeError (an ErrScopeMissing) when the viewer's stored
// authorization was granted without it. An authorization whose scope
// LinkedIn did not report is let through; LinkedIn's 403 then decides.
func (m *MemberTokens) AccessTokenWithScope(ctx context.Context, t *tenant.Tenant, viewer, scope string) (string, error) {
	if t == nil || viewer == "" || scope == "" {
		return "", fmt.Errorf("member access token with scope: tenant, viewer and scope are required")
	}
	tok, err := m.vault.Load(ctx, t.ID, viewer)
	if err != nil {
		return "", err
	}
	if granted := SplitScopes(tok.Scope); len(granted) > 0 && !slices.Contains(granted, scope) {
		return "", fmt.Errorf("member token %s/%s: %w", t.ID, viewer, &ScopeError{Scope: scope, Granted: granted})
	}
	return m.AccessToken(ctx, t, viewer)
}

// SplitScopes reads a scope list as LinkedIn reports it, comma- or
// space-separated; an empty string gives no scopes.
func SplitScopes(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' })
}

// NewScopedHandle is NewHandle for a connect that must also grant scopes:
// the consent started from the handle asks for the scopes the viewer has
// already granted plus these, so reconnecting for a new feature never
// drops an earlier one. Like NewHandle it gives the session's live handle
// for the same scopes again rather than a new one.
func (c *Connector) NewScopedHandle(ctx context.Context, h Handle, scopes []string) (string, error) {
	if h.Tenant == "" || h.Viewer == "" || h.SessionID == "" {
		return "", fmt.Errorf("new scoped connect handle: tenant, viewer and session are required")
	}
	want := slices.Clone(scopes)
	if tok, err := c.vault.Load(ctx, h.Tenant, h.Viewer); err == nil {
		want = unionScopes(SplitScopes(tok.Scope), want)
	} else if !errors.Is(err, ErrNotConnected) {
		return "", fmt.Errorf("new scoped connect handle: %w", err)
	}
	return c.issueHandle(ctx, h, want, "new scoped connect handle")
}

// unionScopes returns a followed by the scopes of b not in a.
func unionScopes(a, b []string) []string {
	out := slices.Clone(a)
	for _, s := range b {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
