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
	canvasSecretA = strings.Repeat("a1", 32)
	canvasSecretB = strings.Repeat("b2", 32)
)

func salesforceSpec(id string) TenantSpec {
	s := spec(id)
	s.Host = &HostSpec{Kind: tenant.HostSalesforce, Salesforce: &SalesforceSpec{
		OrgID: "00DA0000000AbCd", MyDomain: "acme.my.salesforce.com", ConsumerSecrets: []string{canvasSecretA}}}
	return s
}

// A Salesforce admin rotates the Connected App's consumer secret from the
// console: the second secret joins the first, then replaces it; the
// secrets are sealed in the database, never shown, and survive a restart.
func TestConsumerSecretsRotateAndStaySealed(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	created, err := f.svc.CreateTenant(ctx, "operator", salesforceSpec("acme"))
	if err != nil {
		t.Fatal(err)
	}
	if sf := created.Salesforce(); sf == nil || sf.OrgID != "00DA0000000AbCdMAK" || !slices.Equal(sf.ConsumerSecrets, []string{canvasSecretA}) {
		t.Fatalf("created host %+v", created.Host)
	}
	view := ViewOf(created)
	raw, _ := json.Marshal(view)
	if bytes.Contains(raw, []byte(canvasSecretA)) {
		t.Fatal("the view shows the consumer secret")
	}
	if view.Host.Salesforce.ConsumerSecretsSet != 1 || len(view.Host.Salesforce.Origins) != 3 {
		t.Fatalf("view %+v", view.Host.Salesforce)
	}
	row, err := f.db.StoredTenant(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(row.Config, []byte(canvasSecretA)) || bytes.Contains(row.Sealed, []byte(canvasSecretA)) {
		t.Fatal("the consumer secret is stored in clear")
	}

	// The view sent back as is (what the console does for other edits)
	// keeps the secret.
	var echo TenantSpec
	if err := json.Unmarshal(raw, &echo); err != nil {
		t.Fatalf("the view is not a valid spec: %v", err)
	}
	for _, step := range []struct {
		scenario string
		secrets  []string
		want     []string
	}{
		{"the view sent back keeps the secret", echo.Host.Salesforce.ConsumerSecrets, []string{canvasSecretA}},
		{"a second secret joins while rotating", []string{"", canvasSecretB}, []string{canvasSecretA, canvasSecretB}},
		{"both kept", []string{"", ""}, []string{canvasSecretA, canvasSecretB}},
		{"the new secret alone retires the old", []string{canvasSecretB}, []string{canvasSecretB}},
	} {
		s := salesforceSpec("acme")
		s.Host.Salesforce.ConsumerSecrets = step.secrets
		updated, err := f.svc.UpdateTenant(ctx, "admin", "acme", s, 0)
		if err != nil {
			t.Fatalf("%s: %v", step.scenario, err)
		}
		if got := updated.Salesforce().ConsumerSecrets; !slices.Equal(got, step.want) {
			t.Fatalf("%s: secrets %d, want %d", step.scenario, len(got), len(step.want))
		}
	}
	// A spec without host (an API client of an earlier release) keeps it.
	plain := spec("acme")
	plain.Context.Keys = nil
	if updated, err := f.svc.UpdateTenant(ctx, "admin", "acme", plain, 0); err != nil || updated.Salesforce() == nil {
		t.Fatalf("an update without host dropped the Salesforce settings: %v", err)
	}
	restarted := f.start(t)
	got, err := restarted.Tenant("acme")
	if err != nil {
		t.Fatal(err)
	}
	if sf := got.Salesforce(); sf == nil || !slices.Equal(sf.ConsumerSecrets, []string{canvasSecretB}) {
		t.Fatal("the consumer secret did not survive a restart")
	}
	entries, err := f.db.Audit(ctx, "acme", 50)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range entries {
		if strings.Contains(e.Detail, canvasSecretB) || strings.Contains(e.Detail, canvasSecretA) {
			t.Fatal("the audit log shows a consumer secret")
		}
		found = found || strings.Contains(e.Detail, "host.salesforce.consumerSecrets: changed")
	}
	if !found {
		t.Fatal("the audit log does not name the secret change")
	}
}

// Test connection checks a Salesforce tenant's Canvas set-up offline and
// says what the org's pages must use.
func TestTestConnectionChecksCanvasOffline(t *testing.T) {
	f := newFixture(t)
	if _, err := f.svc.CreateTenant(t.Context(), "operator", salesforceSpec("acme")); err != nil {
		t.Fatal(err)
	}
	rep, err := f.svc.TestConnection(t.Context(), "admin", "acme", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Steps) == 0 || rep.Steps[0].Name != StepCanvas || !rep.Steps[0].OK ||
		!strings.Contains(rep.Steps[0].Message, "/w/acme/canvas") || !strings.Contains(rep.Steps[0].Message, "https://acme--c.vf.force.com") {
		t.Fatalf("steps %+v", rep.Steps)
	}
}
