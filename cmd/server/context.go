package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/snapbridge/snapbridge/internal/server"
	"github.com/snapbridge/snapbridge/internal/session"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// repeated collects a flag given several times.
type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, " ") }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }

// signContext prints a host context signed with the tenant's HS256 key:
// the reference a CRM-side integrator compares their own tokens with.
func signContext(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("context sign", flag.ContinueOnError)
	tenantID := fs.String("tenant", "", "tenant id (required)")
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
	if err := cfg.Finish(); err != nil {
		return err
	}
	if err := cfg.EnsureSecrets(time.Now()); err != nil {
		return err
	}
	reg, err := server.Tenants(cfg)
	if err != nil {
		return err
	}
	t, ok := reg.Get(*tenantID)
	if !ok {
		return fmt.Errorf("tenant %q is not configured (is --sandbox or --config missing?)", *tenantID)
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
	token, err := session.SignContext(t, claims, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintln(out, token)
	return nil
}
