package sandbox

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"

	"github.com/snapbridge/snapbridge/internal/tenant"
)

// Demo Dynamics 365 organisation: a tenant whose widget is opened by an
// IFRAME control on a record form, the seller signing in with the Entra
// ID stand-in and the record read from the Dataverse stand-in.
const (
	DynamicsTenantID      = "dyn"
	DynamicsClientID      = "dyn-app-4d21"
	DynamicsInstanceID    = "snapbridge-demo.crm.dynamics.com"
	DynamicsEntraTenantID = "5e3c1a7d-9b2f-4c8e-a1d6-0f4b7e2c9a31"
	DynamicsEntraClientID = "c0ffee00-d365-4e1a-9b7c-5a2f8e6d4b10"
	// DynamicsSeller is the object id of the demo directory's seller who
	// may read every record.
	DynamicsSeller = "a1b2c3d4-0000-4000-8000-000000000001"
	// DynamicsRestrictedSeller is the object id of the demo directory's
	// seller whom Dataverse refuses the first record (403).
	DynamicsRestrictedSeller = "a1b2c3d4-0000-4000-8000-000000000002"
)

// dynamicsPeople are the records of the demo Dynamics organisation.
func dynamicsPeople() []demoPerson {
	all := demoPeople()
	return []demoPerson{all[2], all[3], all[4], all[6], all[23], all[28]}
}

// DynamicsRecords are the demo organisation's records, with a Dataverse
// GUID each, and one account.
func DynamicsRecords() []Record {
	recs := demoRecords(DynamicsInstanceID, dynamicsPeople())
	return append(recs, Record{ID: dynamicsGUID(DynamicsInstanceID, "account", "Fabrikam"), Type: "account",
		Company: "Fabrikam", Email: "info@fabrikam.com", Outcome: OutcomeNoMatch})
}

// DynamicsClientSecret derives the demo Entra app registration's client
// secret (40 characters, as Entra shows secret values) from the demo
// context secret, so one configured secret serves every demo tenant.
func DynamicsClientSecret(contextSecret string) string {
	mac := hmac.New(sha256.New, []byte(contextSecret))
	mac.Write([]byte("snapbridge sandbox: entra client secret"))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))[:40]
}

// DynamicsRedirectURI is the redirect URI of the demo Entra app
// registration: snapbridge's /w/dyn/dynamics/callback at the public URL
// the LinkedIn redirect URI names.
func DynamicsRedirectURI(o DemoOptions) string {
	o = o.withDefaults()
	base, _, _ := strings.Cut(o.RedirectURI, "/oauth/")
	return base + "/w/" + DynamicsTenantID + "/dynamics/callback"
}

// DemoEntraApps returns the Entra ID app registration behind the demo
// Dynamics tenant, with its two sellers and the organisation's records.
func DemoEntraApps(o DemoOptions) []EntraApp {
	recs := DynamicsRecords()
	return []EntraApp{{
		TenantID: DynamicsEntraTenantID, ClientID: DynamicsEntraClientID,
		ClientSecrets: []string{DynamicsClientSecret(o.ContextSecret)},
		RedirectURIs:  []string{DynamicsRedirectURI(o)},
		Users: []EntraUser{
			{ObjectID: DynamicsSeller, SystemUserID: dynamicsGUID(DynamicsInstanceID, "user", "megan"),
				Name: "Megan Bowen", Username: "meganb@snapbridge-demo.onmicrosoft.com"},
			{ObjectID: DynamicsRestrictedSeller, SystemUserID: dynamicsGUID(DynamicsInstanceID, "user", "lee"),
				Name: "Lee Gu", Username: "leeg@snapbridge-demo.onmicrosoft.com", Denied: []string{recs[0].ID}},
		},
		Records: recs,
	}}
}

func dynamicsApp(o DemoOptions) App {
	return App{
		Name: "snapbridge demo (Dynamics 365 sign-in)", ClientID: DynamicsClientID, ClientSecret: o.ClientSecret,
		RedirectURIs: []string{o.RedirectURI},
		Instances: []Instance{{Tenant: DynamicsTenantID, Partner: DemoPartner, InstanceID: DynamicsInstanceID,
			SyncEnabled: true, Records: DynamicsRecords()}},
	}
}

// dynamicsContextSecret derives the demo Dynamics tenant's own HS256
// context secret (its admin console is opened with a signed context).
func dynamicsContextSecret(contextSecret string) string {
	mac := hmac.New(sha256.New, []byte(contextSecret))
	mac.Write([]byte("snapbridge sandbox: dynamics context key"))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// dynamicsTenant is the demo Dynamics tenant; the Entra ID and Dataverse
// stand-ins both live at sandboxURL.
func dynamicsTenant(o DemoOptions, where, sandboxURL string) tenant.Tenant {
	if sandboxURL == "" {
		sandboxURL = "http://127.0.0.1:8081"
	}
	return tenant.Tenant{
		ID: DynamicsTenantID, Name: "Demo Dynamics 365 org (Entra sign-in, " + where + ")",
		LinkedIn: tenant.LinkedInApp{ClientID: DynamicsClientID, ClientSecret: o.ClientSecret},
		CRM: tenant.CRM{Partner: DemoPartner, InstanceID: DynamicsInstanceID, OrgID: DynamicsInstanceID,
			SourceType: DemoCRMSourceType, Type: DemoCRMType},
		AllowedOrigins: []string{o.CRMOrigin},
		Context: tenant.ContextPolicy{Issuer: "https://dyn.demo.example", Audience: tenant.DefaultAudience,
			Keys: []tenant.ContextKey{{ID: DemoContextKeyID, Alg: "HS256", Secret: dynamicsContextSecret(o.ContextSecret)}}},
		Host: tenant.HostPolicy{Kind: tenant.HostDynamics, Dynamics: &tenant.DynamicsHost{
			EntraTenantID: DynamicsEntraTenantID, ClientID: DynamicsEntraClientID,
			ClientSecrets: []string{DynamicsClientSecret(o.ContextSecret)},
			OrgURL:        sandboxURL, Authority: sandboxURL}},
		AccentColor: "#002050",
	}
}
