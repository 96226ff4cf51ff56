package tenant

import (
	"slices"
	"strings"
	"testing"
)

func hubSpotTenant() Tenant {
	t := validTenant()
	t.AllowedOrigins = nil
	t.Host = HostPolicy{Kind: HostHubSpot, HubSpot: &HubSpotHost{
		PortalID: "62515", ClientSecrets: []string{"yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy"},
	}}
	return t
}

// An admin who sets up the HubSpot card learns which host setting is
// wrong, by its field.
func TestHubSpotHostValidationNamesTheField(t *testing.T) {
	checkHostCases(t, hubSpotTenant, strings.Repeat("a", 32), []hostCase{
		{"valid, without own allowed origins", func(*Tenant) {}, ""},
		{"valid public URL with a path prefix", func(t2 *Tenant) { t2.Host.HubSpot.PublicURL = "https://edge.example.com/snapbridge/" }, ""},
		{"two secrets while rotating", func(t2 *Tenant) {
			t2.Host.HubSpot.ClientSecrets = append(t2.Host.HubSpot.ClientSecrets, "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz")
		}, ""},
		{"hubspot settings without the kind", func(t2 *Tenant) {
			t2.Host.Kind = HostJWT
			t2.AllowedOrigins = []string{"https://crm.example.com"}
		}, "host.hubspot"},
		{"kind without settings", func(t2 *Tenant) { t2.Host.HubSpot = nil }, "host.hubspot"},
		{"portal id with letters", func(t2 *Tenant) { t2.Host.HubSpot.PortalID = "62515a" }, "host.hubspot.portalId"},
		{"portal id missing", func(t2 *Tenant) { t2.Host.HubSpot.PortalID = "" }, "host.hubspot.portalId"},
		{"public URL over http", func(t2 *Tenant) { t2.Host.HubSpot.PublicURL = "http://edge.example.com" }, "host.hubspot.publicUrl"},
		{"public URL with a query", func(t2 *Tenant) { t2.Host.HubSpot.PublicURL = "https://edge.example.com/?a=b" }, "host.hubspot.publicUrl"},
		{"no client secret", func(t2 *Tenant) { t2.Host.HubSpot.ClientSecrets = nil }, "host.hubspot.clientSecrets"},
		{"three client secrets", func(t2 *Tenant) {
			t2.Host.HubSpot.ClientSecrets = []string{strings.Repeat("a", 36), strings.Repeat("b", 36), strings.Repeat("c", 36)}
		}, "host.hubspot.clientSecrets"},
		{"client secret pasted with a space", func(t2 *Tenant) {
			t2.Host.HubSpot.ClientSecrets = []string{" " + strings.Repeat("a", 36)}
		}, "host.hubspot.clientSecrets[0]"},
		{"the same secret twice", func(t2 *Tenant) {
			t2.Host.HubSpot.ClientSecrets = []string{strings.Repeat("a", 36), strings.Repeat("a", 36)}
		}, "host.hubspot.clientSecrets[1]"},
		{"salesforce settings beside hubspot", func(t2 *Tenant) {
			t2.Host.Salesforce = salesforceTenant().Host.Salesforce
		}, "host.salesforce"},
	})
}

// HubSpot's app pages may frame the widget of a HubSpot tenant, and a
// clone's secrets are its own.
func TestHubSpotTenantIsFramedByHubSpotAndClonesDeeply(t *testing.T) {
	tn := hubSpotTenant()
	tn.ApplyDefaults()
	if err := tn.Validate(); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(tn.Origins(), "https://app.hubspot.com") || !slices.Contains(tn.Origins(), "https://app-eu1.hubspot.com") {
		t.Fatalf("origins %v", tn.Origins())
	}
	c := tn.Clone()
	c.Host.HubSpot.ClientSecrets[0] = "changed"
	if tn.Host.HubSpot.ClientSecrets[0] == "changed" {
		t.Fatal("the clone shares the client secrets")
	}
}
