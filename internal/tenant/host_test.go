package tenant

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func salesforceTenant() Tenant {
	t := validTenant()
	t.AllowedOrigins = nil
	t.Host = HostPolicy{Kind: HostSalesforce, Salesforce: &SalesforceHost{
		OrgID: "00DA0000000AbCd", MyDomain: "acme.my.salesforce.com",
		ConsumerSecrets: []string{strings.Repeat("a1", 32)},
	}}
	return t
}

// hostCase is one host setting an admin may enter; field is the field
// its refusal names, "" when the tenant is valid.
type hostCase struct {
	scenario string
	mutate   func(*Tenant)
	field    string
}

// checkHostCases validates base() changed by each case: a valid tenant is
// accepted, an invalid one refused with a FieldError on the case's field
// whose message does not repeat the secret.
func checkHostCases(t *testing.T, base func() Tenant, secret string, cases []hostCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.scenario, func(t *testing.T) {
			tn := base()
			tc.mutate(&tn)
			tn.ApplyDefaults()
			err := tn.Validate()
			var fe *FieldError
			switch {
			case tc.field == "" && err != nil:
				t.Fatalf("valid tenant refused: %v", err)
			case tc.field == "":
			case !errors.As(err, &fe):
				t.Fatalf("got %v, want a FieldError on %s", err, tc.field)
			case fe.Field != tc.field:
				t.Fatalf("field %q (%v), want %q", fe.Field, err, tc.field)
			case strings.Contains(err.Error(), secret):
				t.Fatalf("the message repeats the secret: %v", err)
			}
		})
	}
}

// An admin who sets up Salesforce Canvas learns which host setting is
// wrong, by its field.
func TestSalesforceHostValidationNamesTheField(t *testing.T) {
	checkHostCases(t, salesforceTenant, strings.Repeat("a", 32), []hostCase{
		{"valid, without own allowed origins", func(*Tenant) {}, ""},
		{"valid 18-character org id", func(t2 *Tenant) { t2.Host.Salesforce.OrgID = "00DA0000000AbCdMAK" }, ""},
		{"valid sandbox my domain", func(t2 *Tenant) { t2.Host.Salesforce.MyDomain = "acme--uat.sandbox.my.salesforce.com" }, ""},
		{"two secrets while rotating", func(t2 *Tenant) {
			t2.Host.Salesforce.ConsumerSecrets = append(t2.Host.Salesforce.ConsumerSecrets, strings.Repeat("b2", 32))
		}, ""},
		{"unknown kind", func(t2 *Tenant) { t2.Host.Kind = "sap" }, "host.kind"},
		{"salesforce settings without the kind", func(t2 *Tenant) {
			t2.Host.Kind = HostJWT
			t2.AllowedOrigins = []string{"https://crm.example.com"}
		}, "host.salesforce"},
		{"kind without settings", func(t2 *Tenant) { t2.Host.Salesforce = nil }, "host.salesforce"},
		{"org id of another object", func(t2 *Tenant) { t2.Host.Salesforce.OrgID = "001A0000006Vm9r" }, "host.salesforce.orgId"},
		{"org id of 16 characters", func(t2 *Tenant) { t2.Host.Salesforce.OrgID = "00DA0000000AbCdM" }, "host.salesforce.orgId"},
		{"org id with a bad checksum", func(t2 *Tenant) { t2.Host.Salesforce.OrgID = "00DA0000000AbCd999" }, "host.salesforce.orgId"},
		{"org id with punctuation", func(t2 *Tenant) { t2.Host.Salesforce.OrgID = "00DA0000000Ab-d" }, "host.salesforce.orgId"},
		{"lightning host instead of my domain", func(t2 *Tenant) { t2.Host.Salesforce.MyDomain = "acme.lightning.force.com" }, "host.salesforce.myDomain"},
		{"my domain with a path", func(t2 *Tenant) { t2.Host.Salesforce.MyDomain = "acme.my.salesforce.com/home" }, "host.salesforce.myDomain"},
		{"my domain with a wildcard", func(t2 *Tenant) { t2.Host.Salesforce.MyDomain = "*.my.salesforce.com" }, "host.salesforce.myDomain"},
		{"sandbox without its name", func(t2 *Tenant) { t2.Host.Salesforce.MyDomain = "acme.sandbox.my.salesforce.com" }, "host.salesforce.myDomain"},
		{"no consumer secret", func(t2 *Tenant) { t2.Host.Salesforce.ConsumerSecrets = nil }, "host.salesforce.consumerSecrets"},
		{"three consumer secrets", func(t2 *Tenant) {
			t2.Host.Salesforce.ConsumerSecrets = []string{strings.Repeat("a", 64), strings.Repeat("b", 64), strings.Repeat("c", 64)}
		}, "host.salesforce.consumerSecrets"},
		{"short consumer secret", func(t2 *Tenant) { t2.Host.Salesforce.ConsumerSecrets = []string{"short"} }, "host.salesforce.consumerSecrets[0]"},
		{"consumer secret pasted with a newline", func(t2 *Tenant) {
			t2.Host.Salesforce.ConsumerSecrets = []string{strings.Repeat("a", 64) + "\n"}
		}, "host.salesforce.consumerSecrets[0]"},
		{"the same secret twice", func(t2 *Tenant) {
			t2.Host.Salesforce.ConsumerSecrets = []string{strings.Repeat("a", 64), strings.Repeat("a", 64)}
		}, "host.salesforce.consumerSecrets[1]"},
	})
}

