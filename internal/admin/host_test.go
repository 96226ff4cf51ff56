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
	canvasSecretA  = strings.Repeat("a1", 32)
	canvasSecretB  = strings.Repeat("b2", 32)
	hubSpotSecretA = "aaaaaaaa-1111-2222-3333-444444444444"
	hubSpotSecretB = "bbbbbbbb-5555-6666-7777-888888888888"
	entraSecretA   = strings.Repeat("e1", 20)
	entraSecretB   = strings.Repeat("f2", 20)
)

func salesforceSpec(id string) TenantSpec {
	s := spec(id)
	s.Host = &HostSpec{Kind: tenant.HostSalesforce, Salesforce: &SalesforceSpec{
		OrgID: "00DA0000000AbCd", MyDomain: "acme.my.salesforce.com", ConsumerSecrets: []string{canvasSecretA}}}
	return s
}

func hubSpotSpec(id string) TenantSpec {
	s := spec(id)
	s.Host = &HostSpec{Kind: tenant.HostHubSpot, HubSpot: &HubSpotSpec{
		PortalID: "62515", PublicURL: "https://cards.example.com", ClientSecrets: []string{hubSpotSecretA}}}
	return s
}

func dynamicsSpec(id string) TenantSpec {
	s := spec(id)
	s.Host = &HostSpec{Kind: tenant.HostDynamics, Dynamics: &DynamicsSpec{
		EntraTenantID: "72f988bf-86f1-41af-91ab-2d7cd011db47", ClientID: "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0",
		OrgURL: "https://contoso.crm.dynamics.com", ClientSecrets: []string{entraSecretA}}}
	return s
}

// crmHost is one CRM host, as the shared host tests see it: its spec, the
// secret it rotates, and what its view and test connection must say.
type crmHost struct {
	name             string
	spec             func(id string) TenantSpec
	secretA, secretB string
	field            string                        // the secrets' field, as the audit log names it
	specSecrets      func(*TenantSpec) []string    // the secrets a spec sends
	setSecrets       func(*TenantSpec, []string)   // sets them
	secrets          func(*tenant.Tenant) []string // the secrets a tenant holds
	secretsSet       func(TenantView) int          // how many the view says are set
	viewOK           func(TenantView) bool         // the host's own settings in the view
	tenantOK         func(*tenant.Tenant) bool     // the host's own settings kept, in their canonical form
	step, stepSays   string                        // test connection's first step and what it names
}

var crmHosts = []crmHost{
	{
		name: "Salesforce Canvas", spec: salesforceSpec, secretA: canvasSecretA, secretB: canvasSecretB,
		field:       "host.salesforce.consumerSecrets",
		specSecrets: func(s *TenantSpec) []string { return s.Host.Salesforce.ConsumerSecrets },
		setSecrets:  func(s *TenantSpec, v []string) { s.Host.Salesforce.ConsumerSecrets = v },
		secrets:     func(t *tenant.Tenant) []string { return t.Salesforce().ConsumerSecrets },
		secretsSet:  func(v TenantView) int { return v.Host.Salesforce.ConsumerSecretsSet },
		viewOK:      func(v TenantView) bool { return len(v.Host.Salesforce.Origins) == 3 },
		tenantOK:    func(t *tenant.Tenant) bool { return t.Salesforce().OrgID == "00DA0000000AbCdMAK" },
		step:        StepCanvas, stepSays: "https://acme--c.vf.force.com",
	},
	{
		name: "HubSpot", spec: hubSpotSpec, secretA: hubSpotSecretA, secretB: hubSpotSecretB,
		field:       "host.hubspot.clientSecrets",
		specSecrets: func(s *TenantSpec) []string { return s.Host.HubSpot.ClientSecrets },
		setSecrets:  func(s *TenantSpec, v []string) { s.Host.HubSpot.ClientSecrets = v },
		secrets:     func(t *tenant.Tenant) []string { return t.HubSpot().ClientSecrets },
		secretsSet:  func(v TenantView) int { return v.Host.HubSpot.ClientSecretsSet },
		viewOK: func(v TenantView) bool {
			return v.Host.HubSpot.PortalID == "62515" && slices.Contains(v.Host.HubSpot.Origins, "https://app.hubspot.com")
		},
		tenantOK: func(t *tenant.Tenant) bool { return t.HubSpot().PublicURL == "https://cards.example.com" },
		step:     StepHubSpot, stepSays: "https://cards.example.com/hubspot/acme/card",
	},
	{
		name: "Dynamics 365", spec: dynamicsSpec, secretA: entraSecretA, secretB: entraSecretB,
		field:       "host.dynamics.clientSecrets",
		specSecrets: func(s *TenantSpec) []string { return s.Host.Dynamics.ClientSecrets },
		setSecrets:  func(s *TenantSpec, v []string) { s.Host.Dynamics.ClientSecrets = v },
		secrets:     func(t *tenant.Tenant) []string { return t.Dynamics().ClientSecrets },
		secretsSet:  func(v TenantView) int { return v.Host.Dynamics.ClientSecretsSet },
		viewOK: func(v TenantView) bool {
			return slices.Equal(v.Host.Dynamics.Origins, []string{"https://contoso.crm.dynamics.com"})
		},
		tenantOK: func(t *tenant.Tenant) bool { return t.Dynamics().OrgURL == "https://contoso.crm.dynamics.com" },
		step:     StepDynamics, stepSays: "/w/acme/dynamics/callback",
	},
}

