package tokens

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/snapbridge/snapbridge/internal/keyring"
	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/store/sqlite"
	"github.com/snapbridge/snapbridge/internal/tenant"
)

// fakeLinkedIn is a small in-memory authorization server: the real
// stand-in and client are built elsewhere; this one checks what this
// package must get right (PKCE, redirect URL, which app) and counts calls.
type fakeLinkedIn struct {
	mu        sync.Mutex
	clientID  string
	challenge map[string]string // state -> PKCE challenge
	verifiers []string          // every verifier seen in AuthCodeURL
	codes     map[string]string // code -> challenge
	redirect  map[string]string // code -> redirect URL

	refreshCalls, exchangeCalls, appCalls, userinfoCalls int
	refreshErr, exchangeErr, appErr, userinfoErr         error
	refreshAnswer                                        func(n int) linkedin.Token
	// onRefresh, when set, runs during the n-th Refresh call, as the
	// seller acting while LinkedIn answers; a non-nil result is LinkedIn's
	// answer to that call.
	onRefresh func(n int) error
	appAnswer func(n int, scope string) linkedin.Token

	// gate, when set, holds Refresh and AppToken until closed; entered
	// receives a value when a call starts waiting.
	gate    chan struct{}
	entered chan struct{}
}

func newFake() *fakeLinkedIn {
	return &fakeLinkedIn{clientID: "client-acme", challenge: map[string]string{}, codes: map[string]string{}, redirect: map[string]string{}}
}

func (f *fakeLinkedIn) AuthCodeURL(app linkedin.App, redirectURL, state, verifier string, scopes []string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	ch := oauth2.S256ChallengeFromVerifier(verifier)
	f.challenge[state] = ch
	f.verifiers = append(f.verifiers, verifier)
	q := url.Values{"response_type": {"code"}, "client_id": {app.ClientID}, "redirect_uri": {redirectURL},
		"state": {state}, "scope": {strings.Join(scopes, " ")}, "code_challenge": {ch}, "code_challenge_method": {"S256"}}
	return "https://www.linkedin.com/oauth/v2/authorization?" + q.Encode()
}

// consent plays the member pressing "Allow" on the page authURL opened; it
// returns the code LinkedIn would redirect with.
func (f *fakeLinkedIn) consent(t *testing.T, authURL string) (state, code string) {
	t.Helper()
	u, err := url.Parse(authURL)
	if err != nil {
		t.Fatalf("authorization URL: %v", err)
	}
	q := u.Query()
	state = q.Get("state")
	f.mu.Lock()
	defer f.mu.Unlock()
	ch, ok := f.challenge[state]
	if !ok || q.Get("code_challenge") != ch {
		t.Fatalf("authorization URL carries an unknown state or challenge")
	}
	code = fmt.Sprintf("code-%d", len(f.codes)+1)
	f.codes[code], f.redirect[code] = ch, q.Get("redirect_uri")
	return state, code
}

func (f *fakeLinkedIn) Exchange(_ context.Context, app linkedin.App, redirectURL, code, verifier string) (linkedin.Token, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.exchangeCalls++
	if f.exchangeErr != nil {
		return linkedin.Token{}, f.exchangeErr
	}
	ch, ok := f.codes[code]
	delete(f.codes, code)
	switch {
	case !ok:
		return linkedin.Token{}, &linkedin.Error{Status: 400, Code: "invalid_grant", Message: "unknown code"}
	case app.ClientID != f.clientID:
		return linkedin.Token{}, &linkedin.Error{Status: 401, Code: "invalid_client", Message: "wrong app"}
	case redirectURL != f.redirect[code]:
		return linkedin.Token{}, &linkedin.Error{Status: 400, Code: "invalid_request", Message: "redirect_uri mismatch"}
	case oauth2.S256ChallengeFromVerifier(verifier) != ch:
		return linkedin.Token{}, &linkedin.Error{Status: 400, Code: "invalid_grant", Message: "PKCE verification failed"}
	}
	return linkedin.Token{AccessToken: "access-from-" + code, ExpiresAt: farFuture, RefreshToken: "refresh-from-" + code, Scope: linkedin.ScopeDisplay}, nil
}

// UserInfo names the member behind a token the fake issued, or fails
// with userinfoErr.
func (f *fakeLinkedIn) UserInfo(_ context.Context, token string) (linkedin.UserInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.userinfoCalls++
	if f.userinfoErr != nil {
		return linkedin.UserInfo{}, f.userinfoErr
	}
	return linkedin.UserInfo{Subject: "member-" + token, Name: "Avery Collins", Picture: "https://media.licdn.com/avery.jpg"}, nil
}

func (f *fakeLinkedIn) wait() {
	f.mu.Lock()
	gate, entered := f.gate, f.entered
	f.mu.Unlock()
	if gate == nil {
		return
	}
	select {
	case entered <- struct{}{}:
	default:
	}
	<-gate
}

