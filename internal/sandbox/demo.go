package sandbox

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/snapbridge/snapbridge/internal/tenant"
)

// DemoOptions are the secrets and addresses the demo seed is wired to.
type DemoOptions struct {
	// ClientSecret is the secret of both demo LinkedIn apps. Required.
	ClientSecret string
	// ContextSecret signs the demo tenant's host contexts (HS256, at least
	// 32 bytes); the nosync tenant's secret is derived from it. Required.
	ContextSecret string
	// CRMOrigin is the demo CRM page's origin, allowed to frame the widget.
	// Default: http://127.0.0.1:8090.
	CRMOrigin string
	// RedirectURI is snapbridge's OAuth callback registered with both apps.
	// Default: http://127.0.0.1:8080/oauth/linkedin/callback.
	RedirectURI string
}

// Demo identifiers. Client ids deliberately do not start with "sandbox-",
// the prefix of every issued token, so a leak search cannot confuse them.
const (
	DemoTenantID       = "demo"
	DemoClientID       = "demo-app-77f1"
	DemoInstanceID     = "demo.crm.dynamics.com"
	NoSyncTenantID     = "nosync"
	NoSyncClientID     = "nosync-app-3c2a"
	NoSyncInstanceID   = "nosync.crm.dynamics.com"
	DemoPartner        = "MS"
	DemoCRMSourceType  = "MSFT_DYNAMICS_365"
	DemoCRMType        = "DYNAMICS"
	DemoContextKeyID   = "demo-1"
	defaultCRMOrigin   = "http://127.0.0.1:8090"
	defaultRedirectURI = "http://127.0.0.1:8080/oauth/linkedin/callback"
)

func (o DemoOptions) withDefaults() DemoOptions {
	if o.CRMOrigin == "" {
		o.CRMOrigin = defaultCRMOrigin
	}
	if o.RedirectURI == "" {
		o.RedirectURI = defaultRedirectURI
	}
	return o
}

// demoPerson is one row of the demo CRM.
type demoPerson struct {
	first, last, title, company, domain, kind, outcome string
}

