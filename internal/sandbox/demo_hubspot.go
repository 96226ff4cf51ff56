package sandbox

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"strconv"

	"github.com/snapbridge/snapbridge/internal/tenant"
)

// Demo HubSpot account: a tenant whose widget is opened by a HubSpot app
// card's hubspot.fetch, which the demo CRM's HubSpot-style record page
// signs server-side as HubSpot would. HubSpot has no CRM Sync, so its
// instance has it off: the card shows the CRM fields and the Display
// Services panel matches by name and email.
const (
	HubSpotTenantID   = "hub"
	HubSpotClientID   = "hub-app-9d41"
	HubSpotPortalID   = "24681357"
	HubSpotAppID      = "3141592"
	HubSpotPartner    = "HUBSPOT"
	HubSpotSourceType = "HUBSPOT"
	HubSpotCRMType    = "HUBSPOT"
)

// hubSpotPeople are the contacts of the demo HubSpot account.
func hubSpotPeople() []demoPerson {
	return []demoPerson{
		{"Priya", "Natarajan", "Head of Revenue Operations", "Northwind Traders", "northwindtraders.com", "contact", OutcomeCRMSyncDisabled},
		{"Tomas", "Eriksen", "Procurement Lead", "Fabrikam", "fabrikam.com", "contact", OutcomeCRMSyncDisabled},
		{"Claire", "Dubois", "VP of Marketing", "Litware Inc.", "litware.com", "contact", OutcomeCRMSyncDisabled},
		{"Kenji", "Watanabe", "IT Director", "Trey Research", "treyresearch.net", "contact", OutcomeCRMSyncDisabled},
	}
}

// HubSpotClientSecret derives the demo HubSpot app's client secret (a
// UUID, as HubSpot issues them) from the demo context secret, so one
// configured secret serves every demo tenant.
func HubSpotClientSecret(contextSecret string) string {
	mac := hmac.New(sha256.New, []byte(contextSecret))
	mac.Write([]byte("snapbridge sandbox: hubspot client secret"))
	h := hex.EncodeToString(mac.Sum(nil))
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// hubSpotContextSecret derives the demo HubSpot tenant's own HS256
// context secret (its admin console is opened with a signed context).
func hubSpotContextSecret(contextSecret string) string {
	mac := hmac.New(sha256.New, []byte(contextSecret))
	mac.Write([]byte("snapbridge sandbox: hubspot context key"))
	return hex.EncodeToString(mac.Sum(nil))
}

func hubSpotApp(o DemoOptions) App {
	return App{
		Name: "snapbridge demo (HubSpot)", ClientID: HubSpotClientID, ClientSecret: o.ClientSecret,
		RedirectURIs: []string{o.RedirectURI},
		Instances: []Instance{{Tenant: HubSpotTenantID, Partner: HubSpotPartner, InstanceID: HubSpotPortalID,
			SyncEnabled: false, Records: hubSpotRecords(hubSpotPeople())}},
	}
}

func hubSpotTenant(o DemoOptions, where string) tenant.Tenant {
	return tenant.Tenant{
		ID: HubSpotTenantID, Name: "Demo HubSpot account (app card, " + where + ")",
		LinkedIn: tenant.LinkedInApp{ClientID: HubSpotClientID, ClientSecret: o.ClientSecret},
		CRM: tenant.CRM{Partner: HubSpotPartner, InstanceID: HubSpotPortalID, OrgID: HubSpotPortalID,
			SourceType: HubSpotSourceType, Type: HubSpotCRMType},
		AllowedOrigins: []string{o.CRMOrigin},
		Context: tenant.ContextPolicy{Issuer: "https://hub.demo.example", Audience: tenant.DefaultAudience,
			Keys: []tenant.ContextKey{{ID: DemoContextKeyID, Alg: "HS256", Secret: hubSpotContextSecret(o.ContextSecret)}}},
		Host: tenant.HostPolicy{Kind: tenant.HostHubSpot, HubSpot: &tenant.HubSpotHost{
			PortalID: HubSpotPortalID, ClientSecrets: []string{HubSpotClientSecret(o.ContextSecret)}}},
		AccentColor: "#ff7a59",
	}
}

// hubSpotRecords gives the people HubSpot record ids: numbers of eleven
// digits, as HubSpot's contact ids are.
func hubSpotRecords(people []demoPerson) []Record {
	recs := demoRecords(HubSpotPortalID, people)
	for i := range recs {
		sum := sha256.Sum256([]byte(HubSpotPortalID + "\x00" + recs[i].FirstName + "\x00" + recs[i].LastName))
		recs[i].ID = strconv.FormatUint(10_000_000_000+binary.BigEndian.Uint64(sum[:8])%90_000_000_000, 10)
	}
	return recs
}

// HubSpotContextSecret is the demo HubSpot tenant's HS256 context secret
// (key DemoContextKeyID).
func HubSpotContextSecret(contextSecret string) string {
	return hubSpotContextSecret(contextSecret)
}