func (f *fakeLinkedIn) Refresh(_ context.Context, app linkedin.App, refreshToken string) (linkedin.Token, error) {
	f.wait()
	f.mu.Lock()
	f.refreshCalls++
	n, onRefresh := f.refreshCalls, f.onRefresh
	f.mu.Unlock()
	if onRefresh != nil {
		if err := onRefresh(n); err != nil {
			return linkedin.Token{}, err
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if app.ClientID != f.clientID {
		return linkedin.Token{}, &linkedin.Error{Status: 401, Code: "invalid_client", Message: "wrong app"}
	}
	if f.refreshErr != nil {
		return linkedin.Token{}, f.refreshErr
	}
	if f.refreshAnswer != nil {
		return f.refreshAnswer(f.refreshCalls), nil
	}
	return linkedin.Token{AccessToken: fmt.Sprintf("refreshed-%d-from-%s", f.refreshCalls, refreshToken), ExpiresAt: farFuture}, nil
}

func (f *fakeLinkedIn) AppToken(_ context.Context, app linkedin.App, scopes ...string) (linkedin.Token, error) {
	f.wait()
	f.mu.Lock()
	defer f.mu.Unlock()
	f.appCalls++
	if f.appErr != nil {
		return linkedin.Token{}, f.appErr
	}
	if len(scopes) != 1 {
		return linkedin.Token{}, &linkedin.Error{Status: 400, Code: "invalid_scope", Message: "want one scope"}
	}
	return f.appAnswer(f.appCalls, app.ClientID+"/"+scopes[0]), nil
}

func (f *fakeLinkedIn) calls() (refresh, exchange, app int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.refreshCalls, f.exchangeCalls, f.appCalls
}

// hold makes Refresh and AppToken calls wait until release is called;
// started receives once the first call is waiting.
func (f *fakeLinkedIn) hold() (started <-chan struct{}, release func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gate, f.entered = make(chan struct{}), make(chan struct{}, 1)
	gate := f.gate
	return f.entered, func() { close(gate) }
}

var (
	t0        = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	farFuture = t0.Add(60 * 24 * time.Hour)
	acme      = &tenant.Tenant{ID: "acme", LinkedIn: tenant.LinkedInApp{ClientID: "client-acme", ClientSecret: "secret-acme"}}
	globex    = &tenant.Tenant{ID: "globex", LinkedIn: tenant.LinkedInApp{ClientID: "client-acme", ClientSecret: "secret-acme"}}
)

// clock is a settable time source.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: t0} }

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *clock) advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// testEnv is a real SQLite store, a real key ring and a fake LinkedIn.
type testEnv struct {
	path  string
	db    *sqlite.DB
	ring  *keyring.KeyRing
	clock *clock
	li    *fakeLinkedIn
	vault *Vault
}

func newEnv(t *testing.T) *testEnv {
	t.Helper()
	path := filepath.Join(t.TempDir(), "snapbridge.db")
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	ring := newRing(t, mustKey(t, "k1"))
	c := newClock()
	return &testEnv{path: path, db: db, ring: ring, clock: c, li: newFake(), vault: NewVault(db, ring, c.Now)}
}

func mustKey(t *testing.T, id string) keyring.Key {
	t.Helper()
	k, err := keyring.GenerateKey(id)
	if err != nil {
		t.Fatalf("GenerateKey: %v", err)
	}
	return k
}

func newRing(t *testing.T, keys ...keyring.Key) *keyring.KeyRing {
	t.Helper()
	r, err := keyring.New(keys...)
	if err != nil {
		t.Fatalf("keyring.New: %v", err)
	}
	return r
}

func (e *testEnv) save(t *testing.T, tenantID, viewer string, tok linkedin.Token) {
	t.Helper()
	if err := e.vault.Save(context.Background(), tenantID, viewer, tok); err != nil {
		t.Fatalf("Save: %v", err)
	}
}

// mustRevoke marks the viewer's stored authorization revoked the way a
// refresh that met invalid_grant does: conditionally on the row read.
func mustRevoke(t *testing.T, v *Vault, tenantID, viewer string) {
	t.Helper()
	ctx := context.Background()
	cur, err := v.load(ctx, tenantID, viewer)
	if err != nil {
		t.Fatalf("load %s/%s: %v", tenantID, viewer, err)
	}
	if ok, err := v.revoke(ctx, cur); err != nil || !ok {
		t.Fatalf("revoke %s/%s = %v, %v; want true, nil", tenantID, viewer, ok, err)
	}
}

func (e *testEnv) count(t *testing.T, tenantID, status string) int {
	t.Helper()
	n, err := e.db.CountMemberTokens(context.Background(), tenantID, status)
	if err != nil {
		t.Fatalf("CountMemberTokens: %v", err)
	}
	return n
}

// The real client must fit the interface this package asks for.
var _ LinkedIn = (*linkedin.Client)(nil)
