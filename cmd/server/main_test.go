package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/admin"
	"github.com/snapbridge/snapbridge/internal/config"
	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/server"
	"github.com/snapbridge/snapbridge/internal/session"
	"github.com/snapbridge/snapbridge/internal/store/sqlite"
	"github.com/snapbridge/snapbridge/internal/tenant"
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
	cfg, db := serverConfig(t, dir, func(c *config.Config) { c.Sandbox.Enabled = true })
	reg, err := server.Tenants(cfg)
	if err != nil {
		t.Fatal(err)
	}
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

// serverConfig is the configuration the server would run with in dir
// and this environment, secrets completed, and its database opened.
func serverConfig(t *testing.T, dir string, tune func(*config.Config)) (config.Config, *sqlite.DB) {
	t.Helper()
	cfg, err := config.Load("", os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DataDir = dir
	if tune != nil {
		tune(&cfg)
	}
	if err := cfg.Finish(); err != nil {
		t.Fatal(err)
	}
	if err := cfg.EnsureSecrets(time.Now()); err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(cfg.DB)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return cfg, db
}

// A tenant created through the admin API lives only in the database:
// `context sign` must find it there, with the secrets the key ring seals,
// and sign with the key the operator picks while two are active.
func TestContextSignFindsStoredTenants(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("SNAPBRIDGE_DATA_DIR", dir)
	// No configured tenant: an operator creates them through the admin API.
	const operatorKey = "operator-key-for-context-sign-tests-0123456789"
	t.Setenv("SNAPBRIDGE_OPERATOR_KEY", operatorKey)
	t.Setenv("SNAPBRIDGE_ENCRYPTION_KEYS", config.NewEncryptionKey("k1"))
	t.Setenv("SNAPBRIDGE_SESSION_KEY", config.NewSessionKey())
	const oldSecret, newSecret = "the-crm-signed-with-this-secret-first", "the-crm-rotated-to-this-context-secret-42"
	cfg, db := serverConfig(t, dir, func(c *config.Config) { c.OperatorKey = operatorKey })
	ring, err := server.KeyRing(cfg.Secrets.EncryptionKeys)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	reg, _ := tenant.NewRegistry(nil)
	adm := admin.New(admin.Deps{Store: db, Ring: ring, Tenants: reg})
	if _, err := adm.CreateTenant(ctx, "operator", admin.TenantSpec{
		ID: "acme", Name: "Acme",
		LinkedIn:       admin.LinkedInSpec{ClientID: "acme-client", ClientSecret: "acme-client-secret-0123456789"},
		CRM:            tenant.CRM{Partner: "MS", InstanceID: "acme.crm.dynamics.com", SourceType: "DYNAMICS", Type: "DYNAMICS"},
		AllowedOrigins: []string{"https://acme.crm.dynamics.com"},
		Context: admin.ContextSpec{Issuer: "https://acme.crm.dynamics.com",
			Keys: []admin.KeySpec{{ID: "k1", Alg: "HS256", Secret: oldSecret}}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := adm.AddContextKey(ctx, "operator", "acme", admin.KeySpec{ID: "k2", Alg: "HS256", Secret: newSecret}); err != nil {
		t.Fatal(err)
	}
	// The server's view: the tenants as it loads them from the database.
	served, _ := tenant.NewRegistry(nil)
	if _, err := admin.New(admin.Deps{Store: db, Ring: ring, Tenants: served}).Load(ctx, nil); err != nil {
		t.Fatal(err)
	}
	verifier := session.NewContextVerifier(served, db, time.Now)

	for _, tc := range []struct {
		scenario string
		args     []string
		wantKid  string
		wantErr  string
	}{
		{scenario: "the first key by default", wantKid: "k1"},
		{scenario: "the new key during a rotation", args: []string{"--kid", "k2"}, wantKid: "k2"},
		{scenario: "a key the tenant does not have", args: []string{"--kid", "k3"}, wantErr: "k1, k2"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			var out bytes.Buffer
			args := append([]string{"--tenant", "acme", "--viewer", "crm-user-9",
				"--record", `{"id":"c-9","type":"contact"}`}, tc.args...)
			err := signContext(args, &out)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || out.Len() != 0 {
					t.Fatalf("err = %v, output %q; want an error naming %q", err, out.String(), tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("context sign for a stored tenant: %v", err)
			}
			raw := strings.TrimSpace(out.String())
			hc, err := verifier.Verify(ctx, raw)
			if err != nil {
				t.Fatalf("the server refuses what context sign printed: %v", err)
			}
			if hc.Tenant.ID != "acme" || hc.Viewer.ID != "crm-user-9" {
				t.Errorf("context = %+v", hc)
			}
			header, _ := base64.RawURLEncoding.DecodeString(strings.Split(raw, ".")[0])
			var h struct{ Kid string }
			if err := json.Unmarshal(header, &h); err != nil || h.Kid != tc.wantKid {
				t.Errorf("signed with key %q (%v), want %q", h.Kid, err, tc.wantKid)
			}
		})
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
	db, err := sqlite.Open(dir + "/snapbridge.db")
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
	if !strings.Contains(out.String(), "re-encrypted 1 member token(s) and 0 tenant secret record(s) with key new") ||
		!strings.Contains(out.String(), "kept Dynamics 365 sign-ins are sealed with key new at their next use") {
		t.Errorf("output %q", out.String())
	}
	newOnly, _ := server.KeyRing([]string{newKey})
	db, _ = sqlite.Open(dir + "/snapbridge.db")
	defer db.Close()
	tok, err := tokens.NewVault(db, newOnly, time.Now).Load(ctx, "demo", "v1")
	if err != nil || tok.AccessToken != "member-token" {
		t.Errorf("after rotation without the old key: %v, %v", tok.AccessToken, err)
	}
}

// An operator making the keys a server outside --sandbox needs: `keys
// generate` prints an encryption key, `keys generate --session` a session
// key, and a server configured with them (from the environment or from
// files) starts and keeps nothing secret in its data directory.
func TestKeysGeneratePrintsTheKeysAServerNeeds(t *testing.T) {
	var encryption, sessionKey bytes.Buffer
	if err := generateKey([]string{"--id", "prod-1"}, &encryption); err != nil {
		t.Fatal(err)
	}
	if err := generateKey([]string{"--session"}, &sessionKey); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(encryption.String(), "prod-1:") || strings.Count(encryption.String(), "\n") != 1 {
		t.Errorf("keys generate printed %q, want one id:key line", encryption.String())
	}
	var bad bytes.Buffer
	if err := generateKey([]string{"--id", "no spaces"}, &bad); err == nil || bad.Len() != 0 {
		t.Errorf("keys generate with a bad id: err %v, output %q", err, bad.String())
	}
	files := t.TempDir()
	for _, tc := range []struct {
		scenario string
		env      map[string]string
	}{
		{"in the environment", map[string]string{
			"SNAPBRIDGE_ENCRYPTION_KEYS": strings.TrimSpace(encryption.String()),
			"SNAPBRIDGE_SESSION_KEY":     strings.TrimSpace(sessionKey.String())}},
		{"in files", map[string]string{
			"SNAPBRIDGE_ENCRYPTION_KEYS_FILE": writeSecret(t, filepath.Join(files, "encryption"), encryption.String()),
			"SNAPBRIDGE_SESSION_KEY_FILE":     writeSecret(t, filepath.Join(files, "session"), sessionKey.String())}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			dir := t.TempDir()
			const operatorKey = "operator-key-for-keys-generate-tests-0123456789"
			cfg, _ := serverConfig(t, dir, func(c *config.Config) { c.OperatorKey = operatorKey })
			if _, err := server.KeyRing(cfg.Secrets.EncryptionKeys); err != nil {
				t.Errorf("the printed encryption key: %v", err)
			}
			if _, err := cfg.SessionPrivateKey(); err != nil {
				t.Errorf("the printed session key: %v", err)
			}
			if _, err := os.Stat(filepath.Join(dir, "secrets.json")); !os.IsNotExist(err) {
				t.Errorf("keys were written into the data directory (%v)", err)
			}
		})
	}
}

func writeSecret(t *testing.T, path, content string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
