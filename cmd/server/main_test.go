package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/config"
	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/server"
	"github.com/snapbridge/snapbridge/internal/session"
	"github.com/snapbridge/snapbridge/internal/store"
	"github.com/snapbridge/snapbridge/internal/tokens"
)

// `snapbridge context sign` is the reference CRM integrators compare with:
// what it prints must be a context the server accepts, exactly once.
func TestContextSignPrintsAnAcceptedContext(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("SNAPBRIDGE_DATA_DIR", dir)
	var out bytes.Buffer
	err := signContext([]string{"--sandbox", "--tenant", "demo", "--viewer", "crm-user-1", "--viewer-name", "Sam",
		"--record", `{"id":"c-001","type":"contact","firstName":"Ada","lastName":"Lovelace"}`,
		"--record", `{"id":"c-002","type":"lead"}`}, &out)
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Defaults()
	cfg.DataDir, cfg.Sandbox.Enabled = dir, true
	if err := cfg.Finish(); err != nil {
		t.Fatal(err)
	}
	if err := cfg.EnsureSecrets(time.Now()); err != nil {
		t.Fatal(err)
	}
	reg, err := server.Tenants(cfg)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(cfg.DB)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	v := session.NewContextVerifier(reg, db, time.Now)
	hc, err := v.Verify(context.Background(), strings.TrimSpace(out.String()))
	if err != nil {
		t.Fatalf("the server refuses what context sign printed: %v", err)
	}
	if hc.Tenant.ID != "demo" || hc.Viewer.Name != "Sam" || len(hc.Records) != 2 || hc.Records[0].LastName != "Lovelace" {
		t.Errorf("context = %+v", hc)
	}
	if _, err := v.Verify(context.Background(), strings.TrimSpace(out.String())); err == nil {
		t.Error("the same context was accepted twice")
	}
}

func TestContextSignRefusesBadInput(t *testing.T) {
	t.Setenv("SNAPBRIDGE_DATA_DIR", t.TempDir())
	for _, tc := range []struct {
		scenario string
		args     []string
		want     string
	}{
		{"no record", []string{"--sandbox", "--tenant", "demo", "--viewer", "u"}, "--record"},
		{"unknown tenant", []string{"--sandbox", "--tenant", "nope", "--viewer", "u", "--record", `{"id":"1","type":"contact"}`}, "not configured"},
		{"record with an unknown field", []string{"--sandbox", "--tenant", "demo", "--viewer", "u", "--record", `{"id":"1","kind":"contact"}`}, "--record #1"},
		{"bad record type", []string{"--sandbox", "--tenant", "demo", "--viewer", "u", "--record", `{"id":"1","type":"robot"}`}, "type"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			var out bytes.Buffer
			err := signContext(tc.args, &out)
			if err == nil || !strings.Contains(err.Error(), tc.want) || out.Len() != 0 {
				t.Errorf("err = %v, output %q; want an error naming %q", err, out.String(), tc.want)
			}
		})
	}
}

// An operator rotates the encryption key: after `keys rotate` the old key
// can be dropped and every viewer stays connected.
func TestKeysRotateReencryptsWithTheNewestKey(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("SNAPBRIDGE_DATA_DIR", dir)
	oldKey, newKey := config.NewEncryptionKey("old"), config.NewEncryptionKey("new")
	oldRing, err := server.KeyRing([]string{oldKey})
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(dir + "/snapbridge.db")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := tokens.NewVault(db, oldRing, time.Now).Save(ctx, "demo", "v1", linkedin.Token{AccessToken: "member-token", ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	t.Setenv("SNAPBRIDGE_ENCRYPTION_KEYS", newKey+","+oldKey)
	var out bytes.Buffer
	if err := rotateKeys([]string{"--sandbox"}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "re-encrypted 1 member token(s) and 0 tenant secret record(s) with key new") {
		t.Errorf("output %q", out.String())
	}
	newOnly, _ := server.KeyRing([]string{newKey})
	db, _ = store.Open(dir + "/snapbridge.db")
	defer db.Close()
	tok, err := tokens.NewVault(db, newOnly, time.Now).Load(ctx, "demo", "v1")
	if err != nil || tok.AccessToken != "member-token" {
		t.Errorf("after rotation without the old key: %v, %v", tok.AccessToken, err)
	}
}
