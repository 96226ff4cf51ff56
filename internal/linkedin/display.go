package linkedin

import (
	"net/url"
	"strconv"
	"strings"
)

// DisplayParams are the Display Services iframe parameters. APIKey (the
// tenant's LinkedIn client id) and InlineMode are always written; every
// other field is left out of the URL when empty.
type DisplayParams struct {
	// APIKey is the LinkedIn application's client id.
	APIKey string
	// FirstName, LastName, Email and CompanyName describe the CRM record,
	// so LinkedIn can offer a match when none is synced.
	FirstName   string
	LastName    string
	Email       string
	CompanyName string
	// CRMRecordID, CRMOrgID, CRMSourceType and CRMType identify the record
	// for CRM Sync; CRMSourceType is assigned by LinkedIn per partner.
	CRMRecordID   string
	CRMOrgID      string
	CRMSourceType string
	CRMType       string
	// Modules is a comma-separated list such as "TopCard2,RelatedLeads".
	Modules string
	// Version is the Display Services version, e.g. "2.1".
	Version string
	// InlineMode renders the compact inline card (300×336).
	InlineMode bool
	// SAT is the viewer's Sales Access Token.
	SAT string
}

// DisplayURL is the Display Services iframe URL for p at base (default:
// https://www.linkedin.com/sales/widget/profile-matching). Every value is
// percent-encoded, a space as %20 and a comma as %2C, so the URL is the
// same whichever decoder LinkedIn uses. Written into HTML it still needs
// & escaped as &amp;, which html/template does.
func DisplayURL(base string, p DisplayParams) string {
	if base == "" {
		base = DefaultDisplayURL
	}
	var b strings.Builder
	b.Grow(len(base) + 256 + len(p.SAT))
	b.WriteString(base)
	sep := byte('?')
	if strings.Contains(base, "?") {
		sep = '&'
	}
	add := func(name, value string, always bool) {
		if value == "" && !always {
			return
		}
		b.WriteByte(sep)
		sep = '&'
		b.WriteString(name)
		b.WriteByte('=')
		b.WriteString(queryEscape(value))
	}
	add("apiKey", p.APIKey, true)
	add("firstName", p.FirstName, false)
	add("lastName", p.LastName, false)
	add("email", p.Email, false)
	add("companyName", p.CompanyName, false)
	add("crmRecordId", p.CRMRecordID, false)
	add("crmOrgId", p.CRMOrgID, false)
	add("crmSourceType", p.CRMSourceType, false)
	add("crmType", p.CRMType, false)
	add("modules", p.Modules, false)
	add("version", p.Version, false)
	add("isInlineMode", strconv.FormatBool(p.InlineMode), true)
	add("sat", p.SAT, false)
	return b.String()
}

// queryEscape is url.QueryEscape with spaces as %20: '+' is itself
// escaped by QueryEscape, so every '+' left stands for a space.
func queryEscape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}
