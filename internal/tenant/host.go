package tenant

import (
	"fmt"
	"regexp"
	"strings"
)

// Host kinds: which CRM-native mechanism, besides the generic signed host
// context (JWT), may open the tenant's widget.
const (
	// HostJWT is the default: the CRM signs snapbridge's host context
	// JWT itself (context.*), and nothing else opens the widget.
	HostJWT = "jwt"
	// HostSalesforce adds Salesforce Canvas: the org's Connected App
	// POSTs its signed request to /w/<tenant>/canvas.
	HostSalesforce = "salesforce"
)

// MaxConsumerSecrets is how many Canvas consumer secrets may be active at
// once: two, so an admin can rotate the Connected App's secret without
// downtime.
const MaxConsumerSecrets = 2

// HostPolicy names the tenant's host adapter and its settings.
type HostPolicy struct {
	// Kind is HostJWT, HostSalesforce or HostHubSpot. Default: HostJWT.
	Kind string `yaml:"kind" json:"kind"`
	// Salesforce configures Canvas signed requests; required with kind
	// salesforce and refused with any other kind.
	Salesforce *SalesforceHost `yaml:"salesforce" json:"salesforce,omitempty"`
	// HubSpot configures HubSpot app cards; required with kind hubspot
	// and refused with any other kind.
	HubSpot *HubSpotHost `yaml:"hubspot" json:"hubspot,omitempty"`
	// Dynamics configures Dynamics 365 sign-in; required with kind
	// dynamics and refused with any other kind.
	Dynamics *DynamicsHost `yaml:"dynamics" json:"dynamics,omitempty"`
}

// SalesforceHost is one Salesforce org whose Canvas app opens the widget.
type SalesforceHost struct {
	// OrgID is the org's id (Setup › Company Information), in its 15- or
	// 18-character form; it is kept in the 18-character form. Required.
	OrgID string `yaml:"orgId" json:"orgId"`
	// MyDomain is the org's My Domain login host as Setup › My Domain
	// shows it, e.g. acme.my.salesforce.com or
	// acme--uat.sandbox.my.salesforce.com (a scheme is accepted and
	// dropped). The Lightning, Visualforce and Classic hosts allowed to
	// frame the widget are derived from it (see Origins). Required.
	MyDomain string `yaml:"myDomain" json:"myDomain"`
	// ConsumerSecrets are the Connected App's consumer secrets accepted
	// for signed requests: one, or two while rotating. Required; never
	// sent to a browser or written to a log.
	ConsumerSecrets []string `yaml:"consumerSecrets" json:"-"`
}

// Salesforce returns the tenant's Salesforce settings when its host kind
// is salesforce, and nil otherwise.
func (t *Tenant) Salesforce() *SalesforceHost {
	if t == nil || t.Host.Kind != HostSalesforce {
		return nil
	}
	return t.Host.Salesforce
}

