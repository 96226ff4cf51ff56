package tenant

import (
	"slices"
	"strings"
	"testing"
)

func dynamicsTenant() Tenant {
	t := validTenant()
	t.AllowedOrigins = nil
	t.Host = HostPolicy{Kind: HostDynamics, Dynamics: &DynamicsHost{
		EntraTenantID: "72F988BF-86F1-41AF-91AB-2D7CD011DB47", ClientID: "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0",
		ClientSecrets: []string{strings.Repeat("s3", 20)}, OrgURL: "https://contoso.crm4.dynamics.com/",
	}}
	return t
}

// An admin who sets up Dynamics 365 learns which host setting is wrong, by
// its field, and never sees a secret repeated.
func TestDynamicsHostValidationNamesTheField(t *testing.T) {
	checkHostCases(t, dynamicsTenant, strings.Repeat("s3", 20), []hostCase{
		{"valid, without own allowed origins", func(*Tenant) {}, ""},
		{"valid loopback stand-ins", func(t2 *Tenant) {
			t2.Host.Dynamics.OrgURL, t2.Host.Dynamics.Authority = "http://127.0.0.1:8081", "http://127.0.0.1:8081"
		}, ""},
		{"valid US government cloud", func(t2 *Tenant) {
			t2.Host.Dynamics.OrgURL, t2.Host.Dynamics.Authority = "https://contoso.crm9.dynamics.com", "https://login.microsoftonline.us"
		}, ""},
		{"two secrets while rotating", func(t2 *Tenant) {
			t2.Host.Dynamics.ClientSecrets = append(t2.Host.Dynamics.ClientSecrets, strings.Repeat("t4", 20))
		}, ""},
		{"dynamics settings without the kind", func(t2 *Tenant) {
			t2.Host.Kind = HostJWT
			t2.AllowedOrigins = []string{"https://crm.example.com"}
		}, "host.dynamics"},
		{"kind without settings", func(t2 *Tenant) { t2.Host.Dynamics = nil }, "host.dynamics"},
		{"salesforce settings beside it", func(t2 *Tenant) { t2.Host.Salesforce = &SalesforceHost{} }, "host.salesforce"},
		{"tenant id that is a domain name", func(t2 *Tenant) { t2.Host.Dynamics.EntraTenantID = "contoso.onmicrosoft.com" }, "host.dynamics.entraTenantId"},
		{"client id cut short", func(t2 *Tenant) { t2.Host.Dynamics.ClientID = "0b1c2d3e-4f50-6172-8394" }, "host.dynamics.clientId"},
		{"org url of another host", func(t2 *Tenant) { t2.Host.Dynamics.OrgURL = "https://contoso.example.com" }, "host.dynamics.orgUrl"},
		{"org url over http", func(t2 *Tenant) { t2.Host.Dynamics.OrgURL = "http://contoso.crm.dynamics.com" }, "host.dynamics.orgUrl"},
		{"org url with a path", func(t2 *Tenant) { t2.Host.Dynamics.OrgURL = "https://contoso.crm.dynamics.com/main.aspx" }, "host.dynamics.orgUrl"},
		{"authority of another host", func(t2 *Tenant) { t2.Host.Dynamics.Authority = "https://login.example.com" }, "host.dynamics.authority"},
		{"no client secret", func(t2 *Tenant) { t2.Host.Dynamics.ClientSecrets = nil }, "host.dynamics.clientSecrets"},
		{"three client secrets", func(t2 *Tenant) {
			t2.Host.Dynamics.ClientSecrets = []string{strings.Repeat("a", 40), strings.Repeat("b", 40), strings.Repeat("c", 40)}
		}, "host.dynamics.clientSecrets"},
		{"client secret id instead of its value", func(t2 *Tenant) { t2.Host.Dynamics.ClientSecrets = []string{"short"} }, "host.dynamics.clientSecrets[0]"},
		{"the same secret twice", func(t2 *Tenant) {
			t2.Host.Dynamics.ClientSecrets = []string{strings.Repeat("s3", 20), strings.Repeat("s3", 20)}
		}, "host.dynamics.clientSecrets[1]"},
	})
}

// The organisation's own pages may frame the widget, the ids are kept in
// one form, and the issuer and scope follow from the settings.
func TestDynamicsOrgFramesTheWidget(t *testing.T) {
	tn := dynamicsTenant()
	tn.ApplyDefaults()
	if err := tn.Validate(); err != nil {
		t.Fatal(err)
	}
	d := tn.Dynamics()
	if !slices.Contains(tn.Origins(), "https://contoso.crm4.dynamics.com") {
		t.Errorf("origins %v lack the org", tn.Origins())
	}
	if want := "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0"; d.Issuer() != want {
		t.Errorf("issuer %s, want %s", d.Issuer(), want)
	}
	if want := "https://contoso.crm4.dynamics.com/user_impersonation offline_access openid profile"; d.Scope() != want {
		t.Errorf("scope %s, want %s", d.Scope(), want)
	}
	c := tn.Clone()
	c.Host.Dynamics.ClientSecrets[0] = "changed"
	if tn.Host.Dynamics.ClientSecrets[0] == "changed" {
		t.Error("a clone shares the client secrets")
	}
}
