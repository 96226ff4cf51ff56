package tokens

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/keyring"
	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/store"
)

func TestVault(t *testing.T) {
	ctx := context.Background()
	tok := linkedin.Token{AccessToken: "AQV-secret-access-token-123", ExpiresAt: farFuture,
		RefreshToken: "AQX-secret-refresh-token-456", RefreshExpiresAt: t0.Add(365 * 24 * time.Hour), Scope: linkedin.ScopeDisplay}

	tests := []struct {
		scenario string
		// run prepares the state; then acme/v1 is loaded with the vault it
		// returns (nil: e.vault).
		run       func(t *testing.T, e *testEnv) *Vault
		wantErr   error
		wantToken bool // the loaded token must equal tok
	}{
		{scenario: "saved token loads back whole", wantToken: true,
			run: func(t *testing.T, e *testEnv) *Vault { e.save(t, "acme", "v1", tok); return nil }},
		{scenario: "never connected", wantErr: ErrNotConnected,
			run: func(t *testing.T, e *testEnv) *Vault { e.save(t, "acme", "v2", tok); return nil }},
		{scenario: "disconnected viewer is not connected", wantErr: ErrNotConnected,
			run: func(t *testing.T, e *testEnv) *Vault {
				e.save(t, "acme", "v1", tok)
				if err := e.vault.Disconnect(ctx, "acme", "v1"); err != nil {
					t.Fatalf("Disconnect: %v", err)
				}
				if n := e.count(t, "acme", ""); n != 0 {
					t.Fatalf("%d rows left after disconnect", n)
				}
				return nil
			}},
		{scenario: "revoked viewer is not connected but the row stays for admins", wantErr: ErrNotConnected,
			run: func(t *testing.T, e *testEnv) *Vault {
				e.save(t, "acme", "v1", tok)
				mustRevoke(t, e.vault, "acme", "v1")
				if n := e.count(t, "acme", store.StatusRevoked); n != 1 {
					t.Fatalf("%d revoked rows, want 1", n)
				}
				return nil
			}},
		{scenario: "reconnecting after revocation works again", wantToken: true,
			run: func(t *testing.T, e *testEnv) *Vault {
				e.save(t, "acme", "v1", linkedin.Token{AccessToken: "old", ExpiresAt: farFuture})
				mustRevoke(t, e.vault, "acme", "v1")
				e.save(t, "acme", "v1", tok)
				return nil
			}},
		{scenario: "row moved to another viewer does not open", wantErr: keyring.ErrOpen,
			run: func(t *testing.T, e *testEnv) *Vault {
				e.save(t, "acme", "v2", tok)
				moveRow(t, e, "acme", "v2", "acme", "v1")
				return nil
			}},
		{scenario: "row moved to another tenant does not open", wantErr: keyring.ErrOpen,
			run: func(t *testing.T, e *testEnv) *Vault {
				e.save(t, "globex", "v1", tok)
				moveRow(t, e, "globex", "v1", "acme", "v1")
				return nil
			}},
		{scenario: "restart keeps the token", wantToken: true,
			run: func(t *testing.T, e *testEnv) *Vault {
				e.save(t, "acme", "v1", tok)
				e.db.Close()
				db, err := store.Open(e.path)
				if err != nil {
					t.Fatalf("reopen: %v", err)
				}
				t.Cleanup(func() { db.Close() })
				return NewVault(db, e.ring, e.clock.Now)
			}},
		{scenario: "a ring without the sealing key asks the viewer to reconnect", wantErr: ErrNotConnected,
			run: func(t *testing.T, e *testEnv) *Vault {
				e.save(t, "acme", "v1", tok)
				return NewVault(e.db, newRing(t, mustKey(t, "k2")), e.clock.Now)
			}},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			e := newEnv(t)
			v := tc.run(t, e)
			if v == nil {
				v = e.vault
			}
			got, err := v.Load(ctx, "acme", "v1")
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("Load error = %v, want %v", err, tc.wantErr)
				}
				if got.AccessToken != "" {
					t.Fatalf("Load returned a token with an error")
				}
				return
			}
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if got.AccessToken != tok.AccessToken || got.RefreshToken != tok.RefreshToken || got.Scope != tok.Scope ||
				!got.ExpiresAt.Equal(tok.ExpiresAt) || !got.RefreshExpiresAt.Equal(tok.RefreshExpiresAt) {
				t.Fatalf("Load = %+v, want %+v", got, tok)
			}
		})
	}
}

