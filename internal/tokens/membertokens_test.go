package tokens

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/store"
)

func TestAccessToken(t *testing.T) {
	ctx := context.Background()
	refreshable := func(expiresIn time.Duration) linkedin.Token {
		return linkedin.Token{AccessToken: "stored-access", ExpiresAt: t0.Add(expiresIn),
			RefreshToken: "stored-refresh", RefreshExpiresAt: t0.Add(300 * 24 * time.Hour), Scope: linkedin.ScopeDisplay}
	}
	invalidGrant := &linkedin.Error{Status: 400, Code: "invalid_grant", Message: "refresh token revoked"}
	unavailable := &linkedin.Error{Status: 503, Message: "service unavailable"}
	unreachable := &linkedin.Error{Status: 0, Err: errors.New("connection refused")}

	tests := []struct {
		scenario    string
		stored      *linkedin.Token // nil: never connected
		refreshErr  error
		want        string
		wantErr     error
		wantRefresh int
		// wantStored is the access token stored afterwards, and its status.
		wantStored, wantStatus string
	}{
		{scenario: "fresh token is used as is", stored: ptr(refreshable(time.Hour)),
			want: "stored-access", wantStored: "stored-access", wantStatus: store.StatusConnected},
		{scenario: "token expiring within two minutes is refreshed and stored", stored: ptr(refreshable(90 * time.Second)),
			want: "refreshed-1-from-stored-refresh", wantRefresh: 1, wantStored: "refreshed-1-from-stored-refresh", wantStatus: store.StatusConnected},
		{scenario: "expired token is refreshed", stored: ptr(refreshable(-time.Hour)),
			want: "refreshed-1-from-stored-refresh", wantRefresh: 1, wantStored: "refreshed-1-from-stored-refresh", wantStatus: store.StatusConnected},
		{scenario: "invalid_grant marks the viewer revoked", stored: ptr(refreshable(-time.Hour)), refreshErr: invalidGrant,
			wantErr: ErrNotConnected, wantRefresh: 1, wantStored: "stored-access", wantStatus: store.StatusRevoked},
		{scenario: "LinkedIn 503 with an expired token keeps the stored token", stored: ptr(refreshable(-time.Minute)), refreshErr: unavailable,
			wantErr: unavailable, wantRefresh: 1, wantStored: "stored-access", wantStatus: store.StatusConnected},
		{scenario: "network failure with an expired token keeps the stored token", stored: ptr(refreshable(-time.Minute)), refreshErr: unreachable,
			wantErr: unreachable, wantRefresh: 1, wantStored: "stored-access", wantStatus: store.StatusConnected},
		{scenario: "LinkedIn 503 while the old token still works returns the old token", stored: ptr(refreshable(time.Minute)), refreshErr: unavailable,
			want: "stored-access", wantRefresh: 1, wantStored: "stored-access", wantStatus: store.StatusConnected},
		{scenario: "expired without refresh token is not connected", stored: &linkedin.Token{AccessToken: "stored-access", ExpiresAt: t0.Add(-time.Second)},
			wantErr: ErrNotConnected, wantStored: "stored-access", wantStatus: store.StatusConnected},
		{scenario: "expired with an expired refresh token is not connected",
			stored:  &linkedin.Token{AccessToken: "stored-access", ExpiresAt: t0.Add(-time.Second), RefreshToken: "r", RefreshExpiresAt: t0.Add(-time.Hour)},
			wantErr: ErrNotConnected, wantStored: "stored-access", wantStatus: store.StatusConnected},
		{scenario: "expiring soon without refresh token is still handed out", stored: &linkedin.Token{AccessToken: "stored-access", ExpiresAt: t0.Add(time.Minute)},
			want: "stored-access", wantStored: "stored-access", wantStatus: store.StatusConnected},
		{scenario: "never connected", wantErr: ErrNotConnected},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			e := newEnv(t)
			e.li.refreshErr = tc.refreshErr
			if tc.stored != nil {
				e.save(t, "acme", "v1", *tc.stored)
			}
			m := NewMemberTokens(e.vault, e.li, e.clock.Now)
			got, err := m.AccessToken(ctx, acme, "v1")
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("AccessToken error = %v, want %v", err, tc.wantErr)
				}
			} else if err != nil || got != tc.want {
				t.Fatalf("AccessToken = %q, %v; want %q", got, err, tc.want)
			}
			if n, _, _ := e.li.calls(); n != tc.wantRefresh {
				t.Fatalf("%d refresh calls, want %d", n, tc.wantRefresh)
			}
			if tc.stored == nil {
				return
			}
			assertStored(t, e, "v1", tc.wantStored, tc.wantStatus)
		})
	}
}

