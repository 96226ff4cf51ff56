package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/snapbridge/snapbridge/internal/admin"
	"github.com/snapbridge/snapbridge/internal/config"
	"github.com/snapbridge/snapbridge/internal/server"
	"github.com/snapbridge/snapbridge/internal/session"
	"github.com/snapbridge/snapbridge/internal/tenant"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// repeated collects a flag given several times.
type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, " ") }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }

// signContext prints a host context signed with the tenant's HS256 key:
// the reference a CRM-side integrator compares their own tokens with. The
// tenant is looked up as the server would: in its database first (tenants
// created or changed through the admin API), then in the configuration.
func signContext(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("context sign", flag.ContinueOnError)
	tenantID := fs.String("tenant", "", "tenant id (required)")
	kid := fs.String("kid", "", "id of the tenant's HS256 context key to sign with (default: its first HS256 key)")
	viewer := fs.String("viewer", "", "CRM user id of the viewer (required)")
	viewerName := fs.String("viewer-name", "", "viewer's display name")
	viewerEmail := fs.String("viewer-email", "", "viewer's email")
	lifetime := fs.Duration("lifetime", 5*time.Minute, "token lifetime (at most the tenant's maxLifetime)")
	var records, roles repeated
	fs.Var(&records, "record", `a record as JSON, e.g. '{"id":"c-001","type":"contact","firstName":"Ada","lastName":"Lovelace"}' (repeatable)`)
	fs.Var(&roles, "role", "a role claim such as admin (repeatable)")
	cfg, err := loadConfig(fs, args)
	if err != nil {
		return err
	}
	if *tenantID == "" || *viewer == "" || len(records) == 0 {
		return fmt.Errorf("context sign needs --tenant, --viewer and at least one --record")
	}
	// Signing serves nothing: outside --sandbox it needs only the database
	// and the keys that open the stored secrets, not a servable
	// configuration (tenants, addresses, the session key).
	if cfg.Sandbox.Enabled {
		if err := cfg.Finish(); err != nil {
			return err
		}
	} else if err := cfg.FinishDatabase(); err != nil {
		return err
	}
	if _, err := cfg.EnsureEncryptionKeys(time.Now()); err != nil {
		return err
	}
	t, err := contextTenant(context.Background(), cfg, *tenantID)
	if err != nil {
		return err
	}
	key, err := signingKey(t, *kid)
	if err != nil {
		return err
	}
	claims := session.ContextClaims{
		Viewer:   wire.Viewer{ID: *viewer, Name: *viewerName, Email: *viewerEmail},
		Roles:    roles,
		Lifetime: *lifetime,
	}
	for i, raw := range records {
		var r wire.Record
		dec := json.NewDecoder(strings.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&r); err != nil {
			return fmt.Errorf("--record #%d: %w", i+1, err)
		}
		claims.Records = append(claims.Records, r)
	}
	token, err := session.SignContextWith(t, key.ID, key.Alg, []byte(key.Secret), claims, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintln(out, token)
	return nil
}

// contextTenant finds the tenant the server would verify the context
// against: the stored one when the server's database holds it (after the
// first start the database is the truth), otherwise the configured one, so
// signing works before the server ever ran. It never creates the database
// and changes nothing in it.
func contextTenant(ctx context.Context, cfg config.Config, id string) (*tenant.Tenant, error) {
	stored, err := storedTenant(ctx, cfg, id)
	if err != nil || stored != nil {
		return stored, err
	}
	reg, err := server.Tenants(cfg)
	if err != nil {
		return nil, err
	}
	t, ok := reg.Get(id)
	if !ok {
		return nil, fmt.Errorf("tenant %q is not configured nor stored in %s (is --sandbox, --config, --db or --database-url missing?)", id, databaseName(cfg))
	}
	return t, nil
}

// storedTenant reads tenant id from the server's database with its
// secrets opened by the key ring; nil without error when the database does
// not exist yet or does not hold it.
func storedTenant(ctx context.Context, cfg config.Config, id string) (*tenant.Tenant, error) {
	if !cfg.Database.IsPostgres() {
		if _, err := os.Stat(cfg.DB); errors.Is(err, os.ErrNotExist) {
			return nil, nil
		} else if err != nil {
			return nil, fmt.Errorf("read stored tenants: %w", err)
		}
	}
	if len(cfg.Secrets.EncryptionKeys) == 0 {
		return nil, fmt.Errorf("the tenants stored in %s keep their secrets encrypted: set SNAPBRIDGE_ENCRYPTION_KEYS (or SNAPBRIDGE_ENCRYPTION_KEYS_FILE) as for the server, "+
			"or give --sandbox for a database a sandbox run created", databaseName(cfg))
	}
	ring, err := server.KeyRing(cfg.Secrets.EncryptionKeys)
	if err != nil {
		return nil, err
	}
	db, err := server.OpenStore(cfg)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	reg, err := tenant.NewRegistry(nil)
	if err != nil {
		return nil, err
	}
	// No seeds: Load then only reads the stored tenants into reg.
	if _, err := admin.New(admin.Deps{Store: db, Ring: ring, Tenants: reg}).Load(ctx, nil); err != nil {
		return nil, fmt.Errorf("read stored tenants from %s: %w", databaseName(cfg), err)
	}
	t, _ := reg.Get(id)
	return t, nil
}

// databaseName names the configured database for a message: the SQLite
// file, or "the PostgreSQL database" (a URL may hold a password).
func databaseName(cfg config.Config) string {
	if cfg.Database.IsPostgres() {
		return "the PostgreSQL database (--database-url)"
	}
	return cfg.DB
}

// signingKey picks the tenant's HS256 key kid, or its first HS256 key when
// kid is empty. Only HS256 keys can sign here: for RS256 and EdDSA the
// private key stays with the CRM.
func signingKey(t *tenant.Tenant, kid string) (tenant.ContextKey, error) {
	var ids []string
	for _, k := range t.Context.Keys {
		ids = append(ids, k.ID)
		if kid != "" && k.ID != kid {
			continue
		}
		if k.Alg != "HS256" {
			if kid == "" {
				continue
			}
			return tenant.ContextKey{}, fmt.Errorf("tenant %s: context key %q is %s; context sign signs only with HS256 keys (the private key stays with the CRM)", t.ID, kid, k.Alg)
		}
		return k, nil
	}
	if kid != "" {
		return tenant.ContextKey{}, fmt.Errorf("tenant %s has no context key %q (--kid); its keys are %s", t.ID, kid, strings.Join(ids, ", "))
	}
	return tenant.ContextKey{}, fmt.Errorf("tenant %s has no HS256 context key to sign with; its keys are %s", t.ID, strings.Join(ids, ", "))
}