// demoPeople fill a CRM list: most matched with a public photo, some
// matched without, and some unmatched whose names resemble a member's so
// the Display page's search has something to suggest.
func demoPeople() []demoPerson {
	return []demoPerson{
		{"Katherine", "Lindqvist", "VP of Procurement", "Fabrikam", "fabrikam.com", "contact", OutcomeMatched},
		{"Marcus", "Okafor", "Head of IT Operations", "Contoso Pharmaceuticals", "contosopharma.com", "contact", OutcomeMatched},
		{"Sofia", "Marchetti", "Chief Financial Officer", "Alpine Ski House", "alpineskihouse.com", "contact", OutcomeMatched},
		{"Daniel", "Kowalski", "Director of Engineering", "Tailspin Toys", "tailspintoys.com", "lead", OutcomeMatched},
		{"Aisha", "Rahman", "Supply Chain Manager", "Wide World Importers", "wideworldimporters.com", "contact", OutcomeMatched},
		{"Liam", "O'Connor", "Regional Sales Manager", "Litware Inc.", "litware.com", "lead", OutcomeMatched},
		{"Mei", "Chen", "Product Marketing Lead", "Adventure Works Cycles", "adventure-works.com", "contact", OutcomeMatched},
		{"Jonas", "Becker", "Plant Manager", "Proseware", "proseware.com", "contact", OutcomeMatched},
		{"Isabela", "Ferreira", "Head of Customer Success", "Woodgrove Bank", "woodgrovebank.com", "contact", OutcomeMatched},
		{"Ravi", "Subramanian", "Chief Technology Officer", "Trey Research", "treyresearch.net", "lead", OutcomeMatched},
		{"Hannah", "Schmidt", "Procurement Specialist", "Fourth Coffee", "fourthcoffee.com", "contact", OutcomeMatched},
		{"Olivier", "Dubois", "Managing Director", "Margie's Travel", "margiestravel.com", "contact", OutcomeMatched},
		{"Yuki", "Tanaka", "Senior Buyer", "Northwind Health", "northwindhealth.com", "lead", OutcomeMatched},
		{"Grace", "Mensah", "Operations Director", "Coho Winery", "cohowinery.com", "contact", OutcomeMatched},
		{"Mateo", "García", "IT Procurement Lead", "Lucerne Publishing", "lucernepublishing.com", "contact", OutcomeMatched},
		{"Emma", "Johansson", "VP of Sales", "Blue Yonder Airlines", "blueyonderairlines.com", "lead", OutcomeMatched},
		{"Samuel", "Adeyemi", "Security Architect", "Humongous Insurance", "humongousinsurance.com", "contact", OutcomeMatched},
		{"Chloé", "Martin", "Head of Digital", "The Phone Company", "thephone-company.com", "contact", OutcomeMatched},
		{"Noah", "Williams", "Facilities Manager", "City Power & Light", "cpandl.com", "contact", OutcomeMatched},
		{"Zara", "Hussain", "Chief Operating Officer", "Graphic Design Institute", "graphicdesigninstitute.com", "lead", OutcomeMatched},
		{"Lukas", "Novak", "Finance Manager", "School of Fine Art", "fineartschool.net", "contact", OutcomeMatched},
		{"Amara", "Nwosu", "Director of Partnerships", "VanArsdel Ltd.", "vanarsdel.com", "contact", OutcomeMatched},
		{"Ethan", "Brooks", "Purchasing Manager", "Relecloud", "relecloud.com", "contact", OutcomeNoPhoto},
		{"Ingrid", "Halvorsen", "Logistics Coordinator", "Wingtip Toys", "wingtiptoys.com", "lead", OutcomeNoPhoto},
		{"Carlos", "Mendoza", "Store Operations Lead", "Contoso Retail", "contosoretail.com", "contact", OutcomeNoPhoto},
		{"Fatima", "Zahra", "Data Protection Officer", "Woodgrove Bank", "woodgrovebank.com", "contact", OutcomeNoPhoto},
		{"Peter", "Lindgren", "Workshop Manager", "Adventure Works Cycles", "adventure-works.com", "lead", OutcomeNoPhoto},
		{"Kathrine", "Lindquist", "Procurement Analyst", "Fabrikam", "fabrikam.com", "lead", OutcomeNoMatch},
		{"Marc", "Okafur", "IT Consultant", "Independent", "okafur-consulting.example", "lead", OutcomeNoMatch},
		{"Sophia", "Marchetto", "Accounts Payable Clerk", "Alpine Ski House", "alpineskihouse.com", "contact", OutcomeNoMatch},
		{"Brendan", "Quill", "Owner", "Quill & Sons Hardware", "quillandsons.example", "lead", OutcomeNoMatch},
		{"Tess", "Varga", "Intern", "Trey Research", "treyresearch.net", "contact", OutcomeNoMatch},
	}
}

// noSyncPeople are the records of the tenant whose CRM Sync is off.
func noSyncPeople() []demoPerson {
	return []demoPerson{
		{"Robert", "Hale", "Operations Manager", "Bellows College", "bellowscollege.com", "contact", OutcomeCRMSyncDisabled},
		{"Nadia", "Petrova", "Head of Procurement", "Consolidated Messenger", "consolidatedmessenger.com", "contact", OutcomeCRMSyncDisabled},
		{"Kwame", "Asante", "IT Director", "First Up Consultants", "firstupconsultants.com", "lead", OutcomeCRMSyncDisabled},
		{"Laura", "Bianchi", "CFO", "Southridge Video", "southridgevideo.com", "contact", OutcomeCRMSyncDisabled},
	}
}

// DemoApps returns the LinkedIn apps, CRM instances and records behind
// the demo tenants: "demo" (CRM Sync on, 32 records), "nosync" (CRM
// Sync off, 4 records), "sfdc" (a Salesforce org opening the widget
// with Canvas, 6 records), "hub" (a HubSpot account opening it from an
// app card, CRM Sync off, 4 records) and "dyn" (a Dynamics 365
// organisation whose sellers sign in with Entra ID, 7 records).
func DemoApps(o DemoOptions) []App {
	o = o.withDefaults()
	return []App{
		{
			Name: "snapbridge demo", ClientID: DemoClientID, ClientSecret: o.ClientSecret,
			RedirectURIs: []string{o.RedirectURI},
			Instances: []Instance{{Tenant: DemoTenantID, Partner: DemoPartner, InstanceID: DemoInstanceID,
				SyncEnabled: true, Records: demoRecords(DemoInstanceID, demoPeople())}},
		},
		{
			Name: "snapbridge demo (CRM Sync off)", ClientID: NoSyncClientID, ClientSecret: o.ClientSecret,
			RedirectURIs: []string{o.RedirectURI},
			Instances: []Instance{{Tenant: NoSyncTenantID, Partner: DemoPartner, InstanceID: NoSyncInstanceID,
				SyncEnabled: false, Records: demoRecords(NoSyncInstanceID, noSyncPeople())}},
		},
		salesforceApp(o),
		hubSpotApp(o),
		dynamicsApp(o),
	}
}