// A refresh keeps what LinkedIn's answer leaves out: the refresh token
// and its expiry (LinkedIn does not extend it by refreshing) and the
// scope, so the viewer must reconnect when the refresh token really
// expires, not before and not never.
func TestAccessTokenKeepsWhatTheRefreshAnswerOmits(t *testing.T) {
	ctx := context.Background()
	refreshExpiry, rotatedExpiry := t0.Add(200*24*time.Hour), t0.Add(365*24*time.Hour)
	tests := []struct {
		scenario string
		answer   linkedin.Token // LinkedIn's answer to the refresh
		// wantRefresh and wantRefreshExpiry are stored afterwards.
		wantRefresh       string
		wantRefreshExpiry time.Time
	}{
		{scenario: "no refresh token in the answer: ours and its expiry are kept",
			answer:      linkedin.Token{AccessToken: "new", ExpiresAt: farFuture},
			wantRefresh: "keep-me", wantRefreshExpiry: refreshExpiry},
		{scenario: "our refresh token repeated without its expiry: its expiry is kept",
			answer:      linkedin.Token{AccessToken: "new", ExpiresAt: farFuture, RefreshToken: "keep-me"},
			wantRefresh: "keep-me", wantRefreshExpiry: refreshExpiry},
		{scenario: "a new refresh token: it replaces ours with its own expiry",
			answer:      linkedin.Token{AccessToken: "new", ExpiresAt: farFuture, RefreshToken: "rotated", RefreshExpiresAt: rotatedExpiry},
			wantRefresh: "rotated", wantRefreshExpiry: rotatedExpiry},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			e := newEnv(t)
			e.save(t, "acme", "v1", linkedin.Token{AccessToken: "old", ExpiresAt: t0, RefreshToken: "keep-me", RefreshExpiresAt: refreshExpiry, Scope: "r_sales_nav_display"})
			e.li.refreshAnswer = func(int) linkedin.Token { return tc.answer }
			m := NewMemberTokens(e.vault, e.li, e.clock.Now)
			if tok, err := m.AccessToken(ctx, acme, "v1"); err != nil || tok != "new" {
				t.Fatalf("AccessToken = %q, %v; want the refreshed token", tok, err)
			}
			got, err := e.vault.Load(ctx, "acme", "v1")
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if got.RefreshToken != tc.wantRefresh || !got.RefreshExpiresAt.Equal(tc.wantRefreshExpiry) || got.Scope != "r_sales_nav_display" {
				t.Fatalf("after refresh stored %+v; want refresh token %q expiring %v, scope kept", got, tc.wantRefresh, tc.wantRefreshExpiry)
			}
			// And the refreshed token is used from then on: no second refresh.
			if _, err := m.AccessToken(ctx, acme, "v1"); err != nil {
				t.Fatalf("AccessToken: %v", err)
			}
			if n, _, _ := e.li.calls(); n != 1 {
				t.Fatalf("%d refresh calls, want 1", n)
			}
		})
	}
}

// LinkedIn answering a refresh without an access token is a failure: the
// stored authorization is left as it was.
func TestAccessTokenRefusesRefreshAnswerWithoutToken(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.save(t, "acme", "v1", linkedin.Token{AccessToken: "old", ExpiresAt: t0.Add(-time.Minute), RefreshToken: "r"})
	e.li.refreshAnswer = func(int) linkedin.Token { return linkedin.Token{ExpiresAt: farFuture} }
	if tok, err := NewMemberTokens(e.vault, e.li, e.clock.Now).AccessToken(ctx, acme, "v1"); err == nil || errors.Is(err, ErrNotConnected) {
		t.Fatalf("AccessToken = %q, %v; want a failure that leaves the viewer connected", tok, err)
	}
	assertStored(t, e, "v1", "old", store.StatusConnected)
}

