package admin

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/snapbridge/snapbridge/internal/tenant"
)

var (
	entraSecretA = strings.Repeat("e1", 20)
	entraSecretB = strings.Repeat("f2", 20)
)

func dynamicsSpec(id string) TenantSpec {
	s := spec(id)
	s.Host = &HostSpec{Kind: tenant.HostDynamics, Dynamics: &DynamicsSpec{
		EntraTenantID: "72f988bf-86f1-41af-91ab-2d7cd011db47", ClientID: "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0",
		OrgURL: "https://contoso.crm.dynamics.com", ClientSecrets: []string{entraSecretA}}}
	return s
}

// A Dynamics admin rotates the app registration's client secret from the
// console: the secrets are sealed in the database, never shown or
// audited, and survive a restart; test connection checks the set-up
// offline.
func TestEntraClientSecretsRotateAndStaySealed(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	created, err := f.svc.CreateTenant(ctx, "operator", dynamicsSpec("acme"))
	if err != nil {
		t.Fatal(err)
	}
	view := ViewOf(created)
	raw, _ := json.Marshal(view)
	if bytes.Contains(raw, []byte(entraSecretA)) || view.Host.Dynamics == nil || view.Host.Dynamics.ClientSecretsSet != 1 ||
		!slices.Equal(view.Host.Dynamics.Origins, []string{"https://contoso.crm.dynamics.com"}) {
		t.Fatalf("view %s", raw)
	}
	row, err := f.db.StoredTenant(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(row.Config, []byte(entraSecretA)) || bytes.Contains(row.Sealed, []byte(entraSecretA)) {
		t.Fatal("the client secret is stored in clear")
	}
	var echo TenantSpec
	if err := json.Unmarshal(raw, &echo); err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		scenario string
		secrets  []string
		want     []string
	}{
		{"the view sent back keeps the secret", echo.Host.Dynamics.ClientSecrets, []string{entraSecretA}},
		{"a second secret joins while rotating", []string{"", entraSecretB}, []string{entraSecretA, entraSecretB}},
		{"the new secret alone retires the old", []string{entraSecretB}, []string{entraSecretB}},
	} {
		s := dynamicsSpec("acme")
		s.Host.Dynamics.ClientSecrets = step.secrets
		updated, err := f.svc.UpdateTenant(ctx, "admin", "acme", s, 0)
		if err != nil {
			t.Fatalf("%s: %v", step.scenario, err)
		}
		if got := updated.Dynamics().ClientSecrets; !slices.Equal(got, step.want) {
			t.Fatalf("%s: secrets %d, want %d", step.scenario, len(got), len(step.want))
		}
	}
	got, err := f.start(t).Tenant("acme")
	if err != nil {
		t.Fatal(err)
	}
	if d := got.Dynamics(); d == nil || !slices.Equal(d.ClientSecrets, []string{entraSecretB}) {
		t.Fatal("the client secret did not survive a restart")
	}
	entries, err := f.db.Audit(ctx, "acme", 50)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range entries {
		if strings.Contains(e.Detail, entraSecretA) || strings.Contains(e.Detail, entraSecretB) {
			t.Fatal("the audit log shows a client secret")
		}
		found = found || strings.Contains(e.Detail, "host.dynamics.clientSecrets: changed")
	}
	if !found {
		t.Fatal("the audit log does not name the secret change")
	}
	rep, err := f.svc.TestConnection(ctx, "admin", "acme", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Steps) == 0 || rep.Steps[0].Name != StepDynamics || !rep.Steps[0].OK ||
		!strings.Contains(rep.Steps[0].Message, "/w/acme/dynamics/callback") {
		t.Fatalf("steps %+v", rep.Steps)
	}
}
