package admin

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/snapbridge/snapbridge/internal/tenant"
)

const (
	hubSpotSecretA = "aaaaaaaa-1111-2222-3333-444444444444"
	hubSpotSecretB = "bbbbbbbb-5555-6666-7777-888888888888"
)

func hubSpotSpec(id string) TenantSpec {
	s := spec(id)
	s.Host = &HostSpec{Kind: tenant.HostHubSpot, HubSpot: &HubSpotSpec{
		PortalID: "62515", PublicURL: "https://cards.example.com", ClientSecrets: []string{hubSpotSecretA}}}
	return s
}

// A HubSpot admin rotates the app's client secret from the console: the
// second secret joins the first, then replaces it; the secrets are sealed
// in the database, never shown, audited as changed, and survive a
// restart.
func TestHubSpotClientSecretsRotateAndStaySealed(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	created, err := f.svc.CreateTenant(ctx, "operator", hubSpotSpec("acme"))
	if err != nil {
		t.Fatal(err)
	}
	view := ViewOf(created)
	raw, _ := json.Marshal(view)
	if bytes.Contains(raw, []byte(hubSpotSecretA)) {
		t.Fatal("the view shows the client secret")
	}
	if view.Host.HubSpot == nil || view.Host.HubSpot.ClientSecretsSet != 1 || view.Host.HubSpot.PortalID != "62515" ||
		!slices.Contains(view.Host.HubSpot.Origins, "https://app.hubspot.com") {
		t.Fatalf("view %+v", view.Host.HubSpot)
	}
	row, err := f.db.StoredTenant(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(row.Config, []byte(hubSpotSecretA)) || bytes.Contains(row.Sealed, []byte(hubSpotSecretA)) {
		t.Fatal("the client secret is stored in clear")
	}
	var echo TenantSpec
	if err := json.Unmarshal(raw, &echo); err != nil {
		t.Fatalf("the view is not a valid spec: %v", err)
	}
	for _, step := range []struct {
		scenario string
		secrets  []string
		want     []string
	}{
		{"the view sent back keeps the secret", echo.Host.HubSpot.ClientSecrets, []string{hubSpotSecretA}},
		{"a second secret joins while rotating", []string{"", hubSpotSecretB}, []string{hubSpotSecretA, hubSpotSecretB}},
		{"the new secret alone retires the old", []string{hubSpotSecretB}, []string{hubSpotSecretB}},
	} {
		s := hubSpotSpec("acme")
		s.Host.HubSpot.ClientSecrets = step.secrets
		updated, err := f.svc.UpdateTenant(ctx, "admin", "acme", s, 0)
		if err != nil {
			t.Fatalf("%s: %v", step.scenario, err)
		}
		if got := updated.HubSpot().ClientSecrets; !slices.Equal(got, step.want) {
			t.Fatalf("%s: secrets %d, want %d", step.scenario, len(got), len(step.want))
		}
	}
	restarted := f.start(t)
	got, err := restarted.Tenant("acme")
	if err != nil {
		t.Fatal(err)
	}
	if hs := got.HubSpot(); hs == nil || !slices.Equal(hs.ClientSecrets, []string{hubSpotSecretB}) || hs.PublicURL != "https://cards.example.com" {
		t.Fatal("the client secret or public URL did not survive a restart")
	}
	entries, err := f.db.Audit(ctx, "acme", 50)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range entries {
		if strings.Contains(e.Detail, hubSpotSecretA) || strings.Contains(e.Detail, hubSpotSecretB) {
			t.Fatal("the audit log shows a client secret")
		}
		found = found || strings.Contains(e.Detail, "host.hubspot.clientSecrets: changed")
	}
	if !found {
		t.Fatal("the audit log does not name the secret change")
	}
}

// Test connection checks a HubSpot tenant's card set-up offline and says
// which URL the card must call.
func TestTestConnectionChecksHubSpotOffline(t *testing.T) {
	f := newFixture(t)
	if _, err := f.svc.CreateTenant(t.Context(), "operator", hubSpotSpec("acme")); err != nil {
		t.Fatal(err)
	}
	rep, err := f.svc.TestConnection(t.Context(), "admin", "acme", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Steps) == 0 || rep.Steps[0].Name != StepHubSpot || !rep.Steps[0].OK ||
		!strings.Contains(rep.Steps[0].Message, "https://cards.example.com/hubspot/acme/card") {
		t.Fatalf("steps %+v", rep.Steps)
	}
}