func TestRevokedViewerStaysRevoked(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.save(t, "acme", "v1", linkedin.Token{AccessToken: "a", ExpiresAt: t0, RefreshToken: "r"})
	e.li.refreshErr = &linkedin.Error{Status: 400, Code: "invalid_grant", Message: "revoked"}
	m := NewMemberTokens(e.vault, e.li, e.clock.Now)
	for i := range 3 {
		if _, err := m.AccessToken(ctx, acme, "v1"); !errors.Is(err, ErrNotConnected) {
			t.Fatalf("call %d: error = %v, want ErrNotConnected", i+1, err)
		}
	}
	if n, _, _ := e.li.calls(); n != 1 {
		t.Fatalf("%d refresh calls for a revoked viewer, want 1", n)
	}
}

func TestConcurrentAccessTokenRefreshesOnce(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.save(t, "acme", "v1", linkedin.Token{AccessToken: "old", ExpiresAt: t0.Add(time.Minute), RefreshToken: "r"})
	m := NewMemberTokens(e.vault, e.li, e.clock.Now)
	started, release := e.li.hold()

	const callers = 30
	results := make([]string, callers)
	errs := make([]error, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() { results[i], errs[i] = m.AccessToken(ctx, acme, "v1") })
	}
	<-started
	time.Sleep(50 * time.Millisecond) // let the other callers queue up on the refresh
	release()
	wg.Wait()
	for i := range callers {
		if errs[i] != nil || results[i] != "refreshed-1-from-r" {
			t.Fatalf("caller %d got %q, %v; want the refreshed token", i, results[i], errs[i])
		}
	}
	if n, _, _ := e.li.calls(); n != 1 {
		t.Fatalf("%d refresh calls for %d concurrent callers, want 1", n, callers)
	}
}

func TestRefreshOutlivesImpatientCaller(t *testing.T) {
	e := newEnv(t)
	e.save(t, "acme", "v1", linkedin.Token{AccessToken: "old", ExpiresAt: t0, RefreshToken: "r"})
	m := NewMemberTokens(e.vault, e.li, e.clock.Now)
	started, release := e.li.hold()
	ctx, cancel := context.WithCancel(context.Background())
	impatient := make(chan error, 1)
	go func() { _, err := m.AccessToken(ctx, acme, "v1"); impatient <- err }()
	<-started
	patient := make(chan string, 1)
	go func() { tok, _ := m.AccessToken(context.Background(), acme, "v1"); patient <- tok }()
	time.Sleep(20 * time.Millisecond)
	cancel()
	if err := <-impatient; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled caller got %v, want context.Canceled", err)
	}
	release()
	if tok := <-patient; tok != "refreshed-1-from-r" {
		t.Fatalf("patient caller got %q: the first caller's cancellation must not fail the shared refresh", tok)
	}
}

