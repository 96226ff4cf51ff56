package sandbox

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/snapbridge/snapbridge/internal/tenant"
)

// Demo Salesforce org: a tenant whose widget is opened by Salesforce
// Canvas signed requests, which the demo CRM's Salesforce-style record
// page signs as Salesforce would.
const (
	SalesforceTenantID   = "sfdc"
	SalesforceClientID   = "sfdc-app-5b9e"
	SalesforceOrgID      = "00D5g000004SfDc" // 15-character form, as Setup › Company Information shows it
	SalesforceMyDomain   = "snapbridge-demo.my.salesforce.com"
	SalesforcePartner    = "SFDC"
	SalesforceSourceType = "SFDC"
	SalesforceCRMType    = "SFDC"
)

// salesforcePeople are the records of the demo Salesforce org.
func salesforcePeople() []demoPerson {
	all := demoPeople()
	return []demoPerson{all[0], all[1], all[3], all[5], all[22], all[27]}
}

// SalesforceOrgID18 is the demo org id in its 18-character form, the
// Profile Associations instance id of the demo Salesforce org.
func SalesforceOrgID18() string {
	id, _ := tenant.CanonicalOrgID(SalesforceOrgID) // a valid constant
	return id
}

// SalesforceConsumerSecret derives the demo Connected App's consumer
// secret (64 hex characters, as Salesforce issues them) from the demo
// context secret, so one configured secret serves every demo tenant.
func SalesforceConsumerSecret(contextSecret string) string {
	mac := hmac.New(sha256.New, []byte(contextSecret))
	mac.Write([]byte("snapbridge sandbox: salesforce consumer secret"))
	return hex.EncodeToString(mac.Sum(nil))
}

// salesforceContextSecret derives the demo Salesforce tenant's own HS256
// context secret (its admin console is opened with a signed context).
func salesforceContextSecret(contextSecret string) string {
	mac := hmac.New(sha256.New, []byte(contextSecret))
	mac.Write([]byte("snapbridge sandbox: salesforce context key"))
	return hex.EncodeToString(mac.Sum(nil))
}

// SalesforceContextSecret is the demo Salesforce tenant's HS256 context
// secret (key DemoContextKeyID).
func SalesforceContextSecret(contextSecret string) string {
	return salesforceContextSecret(contextSecret)
}

func salesforceApp(o DemoOptions) App {
	return App{
		Name: "snapbridge demo (Salesforce)", ClientID: SalesforceClientID, ClientSecret: o.ClientSecret,
		RedirectURIs: []string{o.RedirectURI},
		Instances: []Instance{{Tenant: SalesforceTenantID, Partner: SalesforcePartner, InstanceID: SalesforceOrgID18(),
			SyncEnabled: true, Records: salesforceRecords(salesforcePeople())}},
	}
}

func salesforceTenant(o DemoOptions, where string) tenant.Tenant {
	return tenant.Tenant{
		ID: SalesforceTenantID, Name: "Demo Salesforce org (Canvas, " + where + ")",
		LinkedIn: tenant.LinkedInApp{ClientID: SalesforceClientID, ClientSecret: o.ClientSecret},
		CRM: tenant.CRM{Partner: SalesforcePartner, InstanceID: SalesforceOrgID18(), OrgID: SalesforceOrgID18(),
			SourceType: SalesforceSourceType, Type: SalesforceCRMType},
		AllowedOrigins: []string{o.CRMOrigin},
		Context: tenant.ContextPolicy{Issuer: "https://sfdc.demo.example", Audience: tenant.DefaultAudience,
			Keys: []tenant.ContextKey{{ID: DemoContextKeyID, Alg: "HS256", Secret: salesforceContextSecret(o.ContextSecret)}}},
		Host: tenant.HostPolicy{Kind: tenant.HostSalesforce, Salesforce: &tenant.SalesforceHost{
			OrgID: SalesforceOrgID, MyDomain: SalesforceMyDomain,
			ConsumerSecrets: []string{SalesforceConsumerSecret(o.ContextSecret)}}},
		AccentColor: "#00a1e0",
	}
}

// salesforceRecords gives the people Salesforce record ids in their
// 18-character form: 003 for contacts, 00Q for leads.
func salesforceRecords(people []demoPerson) []Record {
	recs := demoRecords(SalesforceOrgID, people)
	for i := range recs {
		prefix := "003"
		if recs[i].Type == "lead" {
			prefix = "00Q"
		}
		sum := sha256.Sum256([]byte(SalesforceOrgID + "\x00" + recs[i].FirstName + "\x00" + recs[i].LastName))
		var b strings.Builder
		b.WriteString(prefix + "5g00000")
		for _, c := range sum[:5] {
			b.WriteByte(base62[int(c)%len(base62)])
		}
		recs[i].ID, _ = tenant.CanonicalSalesforceID(b.String()) // 15 letters and digits
	}
	return recs
}