// Salesforce shows an org id in two forms; an admin may paste either, or
// the 18-character one in lower case, and the tenant names one org.
func TestOrgIDFormsNameOneOrg(t *testing.T) {
	// 001A0000006Vm9r ↔ 001A0000006Vm9rIAC is Salesforce's documented
	// example of the two forms; it is not an org id, so check the
	// suffix on it directly.
	if got := idSuffix("001A0000006Vm9r"); got != "IAC" {
		t.Fatalf("suffix of the documented example: %s, want IAC", got)
	}
	for _, tc := range []struct{ scenario, id string }{
		{"15 characters", "00DA0000000AbCd"},
		{"18 characters", "00DA0000000AbCdMAK"},
		{"18 characters, lower case", "00da0000000abcdmak"},
		{"18 characters, upper case", "00DA0000000ABCDMAK"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			got, err := CanonicalOrgID(tc.id)
			if err != nil || got != "00DA0000000AbCdMAK" {
				t.Fatalf("CanonicalOrgID(%s) = %q, %v; want 00DA0000000AbCdMAK", tc.id, got, err)
			}
		})
	}
	if got, _ := CanonicalOrgID("00Da0000000AbCd"); got == "00DA0000000AbCdMAK" {
		t.Fatal("15-character ids are case-sensitive: 00Da… is another org")
	}
}

// The org's Lightning, Visualforce and Classic pages may frame the widget,
// and nothing else of Salesforce.
func TestSalesforceOriginsFrameTheWidget(t *testing.T) {
	for _, tc := range []struct {
		scenario, myDomain string
		want               []string
	}{
		{"production", "https://Acme.my.salesforce.com/", []string{"https://intranet.acme.example",
			"https://acme.lightning.force.com", "https://acme--c.vf.force.com", "https://acme.my.salesforce.com"}},
		{"sandbox", "acme--uat.sandbox.my.salesforce.com", []string{"https://intranet.acme.example",
			"https://acme.lightning.force.com", "https://acme--uat.sandbox.lightning.force.com",
			"https://acme--uat--c.sandbox.vf.force.com", "https://acme--uat.sandbox.my.salesforce.com"}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			tn := salesforceTenant()
			// One derived origin is also listed: it appears once.
			tn.AllowedOrigins = []string{"https://intranet.acme.example", "https://acme.lightning.force.com"}
			tn.Host.Salesforce.MyDomain = tc.myDomain
			tn.ApplyDefaults()
			if err := tn.Validate(); err != nil {
				t.Fatal(err)
			}
			want := tc.want
			if got := tn.Origins(); !slices.Equal(got, want) {
				t.Fatalf("origins %q, want %q", got, want)
			}
			if fa := tn.FrameAncestors(); fa != strings.Join(want, " ") {
				t.Fatalf("frame-ancestors %q", fa)
			}
		})
	}
	jwt := validTenant()
	jwt.ApplyDefaults()
	if got := jwt.Origins(); !slices.Equal(got, jwt.AllowedOrigins) {
		t.Fatalf("a jwt tenant's origins are its allowed origins, got %q", got)
	}
}

// A registry snapshot stays immutable: changing a clone's secrets does
// not reach the tenant it was cloned from.
func TestCloneCopiesSalesforceSecrets(t *testing.T) {
	a := salesforceTenant()
	b := a.Clone()
	b.Host.Salesforce.ConsumerSecrets[0] = "changed"
	b.Host.Salesforce.OrgID = "changed"
	if a.Host.Salesforce.ConsumerSecrets[0] == "changed" || a.Host.Salesforce.OrgID == "changed" {
		t.Fatal("the clone shares the Salesforce settings")
	}
}