func TestRejected(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		scenario    string
		stored      linkedin.Token
		refreshErr  error
		wantErr     error
		wantRefresh int
		wantStored  string
		wantStatus  string
	}{
		{scenario: "refreshable token is refreshed", stored: linkedin.Token{AccessToken: "rejected", ExpiresAt: farFuture, RefreshToken: "r"},
			wantRefresh: 1, wantStored: "refreshed-1-from-r", wantStatus: store.StatusConnected},
		{scenario: "no refresh token: marked revoked", stored: linkedin.Token{AccessToken: "rejected", ExpiresAt: farFuture},
			wantErr: ErrNotConnected, wantStored: "rejected", wantStatus: store.StatusRevoked},
		{scenario: "refresh refused with invalid_grant: marked revoked", stored: linkedin.Token{AccessToken: "rejected", ExpiresAt: farFuture, RefreshToken: "r"},
			refreshErr: &linkedin.Error{Status: 400, Code: "invalid_grant"}, wantErr: ErrNotConnected, wantRefresh: 1, wantStored: "rejected", wantStatus: store.StatusRevoked},
		{scenario: "LinkedIn down: nothing changes", stored: linkedin.Token{AccessToken: "rejected", ExpiresAt: farFuture, RefreshToken: "r"},
			refreshErr: &linkedin.Error{Status: 500}, wantErr: &linkedin.Error{}, wantRefresh: 1, wantStored: "rejected", wantStatus: store.StatusConnected},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			e := newEnv(t)
			e.li.refreshErr = tc.refreshErr
			e.save(t, "acme", "v1", tc.stored)
			m := NewMemberTokens(e.vault, e.li, e.clock.Now)
			err := m.Rejected(ctx, acme, "v1")
			switch want := tc.wantErr.(type) {
			case nil:
				if err != nil {
					t.Fatalf("Rejected: %v", err)
				}
			case *linkedin.Error:
				if _, ok := linkedin.AsError(err); !ok || errors.Is(err, ErrNotConnected) {
					t.Fatalf("Rejected error = %v, want the LinkedIn error and not ErrNotConnected", err)
				}
			default:
				if !errors.Is(err, want) {
					t.Fatalf("Rejected error = %v, want %v", err, want)
				}
			}
			if n, _, _ := e.li.calls(); n != tc.wantRefresh {
				t.Fatalf("%d refresh calls, want %d", n, tc.wantRefresh)
			}
			assertStored(t, e, "v1", tc.wantStored, tc.wantStatus)
		})
	}
}

func TestErrorsNeverCarryTokens(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.save(t, "acme", "v1", linkedin.Token{AccessToken: "AQV-SECRET", ExpiresAt: t0, RefreshToken: "AQX-SECRET"})
	e.li.refreshErr = &linkedin.Error{Status: 502, Message: "bad gateway"}
	_, err := NewMemberTokens(e.vault, e.li, e.clock.Now).AccessToken(ctx, acme, "v1")
	if err == nil || strings.Contains(err.Error(), "SECRET") {
		t.Fatalf("error %v must exist and not contain a token", err)
	}
}

// assertStored checks the row of acme/viewer directly in the store, so a
// revoked row (which Load refuses) can be inspected too.
func assertStored(t *testing.T, e *testEnv, viewer, wantAccess, wantStatus string) {
	t.Helper()
	row, err := e.db.MemberToken(context.Background(), "acme", viewer)
	if err != nil {
		t.Fatalf("stored row: %v", err)
	}
	if row.Status != wantStatus {
		t.Fatalf("stored status %q, want %q", row.Status, wantStatus)
	}
	row.Status = store.StatusConnected
	if err := e.db.PutMemberToken(context.Background(), row); err != nil {
		t.Fatalf("PutMemberToken: %v", err)
	}
	got, err := e.vault.Load(context.Background(), "acme", viewer)
	if err != nil || got.AccessToken != wantAccess {
		t.Fatalf("stored access token %q, %v; want %q", got.AccessToken, err, wantAccess)
	}
}

func ptr[T any](v T) *T { return &v }