// Origins returns every origin that may frame the tenant's widget and
// receive its messages: the allowed origins, then those the host adapter
// derives (a Salesforce org's Lightning, Visualforce and Classic hosts),
// each once.
func (t *Tenant) Origins() []string {
	out := append([]string(nil), t.AllowedOrigins...)
	if sf := t.Salesforce(); sf != nil {
		for _, o := range sf.Origins() {
			if !containsString(out, o) {
				out = append(out, o)
			}
		}
	}
	if hs := t.HubSpot(); hs != nil {
		for _, o := range hs.Origins() {
			if !containsString(out, o) {
				out = append(out, o)
			}
		}
	}
	if d := t.Dynamics(); d != nil {
		for _, o := range d.Origins() {
			if !containsString(out, o) {
				out = append(out, o)
			}
		}
	}
	return out
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// myDomainPattern is a My Domain name: letters, digits and single hyphens,
// with "--" only between an org's name and its sandbox's name.
var myDomainPattern = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*(?:--[a-z0-9]+(?:-[a-z0-9]+)*)?$`)

// myDomainName splits a My Domain login host into its name and whether it
// is a sandbox's.
func myDomainName(host string) (name string, sandbox bool, err error) {
	h := strings.ToLower(strings.TrimSpace(host))
	h = strings.TrimPrefix(h, "https://")
	h = strings.TrimSuffix(h, "/")
	rest, ok := strings.CutSuffix(h, ".my.salesforce.com")
	if !ok {
		return "", false, fmt.Errorf("must be the My Domain login host, like acme.my.salesforce.com (Setup › My Domain)")
	}
	if rest, sandbox = strings.CutSuffix(rest, ".sandbox"); sandbox && !strings.Contains(rest, "--") {
		return "", false, fmt.Errorf("a sandbox's My Domain looks like acme--uat.sandbox.my.salesforce.com")
	}
	if len(rest) > 63 || !myDomainPattern.MatchString(rest) {
		return "", false, fmt.Errorf("the My Domain name may hold only letters, digits and '-' (at most 63)")
	}
	return rest, sandbox, nil
}

// Origins returns the exact origins of the org's pages that frame a Canvas
// app, derived from MyDomain (enhanced domains): the Lightning Experience
// host (<name>.lightning.force.com), the Visualforce host that a Lightning
// record page's Visualforce component and a Classic page layout embed
// (<name>--c.vf.force.com) and the Classic host (<name>.my.salesforce.com);
// a sandbox's carry ".sandbox" before the common suffix. A frame must be
// allowed by every ancestor, so all three are needed. Nil when MyDomain is
// not valid.
func (s *SalesforceHost) Origins() []string {
	name, sandbox, err := myDomainName(s.MyDomain)
	if err != nil {
		return nil
	}
	sb := ""
	if sandbox {
		sb = ".sandbox"
	}
	return []string{
		"https://" + name + sb + ".lightning.force.com",
		"https://" + name + "--c" + sb + ".vf.force.com",
		"https://" + name + sb + ".my.salesforce.com",
	}
}

// validateHost checks the host policy, rewriting the org id to its
// 18-character form and MyDomain to its bare host.
func (t *Tenant) validateHost(bad func(string, string, ...any)) {
	if t.Host.HubSpot != nil && t.Host.Kind != HostHubSpot {
		bad("host.hubspot", "is only used with host.kind %q", HostHubSpot)
	}
	if t.validateDynamics(bad); t.Host.Kind == HostDynamics {
		return
	}
	switch t.Host.Kind {
	case HostHubSpot:
		if t.Host.Salesforce != nil {
			bad("host.salesforce", "is only used with host.kind %q", HostSalesforce)
		}
		t.validateHubSpot(bad)
		return
	case HostJWT:
		if t.Host.Salesforce != nil {
			bad("host.salesforce", "is only used with host.kind %q", HostSalesforce)
		}
		return
	case HostSalesforce:
	default:
		bad("host.kind", "must be %q, %q, %q or %q", HostJWT, HostSalesforce, HostHubSpot, HostDynamics)
		return
	}
	sf := t.Host.Salesforce
	if sf == nil {
		bad("host.salesforce", "is required with host.kind %q: orgId, myDomain and consumerSecrets", HostSalesforce)
		return
	}
	if id, err := CanonicalOrgID(sf.OrgID); err != nil {
		bad("host.salesforce.orgId", "%v", err)
	} else {
		sf.OrgID = id
	}
	if name, sandbox, err := myDomainName(sf.MyDomain); err != nil {
		bad("host.salesforce.myDomain", "%v", err)
	} else if sandbox {
		sf.MyDomain = name + ".sandbox.my.salesforce.com"
	} else {
		sf.MyDomain = name + ".my.salesforce.com"
	}
	checkRotatingSecrets(bad, "host.salesforce.consumerSecrets", sf.ConsumerSecrets, MaxConsumerSecrets,
		"the Connected App's consumer secret", "the Connected App's consumer secret as shown")
}

// MinConsumerSecretLen is the shortest consumer secret accepted: Salesforce
// issues 64 hexadecimal characters today and issued 19 digits to older
// Connected Apps.
const MinConsumerSecretLen = 16

// CanonicalOrgID checks a Salesforce org id in its 15-character
// (case-sensitive) or 18-character (case-insensitive, with a checksum
// suffix) form and returns the 18-character form with the case the
// suffix encodes, so both forms of one org compare equal.
func CanonicalOrgID(id string) (string, error) {
	canonical, err := CanonicalSalesforceID(id)
	if err != nil {
		return "", err
	}
	if !strings.HasPrefix(canonical, "00D") {
		return "", fmt.Errorf("%s is not an org id (those start with 00D)", clipQuote(id))
	}
	return canonical, nil
}

// CanonicalSalesforceID returns any Salesforce record id (user, contact,
// org…) given in its 15- or 18-character form in the 18-character form,
// so both forms of one record compare equal.
func CanonicalSalesforceID(id string) (string, error) {
	base, err := salesforceID15(id)
	if err != nil {
		return "", err
	}
	return base + idSuffix(base), nil
}

// idAlphabet encodes five case bits per suffix character.
const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"

// salesforceID15 returns the case-sensitive 15-character form of a
// Salesforce id given in either form.
func salesforceID15(id string) (string, error) {
	if len(id) != 15 && len(id) != 18 {
		return "", fmt.Errorf("must be a Salesforce id of 15 or 18 letters and digits")
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return "", fmt.Errorf("must be a Salesforce id of 15 or 18 letters and digits")
		}
	}
	if len(id) == 15 {
		return id, nil
	}
	b := []byte(id[:15])
	for chunk := range 3 {
		bits := strings.IndexByte(idAlphabet, upper(id[15+chunk]))
		if bits < 0 {
			return "", fmt.Errorf("%s: its last three characters are not a Salesforce id checksum", clipQuote(id))
		}
		for i := range 5 {
			c := &b[chunk*5+i]
			isUpper := bits&(1<<i) != 0
			switch {
			case isUpper && (*c >= 'a' && *c <= 'z' || *c >= 'A' && *c <= 'Z'):
				*c = upper(*c)
			case isUpper:
				return "", fmt.Errorf("%s: its checksum does not match the id", clipQuote(id))
			case *c >= 'A' && *c <= 'Z':
				*c += 'a' - 'A'
			}
		}
	}
	return string(b), nil
}

// idSuffix is the three-character checksum of a 15-character id.
func idSuffix(id15 string) string {
	var out [3]byte
	for chunk := range 3 {
		bits := 0
		for i := range 5 {
			if c := id15[chunk*5+i]; c >= 'A' && c <= 'Z' {
				bits |= 1 << i
			}
		}
		out[chunk] = idAlphabet[bits]
	}
	return string(out[:])
}

func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - ('a' - 'A')
	}
	return c
}

// checkRotatingSecrets checks the secrets a CRM adapter verifies with: one
// to max active (two while rotating), each min-256 characters without
// spaces around it, none repeated. field is the setting's path; what names
// the secret for "needs …" and shown for "must be …".
func checkRotatingSecrets(bad func(string, string, ...any), field string, secrets []string, max int, what, shown string) {
	switch n := len(secrets); {
	case n == 0:
		bad(field, "needs %s", what)
		return
	case n > max:
		bad(field, "has %d secrets; at most %d may be active at once", n, max)
		return
	}
	name := field[strings.LastIndexByte(field, '.')+1:]
	for i, s := range secrets {
		at := fmt.Sprintf("%s[%d]", field, i)
		if strings.TrimSpace(s) != s || len(s) < MinConsumerSecretLen || len(s) > 256 {
			bad(at, "must be %s (%d-256 characters, no spaces around it)", shown, MinConsumerSecretLen)
			return
		}
		for j := range i {
			if secrets[j] == s {
				bad(at, "repeats %s[%d]", name, j)
				return
			}
		}
	}
}