func moveRow(t *testing.T, e *testEnv, fromTenant, fromViewer, toTenant, toViewer string) {
	t.Helper()
	row, err := e.db.MemberToken(context.Background(), fromTenant, fromViewer)
	if err != nil {
		t.Fatalf("MemberToken: %v", err)
	}
	row.Tenant, row.Viewer = toTenant, toViewer
	if err := e.db.PutMemberToken(context.Background(), row); err != nil {
		t.Fatalf("PutMemberToken: %v", err)
	}
}

func TestVaultFileHoldsNoPlaintext(t *testing.T) {
	e := newEnv(t)
	secrets := []string{"AQV-plaintext-access-token-must-not-leak", "AQX-plaintext-refresh-token-must-not-leak"}
	e.save(t, "acme", "v1", linkedin.Token{AccessToken: secrets[0], RefreshToken: secrets[1], ExpiresAt: farFuture})
	// Read every file SQLite wrote, before (WAL) and after closing.
	for _, phase := range []string{"open", "closed"} {
		if phase == "closed" {
			e.db.Close()
		}
		files, _ := filepath.Glob(e.path + "*")
		if len(files) == 0 {
			t.Fatalf("no database file at %s", e.path)
		}
		for _, f := range files {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatalf("read %s: %v", f, err)
			}
			for _, s := range secrets {
				if bytes.Contains(raw, []byte(s)) {
					t.Fatalf("%s (%s) contains a token in clear", filepath.Base(f), phase)
				}
			}
		}
	}
}

func TestVaultRotate(t *testing.T) {
	ctx := context.Background()
	oldKey, newKey := mustKey(t, "2025"), mustKey(t, "2026")
	tests := []struct {
		scenario    string
		viewers     []string
		revoke      string
		wantChanged int
	}{
		{scenario: "every row moves to the new key", viewers: []string{"v1", "v2", "v3"}, wantChanged: 3},
		{scenario: "revoked rows are re-encrypted too", viewers: []string{"v1", "v2"}, revoke: "v2", wantChanged: 2},
		{scenario: "nothing to rotate", viewers: nil, wantChanged: 0},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			e := newEnv(t)
			before := NewVault(e.db, newRing(t, oldKey), e.clock.Now)
			for _, v := range tc.viewers {
				if err := before.Save(ctx, "acme", v, linkedin.Token{AccessToken: "tok-" + v, ExpiresAt: farFuture}); err != nil {
					t.Fatalf("Save: %v", err)
				}
			}
			if tc.revoke != "" {
				mustRevoke(t, before, "acme", tc.revoke)
			}
			during := NewVault(e.db, newRing(t, newKey, oldKey), e.clock.Now)
			n, err := during.Rotate(ctx)
			if err != nil || n != tc.wantChanged {
				t.Fatalf("Rotate = %d, %v; want %d, nil", n, err, tc.wantChanged)
			}
			if n, err := during.Rotate(ctx); err != nil || n != 0 {
				t.Fatalf("second Rotate = %d, %v; want 0, nil", n, err)
			}
			after := NewVault(e.db, newRing(t, newKey), e.clock.Now) // old key dropped
			for _, v := range tc.viewers {
				got, err := after.Load(ctx, "acme", v)
				if v == tc.revoke {
					if !errors.Is(err, ErrNotConnected) {
						t.Fatalf("revoked %s: Load error = %v, want ErrNotConnected", v, err)
					}
					continue
				}
				if err != nil || got.AccessToken != "tok-"+v {
					t.Fatalf("Load %s after dropping the old key = %q, %v", v, got.AccessToken, err)
				}
			}
			if tc.revoke != "" && e.count(t, "acme", store.StatusRevoked) != 1 {
				t.Fatalf("rotation changed the status of the revoked row")
			}
		})
	}
}

func TestVaultRotateReportsUnopenableRows(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	lost, kept, primary := mustKey(t, "lost"), mustKey(t, "kept"), mustKey(t, "primary")
	_ = NewVault(e.db, newRing(t, lost), e.clock.Now).Save(ctx, "acme", "v1", linkedin.Token{AccessToken: "a", ExpiresAt: farFuture})
	_ = NewVault(e.db, newRing(t, kept), e.clock.Now).Save(ctx, "acme", "v2", linkedin.Token{AccessToken: "b", ExpiresAt: farFuture})
	n, err := NewVault(e.db, newRing(t, primary, kept), e.clock.Now).Rotate(ctx)
	if n != 1 || !errors.Is(err, keyring.ErrUnknownKey) {
		t.Fatalf("Rotate = %d, %v; want 1 row changed and an unknown-key error", n, err)
	}
}