func demoRecords(instanceID string, people []demoPerson) []Record {
	out := make([]Record, 0, len(people))
	for _, p := range people {
		rec := Record{
			ID: dynamicsGUID(instanceID, p.first, p.last), Type: p.kind,
			FirstName: p.first, LastName: p.last, Title: p.title, Company: p.company,
			Email:   strings.ToLower(emailLocal(p.first) + "." + emailLocal(p.last) + "@" + p.domain),
			Outcome: p.outcome,
		}
		if p.outcome == OutcomeMatched || p.outcome == OutcomeNoPhoto {
			rec.MemberID = derivedMemberID("member", p.first, p.last)
		}
		out = append(out, rec)
	}
	return out
}

// emailLocal keeps the ASCII letters of a name part for an address.
func emailLocal(s string) string {
	repl := strings.NewReplacer("é", "e", "í", "i", "á", "a", "'", "")
	s = repl.Replace(s)
	return strings.Map(func(r rune) rune {
		if r < 128 {
			return r
		}
		return -1
	}, s)
}

// dynamicsGUID makes a stable record id shaped like a Dynamics 365 GUID.
func dynamicsGUID(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	h := hex.EncodeToString(sum[:16])
	return fmt.Sprintf("%s-%s-%s-%s-%s", h[0:8], h[8:12], h[12:16], h[16:20], h[20:32])
}

// DemoTenants returns the snapbridge tenants wired to DemoApps(o); each
// passes ApplyDefaults and Validate when o's secrets are set. sandboxURL
// is where the stand-in listens; it is named in the tenants' display
// names so an admin sees which LinkedIn the tenant talks to.
func DemoTenants(o DemoOptions, sandboxURL string) []tenant.Tenant {
	o = o.withDefaults()
	where := "LinkedIn stand-in"
	if sandboxURL != "" {
		where += " at " + sandboxURL
	}
	return []tenant.Tenant{
		{
			ID: DemoTenantID, Name: "Demo CRM (Dynamics 365, " + where + ")",
			LinkedIn: tenant.LinkedInApp{ClientID: DemoClientID, ClientSecret: o.ClientSecret},
			CRM: tenant.CRM{Partner: DemoPartner, InstanceID: DemoInstanceID, OrgID: DemoInstanceID,
				SourceType: DemoCRMSourceType, Type: DemoCRMType},
			AllowedOrigins: []string{o.CRMOrigin},
			Context: tenant.ContextPolicy{Issuer: "https://crm.demo.example", Audience: tenant.DefaultAudience,
				Keys: []tenant.ContextKey{{ID: DemoContextKeyID, Alg: "HS256", Secret: o.ContextSecret}}},
			AccentColor: tenant.DefaultAccentColor,
		},
		{
			ID: NoSyncTenantID, Name: "Demo CRM without CRM Sync (" + where + ")",
			LinkedIn: tenant.LinkedInApp{ClientID: NoSyncClientID, ClientSecret: o.ClientSecret},
			CRM: tenant.CRM{Partner: DemoPartner, InstanceID: NoSyncInstanceID, OrgID: NoSyncInstanceID,
				SourceType: DemoCRMSourceType, Type: DemoCRMType},
			AllowedOrigins: []string{o.CRMOrigin},
			Context: tenant.ContextPolicy{Issuer: "https://crm.nosync.example", Audience: tenant.DefaultAudience,
				Keys: []tenant.ContextKey{{ID: DemoContextKeyID, Alg: "HS256", Secret: NoSyncContextSecret(o.ContextSecret)}}},
			AccentColor: "#5f4b8b",
		},
		salesforceTenant(o, where),
		hubSpotTenant(o, where),
		dynamicsTenant(o, where, sandboxURL),
	}
}

// NoSyncContextSecret derives the nosync tenant's HS256 context secret
// from the demo one (HMAC-SHA256, hex), so one configured secret serves
// both tenants without them sharing a key.
func NoSyncContextSecret(contextSecret string) string {
	mac := hmac.New(sha256.New, []byte(contextSecret))
	mac.Write([]byte("snapbridge sandbox: nosync context key"))
	return hex.EncodeToString(mac.Sum(nil))
}