// An admin rotates a CRM host's secret from the console: the second
// secret joins the first, then replaces it; the secrets are sealed in the
// database, never shown, audited as changed but never quoted, and survive
// a restart; an update that leaves the host out keeps it.
func TestHostSecretsRotateAndStaySealed(t *testing.T) {
	for _, h := range crmHosts {
		t.Run(h.name, func(t *testing.T) {
			f := newFixture(t)
			ctx := t.Context()
			created, err := f.svc.CreateTenant(ctx, "operator", h.spec("acme"))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(h.secrets(created), []string{h.secretA}) || !h.tenantOK(created) {
				t.Fatalf("created host %+v", created.Host)
			}
			view := ViewOf(created)
			raw, _ := json.Marshal(view)
			if bytes.Contains(raw, []byte(h.secretA)) {
				t.Fatal("the view shows the secret")
			}
			if h.secretsSet(view) != 1 || !h.viewOK(view) {
				t.Fatalf("view %s", raw)
			}
			row, err := f.db.StoredTenant(ctx, "acme")
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(row.Config, []byte(h.secretA)) || bytes.Contains(row.Sealed, []byte(h.secretA)) {
				t.Fatal("the secret is stored in clear")
			}

			// The view sent back as is (what the console does for other
			// edits) keeps the secret; an empty slot keeps the one there.
			var echo TenantSpec
			if err := json.Unmarshal(raw, &echo); err != nil {
				t.Fatalf("the view is not a valid spec: %v", err)
			}
			for _, step := range []struct {
				scenario string
				secrets  []string
				want     []string
			}{
				{"the view sent back keeps the secret", h.specSecrets(&echo), []string{h.secretA}},
				{"a second secret joins while rotating", []string{"", h.secretB}, []string{h.secretA, h.secretB}},
				{"both kept", []string{"", ""}, []string{h.secretA, h.secretB}},
				{"the new secret alone retires the old", []string{h.secretB}, []string{h.secretB}},
			} {
				s := h.spec("acme")
				h.setSecrets(&s, step.secrets)
				updated, err := f.svc.UpdateTenant(ctx, "admin", "acme", s, 0)
				if err != nil {
					t.Fatalf("%s: %v", step.scenario, err)
				}
				if got := h.secrets(updated); !slices.Equal(got, step.want) {
					t.Fatalf("%s: secrets %d, want %d", step.scenario, len(got), len(step.want))
				}
			}
			// A spec without host (an API client of an earlier release) keeps it.
			plain := spec("acme")
			plain.Context.Keys = nil
			if updated, err := f.svc.UpdateTenant(ctx, "admin", "acme", plain, 0); err != nil || updated.Host.Kind != created.Host.Kind {
				t.Fatalf("an update without host dropped the host settings: %v", err)
			}

			got, err := f.start(t).Tenant("acme")
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(h.secrets(got), []string{h.secretB}) || !h.tenantOK(got) {
				t.Fatal("the secret or the host settings did not survive a restart")
			}
			entries, err := f.db.Audit(ctx, "acme", 50)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, e := range entries {
				if strings.Contains(e.Detail, h.secretA) || strings.Contains(e.Detail, h.secretB) {
					t.Fatal("the audit log shows a secret")
				}
				found = found || strings.Contains(e.Detail, h.field+": changed")
			}
			if !found {
				t.Fatal("the audit log does not name the secret change")
			}
		})
	}
}

// Test connection checks a CRM host's set-up offline and says what the
// CRM's side must use (the Visualforce origin, the card's URL, the
// redirect URI).
func TestTestConnectionChecksTheHostOffline(t *testing.T) {
	for _, h := range crmHosts {
		t.Run(h.name, func(t *testing.T) {
			f := newFixture(t)
			if _, err := f.svc.CreateTenant(t.Context(), "operator", h.spec("acme")); err != nil {
				t.Fatal(err)
			}
			rep, err := f.svc.TestConnection(t.Context(), "admin", "acme", "")
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Steps) == 0 || rep.Steps[0].Name != h.step || !rep.Steps[0].OK || !strings.Contains(rep.Steps[0].Message, h.stepSays) {
				t.Fatalf("steps %+v", rep.Steps)
			}
		})
	}
}