// A token sealed with a key since removed from the ring is a reconnect
// (ErrNotConnected, row marked reconnect_required), not an error, and
// connecting again works.
func TestRemovedKeyAsksViewerToReconnect(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.save(t, "acme", "v1", linkedin.Token{AccessToken: "sealed-with-k1", ExpiresAt: farFuture})
	v := NewVault(e.db, newRing(t, mustKey(t, "k2")), e.clock.Now)
	if _, err := v.Load(ctx, "acme", "v1"); !errors.Is(err, ErrNotConnected) || !errors.Is(err, keyring.ErrUnknownKey) {
		t.Fatalf("Load error = %v, want ErrNotConnected caused by the unknown key", err)
	}
	if _, err := v.Load(ctx, "acme", "v1"); !errors.Is(err, ErrNotConnected) {
		t.Fatalf("second Load error = %v, want ErrNotConnected", err)
	}
	if n := e.count(t, "acme", store.StatusReconnectRequired); n != 1 || e.count(t, "acme", store.StatusConnected) != 0 {
		t.Fatalf("%d rows reconnect_required, want the row marked and not counted connected", n)
	}
	if err := v.Save(ctx, "acme", "v1", linkedin.Token{AccessToken: "reconnected", ExpiresAt: farFuture}); err != nil {
		t.Fatalf("Save: %v", err)
	}
	if got, err := v.Load(ctx, "acme", "v1"); err != nil || got.AccessToken != "reconnected" {
		t.Fatalf("Load after reconnecting = %q, %v", got.AccessToken, err)
	}
}

func TestCheckKeys(t *testing.T) {
	ctx := context.Background()
	k1, k2 := mustKey(t, "k1"), mustKey(t, "k2")
	tok := linkedin.Token{AccessToken: "a", ExpiresAt: farFuture}
	// Every scenario starts with acme/v1, acme/v2 (revoked) and globex/v1
	// sealed with k1, and acme/v3 sealed with k2.
	seed := func(t *testing.T, e *testEnv) {
		old, cur := NewVault(e.db, newRing(t, k1), e.clock.Now), NewVault(e.db, newRing(t, k2), e.clock.Now)
		for _, s := range []struct {
			v      *Vault
			tenant string
			viewer string
		}{{old, "acme", "v1"}, {old, "acme", "v2"}, {old, "globex", "v1"}, {cur, "acme", "v3"}} {
			if err := s.v.Save(ctx, s.tenant, s.viewer, tok); err != nil {
				t.Fatalf("Save: %v", err)
			}
		}
		mustRevoke(t, old, "acme", "v2")
	}
	tests := []struct {
		scenario string
		// before runs CheckKeys with these rings first, in order.
		before       [][]keyring.Key
		ring         []keyring.Key
		wantMissing  []KeyMissing
		wantRestored int
		// wantAcme are acme's connected, revoked and reconnect_required counts.
		wantAcme [3]int
	}{
		{scenario: "every key in the ring: nothing reported or changed", ring: []keyring.Key{k2, k1},
			wantAcme: [3]int{2, 1, 0}},
		{scenario: "removed key: its rows are reported per tenant and connected ones marked", ring: []keyring.Key{k2},
			wantMissing: []KeyMissing{{Tenant: "acme", Count: 2, KeyIDs: []string{"k1"}}, {Tenant: "globex", Count: 1, KeyIDs: []string{"k1"}}},
			wantAcme:    [3]int{1, 1, 1}},
		{scenario: "key put back: marked rows are connected again", before: [][]keyring.Key{{k2}}, ring: []keyring.Key{k2, k1},
			wantRestored: 2, wantAcme: [3]int{2, 1, 0}},
		{scenario: "another key under the removed id: rows stay marked", before: [][]keyring.Key{{k2}}, ring: []keyring.Key{k2, mustKey(t, "k1")},
			wantAcme: [3]int{1, 1, 1}},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			e := newEnv(t)
			seed(t, e)
			for _, keys := range tc.before {
				if _, _, err := NewVault(e.db, newRing(t, keys...), e.clock.Now).CheckKeys(ctx); err != nil {
					t.Fatalf("earlier CheckKeys: %v", err)
				}
			}
			missing, restored, err := NewVault(e.db, newRing(t, tc.ring...), e.clock.Now).CheckKeys(ctx)
			if err != nil {
				t.Fatalf("CheckKeys: %v", err)
			}
			if fmt.Sprint(missing) != fmt.Sprint(tc.wantMissing) || restored != tc.wantRestored {
				t.Fatalf("CheckKeys = %+v, %d restored; want %+v, %d", missing, restored, tc.wantMissing, tc.wantRestored)
			}
			got := [3]int{e.count(t, "acme", store.StatusConnected), e.count(t, "acme", store.StatusRevoked), e.count(t, "acme", store.StatusReconnectRequired)}
			if got != tc.wantAcme {
				t.Fatalf("acme has %v connected/revoked/reconnect_required rows, want %v", got, tc.wantAcme)
			}
		})
	}
}

