package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/admin"
	"github.com/snapbridge/snapbridge/internal/config"
	"github.com/snapbridge/snapbridge/internal/server"
	"github.com/snapbridge/snapbridge/internal/session"
	"github.com/snapbridge/snapbridge/internal/store"
	"github.com/snapbridge/snapbridge/internal/store/postgres/pgtest"
	"github.com/snapbridge/snapbridge/internal/tenant"
)

// acmeSpec is a tenant as an operator creates it on the operator page.
func acmeSpec(secret string) admin.TenantSpec {
	return admin.TenantSpec{
		ID: "acme", Name: "Acme",
		LinkedIn:       admin.LinkedInSpec{ClientID: "acme-client", ClientSecret: "acme-client-secret-0123456789"},
		CRM:            tenant.CRM{Partner: "MS", InstanceID: "acme.crm.dynamics.com", SourceType: "DYNAMICS", Type: "DYNAMICS"},
		AllowedOrigins: []string{"http://localhost:8000"},
		Context: admin.ContextSpec{Issuer: "https://acme.crm.example",
			Keys: []admin.KeySpec{{ID: "k1", Alg: "HS256", Secret: secret}}},
	}
}

// storeAcme creates tenant acme in db, its secrets sealed with keys, as
// the operator page does, and returns the verifier of the server that
// loads it from db.
func storeAcme(t *testing.T, db store.Store, keys []string) *session.ContextVerifier {
	t.Helper()
	ring, err := server.KeyRing(keys)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	reg, _ := tenant.NewRegistry(nil)
	if _, err := admin.New(admin.Deps{Store: db, Ring: ring, Tenants: reg}).CreateTenant(ctx, "operator",
		acmeSpec("the-crm-of-acme-signs-with-this-secret")); err != nil {
		t.Fatal(err)
	}
	served, _ := tenant.NewRegistry(nil)
	if _, err := admin.New(admin.Deps{Store: db, Ring: ring, Tenants: served}).Load(ctx, nil); err != nil {
		t.Fatal(err)
	}
	return session.NewContextVerifier(served, db, time.Now)
}

// checkSigned runs context sign with args for tenant acme and checks that
// the server accepts what it printed.
func checkSigned(t *testing.T, v *session.ContextVerifier, args ...string) {
	t.Helper()
	var out bytes.Buffer
	args = append(args, "--tenant", "acme", "--viewer", "crm-user-1", "--record", `{"id":"c-001","type":"contact"}`)
	if err := signContext(args, &out); err != nil {
		t.Fatalf("context sign %s: %v", strings.Join(args, " "), err)
	}
	hc, err := v.Verify(context.Background(), strings.TrimSpace(out.String()))
	if err != nil {
		t.Fatalf("the server refuses what context sign printed: %v", err)
	}
	if hc.Tenant.ID != "acme" || hc.Viewer.ID != "crm-user-1" {
		t.Errorf("context = %+v", hc)
	}
}

// A newcomer creates a tenant on the operator page of `make run` and
// signs a context for it with the command the page prints: --db and no
// --sandbox, no operator key, no keys in the environment. The database's
// secrets open with the keys the sandbox run generated next to it.
func TestContextSignFindsATenantOfAMakeRunDatabase(t *testing.T) {
	runDir := t.TempDir()
	sandboxCfg, db := serverConfig(t, runDir, func(c *config.Config) { c.Sandbox.Enabled = true })
	v := storeAcme(t, db, sandboxCfg.Secrets.EncryptionKeys)
	dbFile := filepath.Join(runDir, "snapbridge.db")

	for _, tc := range []struct {
		scenario string
		env      map[string]string
		args     []string
		wantErr  string
	}{
		{scenario: "the data directory is elsewhere: the keys next to the database",
			env: map[string]string{"SNAPBRIDGE_DATA_DIR": t.TempDir()}, args: []string{"--db", dbFile}},
		{scenario: "the data directory holds the database",
			env: map[string]string{"SNAPBRIDGE_DATA_DIR": runDir}},
		{scenario: "the encryption keys from the environment, as for the server",
			env:  map[string]string{"SNAPBRIDGE_DATA_DIR": t.TempDir(), "SNAPBRIDGE_ENCRYPTION_KEYS": strings.Join(sandboxCfg.Secrets.EncryptionKeys, ",")},
			args: []string{"--db", dbFile}},
		{scenario: "no database there: says which tenant and where it looked",
			env: map[string]string{"SNAPBRIDGE_DATA_DIR": t.TempDir()}, args: []string{"--db", filepath.Join(t.TempDir(), "none.db")},
			wantErr: `tenant "acme" is not configured nor stored in`},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			t.Setenv("SNAPBRIDGE_OPERATOR_KEY", "")
			t.Setenv("SNAPBRIDGE_ENCRYPTION_KEYS", "")
			t.Setenv("SNAPBRIDGE_SESSION_KEY", "")
			for k, val := range tc.env {
				t.Setenv(k, val)
			}
			if tc.wantErr == "" {
				checkSigned(t, v, tc.args...)
				return
			}
			var out bytes.Buffer
			err := signContext(append(tc.args, "--tenant", "acme", "--viewer", "u", "--record", `{"id":"1","type":"contact"}`), &out)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || out.Len() != 0 {
				t.Fatalf("err = %v, output %q; want an error saying %q", err, out.String(), tc.wantErr)
			}
		})
	}
}

// Stored tenants whose keys are nowhere to be found: the error says which
// setting opens them instead of a bare decryption failure.
func TestContextSignWithoutEncryptionKeysSaysWhichToSet(t *testing.T) {
	runDir := t.TempDir()
	sandboxCfg, db := serverConfig(t, runDir, func(c *config.Config) { c.Sandbox.Enabled = true })
	storeAcme(t, db, sandboxCfg.Secrets.EncryptionKeys)
	// The keys that seal it are gone (kept elsewhere, or deleted).
	if err := os.Remove(filepath.Join(runDir, "secrets.json")); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SNAPBRIDGE_DATA_DIR", t.TempDir())
	t.Setenv("SNAPBRIDGE_ENCRYPTION_KEYS", "")
	t.Setenv("SNAPBRIDGE_OPERATOR_KEY", "")
	copied := filepath.Join(runDir, "snapbridge.db")
	var out bytes.Buffer
	err := signContext([]string{"--db", copied, "--tenant", "acme", "--viewer", "u", "--record", `{"id":"1","type":"contact"}`}, &out)
	if err == nil || !strings.Contains(err.Error(), "SNAPBRIDGE_ENCRYPTION_KEYS") || out.Len() != 0 {
		t.Fatalf("err = %v, output %q; want one naming SNAPBRIDGE_ENCRYPTION_KEYS", err, out.String())
	}
}

// The same with the server's state in PostgreSQL: --database-url, and
// the encryption keys from the environment as the server has them.
func TestContextSignFindsATenantStoredInPostgreSQL(t *testing.T) {
	url := pgtest.URL(t)
	keys := []string{config.NewEncryptionKey("k1")}
	t.Setenv("SNAPBRIDGE_DATA_DIR", t.TempDir())
	t.Setenv("SNAPBRIDGE_OPERATOR_KEY", "")
	t.Setenv("SNAPBRIDGE_SESSION_KEY", "")
	t.Setenv("SNAPBRIDGE_ENCRYPTION_KEYS", keys[0])
	db, err := server.OpenStore(config.Config{Database: config.Database{URL: url}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	v := storeAcme(t, db, keys)
	checkSigned(t, v, "--database-url", url)
}