// A refresh waits on LinkedIn while the seller, or another instance,
// changes the authorization. What changed must stand: a refresh never
// reconnects a disconnected or revoked viewer nor overwrites a newer
// authorization, and the caller gets what is true once it lands.
func TestAuthorizationChangedDuringRefreshStands(t *testing.T) {
	ctx := context.Background()
	expired := linkedin.Token{AccessToken: "member-a-access", ExpiresAt: t0.Add(-time.Minute), RefreshToken: "member-a-refresh"}
	memberB := linkedin.Token{AccessToken: "member-b-access", ExpiresAt: farFuture, RefreshToken: "member-b-refresh"}
	invalidGrant := &linkedin.Error{Status: 400, Code: "invalid_grant", Message: "refresh token revoked"}
	tests := []struct {
		scenario string
		// stored is what the refresh reads; rejected calls Rejected
		// instead of AccessToken.
		stored     linkedin.Token
		rejected   bool
		refreshErr error
		// meanwhile runs while the refresh waits on LinkedIn.
		meanwhile func(t *testing.T, e *testEnv)
		want      string
		wantErr   error
		// wantStored and wantStatus are the row afterwards; "" means none.
		wantStored, wantStatus string
	}{
		{scenario: "seller disconnects: stays disconnected", stored: expired,
			meanwhile: func(t *testing.T, e *testEnv) { mustDisconnect(t, e) },
			wantErr:   ErrNotConnected},
		{scenario: "seller reconnects another member: the new member's token is kept and handed out", stored: expired,
			meanwhile: func(t *testing.T, e *testEnv) { e.save(t, "acme", "v1", memberB) },
			want:      "member-b-access", wantStored: "member-b-access", wantStatus: store.StatusConnected},
		{scenario: "seller disconnects and reconnects: the new member's token is kept", stored: expired,
			meanwhile: func(t *testing.T, e *testEnv) { mustDisconnect(t, e); e.save(t, "acme", "v1", memberB) },
			want:      "member-b-access", wantStored: "member-b-access", wantStatus: store.StatusConnected},
		{scenario: "another instance marked the viewer revoked: stays revoked", stored: expired,
			meanwhile: func(t *testing.T, e *testEnv) { mustRevoke(t, e.vault, "acme", "v1") },
			wantErr:   ErrNotConnected, wantStored: "member-a-access", wantStatus: store.StatusRevoked},
		{scenario: "invalid_grant for the old token does not revoke the new member", stored: expired, refreshErr: invalidGrant,
			meanwhile: func(t *testing.T, e *testEnv) { e.save(t, "acme", "v1", memberB) },
			want:      "member-b-access", wantStored: "member-b-access", wantStatus: store.StatusConnected},
		{scenario: "invalid_grant after a disconnect leaves no revoked row", stored: expired, refreshErr: invalidGrant,
			meanwhile: func(t *testing.T, e *testEnv) { mustDisconnect(t, e) },
			wantErr:   ErrNotConnected},
		{scenario: "rejected token, seller reconnects: the new member is neither refreshed nor revoked",
			stored: linkedin.Token{AccessToken: "member-a-access", ExpiresAt: farFuture, RefreshToken: "member-a-refresh"}, rejected: true,
			meanwhile:  func(t *testing.T, e *testEnv) { e.save(t, "acme", "v1", memberB) },
			wantStored: "member-b-access", wantStatus: store.StatusConnected},
		{scenario: "rejected token, seller disconnects: not connected", stored: expired, rejected: true,
			meanwhile: func(t *testing.T, e *testEnv) { mustDisconnect(t, e) },
			wantErr:   ErrNotConnected},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			e := newEnv(t)
			e.li.refreshErr = tc.refreshErr
			e.save(t, "acme", "v1", tc.stored)
			m := NewMemberTokens(e.vault, e.li, e.clock.Now)
			started, release := e.li.hold()
			type result struct {
				tok string
				err error
			}
			done := make(chan result, 1)
			go func() {
				if tc.rejected {
					done <- result{err: m.Rejected(ctx, acme, "v1")}
					return
				}
				tok, err := m.AccessToken(ctx, acme, "v1")
				done <- result{tok, err}
			}()
			<-started
			tc.meanwhile(t, e)
			release()
			got := <-done
			if tc.wantErr != nil {
				if !errors.Is(got.err, tc.wantErr) {
					t.Fatalf("error = %v, want %v", got.err, tc.wantErr)
				}
			} else if got.err != nil || got.tok != tc.want {
				t.Fatalf("got %q, %v; want %q", got.tok, got.err, tc.want)
			}
			if tc.wantStored == "" {
				if n := e.count(t, "acme", ""); n != 0 {
					t.Fatalf("%d rows stored after the refresh, want none", n)
				}
				return
			}
			assertStored(t, e, "v1", tc.wantStored, tc.wantStatus)
		})
	}
}