// Putting a key back restores its viewers even when they are the only
// ones stored, all waiting to reconnect.
func TestCheckKeysRestoresWhenEveryViewerAwaitsTheKey(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	k1, k2 := mustKey(t, "k1"), mustKey(t, "k2")
	if err := NewVault(e.db, newRing(t, k1), e.clock.Now).Save(ctx, "acme", "v1", linkedin.Token{AccessToken: "a", ExpiresAt: farFuture}); err != nil {
		t.Fatalf("Save: %v", err)
	}
	if _, _, err := NewVault(e.db, newRing(t, k2), e.clock.Now).CheckKeys(ctx); err != nil {
		t.Fatalf("CheckKeys without k1: %v", err)
	}
	back := NewVault(e.db, newRing(t, k2, k1), e.clock.Now)
	if missing, restored, err := back.CheckKeys(ctx); err != nil || len(missing) != 0 || restored != 1 {
		t.Fatalf("CheckKeys with k1 back = %v, %d restored, %v; want nothing missing, 1 restored", missing, restored, err)
	}
	if got, err := back.Load(ctx, "acme", "v1"); err != nil || got.AccessToken != "a" {
		t.Fatalf("Load = %q, %v; want the stored token", got.AccessToken, err)
	}
}

// A vault built without a clock (nil: the wall clock) saves and loads.
func TestVaultWithoutAClockSavesAndLoads(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	v := NewVault(e.db, e.ring, nil)
	if err := v.Save(ctx, "acme", "v1", linkedin.Token{AccessToken: "a", ExpiresAt: farFuture}); err != nil {
		t.Fatalf("Save: %v", err)
	}
	if got, err := v.Load(ctx, "acme", "v1"); err != nil || got.AccessToken != "a" {
		t.Fatalf("Load = %q, %v; want the saved token", got.AccessToken, err)
	}
}

// Rows already marked reconnect_required because their key is gone do
// not make every later rotation fail.
func TestVaultRotateSkipsRowsAwaitingReconnect(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	lost, primary := mustKey(t, "lost"), mustKey(t, "primary")
	_ = NewVault(e.db, newRing(t, lost), e.clock.Now).Save(ctx, "acme", "v1", linkedin.Token{AccessToken: "a", ExpiresAt: farFuture})
	v := NewVault(e.db, newRing(t, primary), e.clock.Now)
	if _, _, err := v.CheckKeys(ctx); err != nil {
		t.Fatalf("CheckKeys: %v", err)
	}
	if n, err := v.Rotate(ctx); n != 0 || err != nil {
		t.Fatalf("Rotate = %d, %v; want 0, nil", n, err)
	}
}

func TestVaultSaveRefusesBadInput(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		scenario, tenant, viewer string
		tok                      linkedin.Token
	}{
		{scenario: "empty access token", tenant: "acme", viewer: "v1", tok: linkedin.Token{ExpiresAt: farFuture}},
		{scenario: "no viewer", tenant: "acme", viewer: "", tok: linkedin.Token{AccessToken: "a"}},
		{scenario: "no tenant", tenant: "", viewer: "v1", tok: linkedin.Token{AccessToken: "a"}},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			if err := e.vault.Save(context.Background(), tc.tenant, tc.viewer, tc.tok); err == nil {
				t.Fatalf("Save accepted bad input")
			}
		})
	}
}