// A refresh starts over at most three times when the seller's
// authorization keeps changing while LinkedIn answers; LinkedIn refusing
// the authorization the last pass read still means "reconnect".
func TestRefreshStartsOverAtMostThreeTimes(t *testing.T) {
	ctx := context.Background()
	invalidGrant := &linkedin.Error{Status: 400, Code: "invalid_grant", Message: "refresh token revoked"}
	tests := []struct {
		scenario string
		// refusedAt is the refresh call LinkedIn answers invalid_grant;
		// before it, every call sees the seller reconnect meanwhile.
		refusedAt  int
		wantErr    error
		wantStatus string
	}{
		{scenario: "seller reconnects twice, LinkedIn refuses the third authorization: not connected",
			refusedAt: 3, wantErr: ErrNotConnected, wantStatus: store.StatusRevoked},
		{scenario: "seller reconnects on every pass: gives up after three, leaving the latest authorization",
			refusedAt: 0, wantStatus: store.StatusConnected},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			e := newEnv(t)
			reconnected := func(n int) linkedin.Token {
				return linkedin.Token{AccessToken: fmt.Sprintf("member-%d-access", n), ExpiresAt: t0.Add(-time.Minute), RefreshToken: "r"}
			}
			e.save(t, "acme", "v1", reconnected(0))
			e.li.onRefresh = func(n int) error {
				if n == tc.refusedAt {
					return invalidGrant
				}
				if err := e.vault.Save(ctx, "acme", "v1", reconnected(n)); err != nil {
					t.Errorf("reconnect: %v", err)
				}
				return nil
			}
			_, err := NewMemberTokens(e.vault, e.li, e.clock.Now).AccessToken(ctx, acme, "v1")
			switch {
			case tc.wantErr != nil && !errors.Is(err, tc.wantErr):
				t.Fatalf("error = %v, want %v", err, tc.wantErr)
			case tc.wantErr == nil && (err == nil || errors.Is(err, ErrNotConnected)):
				t.Fatalf("error = %v, want a transient error (the seller is still connected)", err)
			}
			if n, _, _ := e.li.calls(); n != 3 {
				t.Fatalf("%d refresh calls, want 3", n)
			}
			last := 2
			if tc.refusedAt == 0 {
				last = 3
			}
			assertStored(t, e, "v1", fmt.Sprintf("member-%d-access", last), tc.wantStatus)
		})
	}
}

// A key rotation that re-encrypts the token while it is refreshed changes
// the row but not the authorization: the refresh starts over on the
// re-encrypted row, and the token handed out is the one stored.
func TestRefreshDuringKeyRotationIsStored(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	k1, k2 := mustKey(t, "k1"), mustKey(t, "k2")
	serving := NewVault(e.db, newRing(t, k1, k2), e.clock.Now)
	if err := serving.Save(ctx, "acme", "v1", linkedin.Token{AccessToken: "old", ExpiresAt: t0.Add(-time.Minute), RefreshToken: "r"}); err != nil {
		t.Fatalf("Save: %v", err)
	}
	m := NewMemberTokens(serving, e.li, e.clock.Now)
	started, release := e.li.hold()
	done := make(chan string, 1)
	go func() { tok, _ := m.AccessToken(ctx, acme, "v1"); done <- tok }()
	<-started
	if n, err := NewVault(e.db, newRing(t, k2, k1), e.clock.Now).Rotate(ctx); n != 1 || err != nil {
		t.Fatalf("Rotate = %d, %v; want 1 row", n, err)
	}
	release()
	tok := <-done
	if !strings.HasPrefix(tok, "refreshed-") {
		t.Fatalf("AccessToken = %q, want a refreshed token", tok)
	}
	if got, err := serving.Load(ctx, "acme", "v1"); err != nil || got.AccessToken != tok {
		t.Fatalf("stored %q, %v; want the token handed out, %q", got.AccessToken, err, tok)
	}
}

func mustDisconnect(t *testing.T, e *testEnv) {
	t.Helper()
	if err := e.vault.Disconnect(context.Background(), "acme", "v1"); err != nil {
		t.Fatalf("Disconnect: %v", err)
	}
}
