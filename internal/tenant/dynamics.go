package tenant

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// HostDynamics adds Dynamics 365: an IFRAME control or web resource on a
// record form opens /w/<tenant>/dynamics?id=…&typename=…, and the seller
// signs in with Microsoft (Entra ID) so that snapbridge reads the record
// through the Dataverse Web API with the seller's own access.
const HostDynamics = "dynamics"

// DefaultEntraAuthority is the Entra ID (Azure AD) sign-in host of the
// public cloud.
const DefaultEntraAuthority = "https://login.microsoftonline.com"

// MaxDynamicsClientSecrets is how many Entra client secrets may be active
// at once: two, so the app registration's secret can be rotated without
// downtime.
const MaxDynamicsClientSecrets = 2

// entraAuthorities are the Entra ID sign-in hosts accepted besides a
// loopback stand-in: the public, US government and China clouds.
var entraAuthorities = []string{DefaultEntraAuthority, "https://login.microsoftonline.us", "https://login.chinacloudapi.cn"}

// dynamicsHostPattern is a Dataverse environment's host: the organisation
// name and a regional crm[N] label under one of Microsoft's clouds.
var dynamicsHostPattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?\.crm[0-9]{0,2}\.(?:dynamics\.com|dynamics\.cn|microsoftdynamics\.us|appsplatform\.us)$`)

// guidPattern is a GUID in its canonical lower-case form.
var guidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// DynamicsHost is one Dynamics 365 (Dataverse) organisation whose sellers
// sign in with the tenant's Entra ID application.
type DynamicsHost struct {
	// EntraTenantID is the directory (tenant) id of the organisation's
	// Entra ID, a GUID (Entra admin center › Overview). ID tokens of any
	// other directory are refused. Required.
	EntraTenantID string `yaml:"entraTenantId" json:"entraTenantId"`
	// ClientID is the application (client) id of the app registration, a
	// GUID. Required.
	ClientID string `yaml:"clientId" json:"clientId"`
	// ClientSecrets are the app registration's client secret values: one,
	// or two while rotating (the first is used, the second tried when
	// Entra refuses it). Required; never sent to a browser or written to a
	// log.
	ClientSecrets []string `yaml:"clientSecrets" json:"-"`
	// OrgURL is the environment's URL, https://<org>.crm[N].dynamics.com
	// (Power Platform admin center › Environment URL): the Dataverse Web
	// API base, the resource of the delegated scope and the origin whose
	// pages frame the widget. Required.
	OrgURL string `yaml:"orgUrl" json:"orgUrl"`
	// Authority is the Entra sign-in host. Default:
	// https://login.microsoftonline.com (the sandbox sets its own
	// loopback stand-in).
	Authority string `yaml:"authority" json:"authority,omitempty"`
}

// Dynamics returns the tenant's Dynamics settings when its host kind is
// dynamics, and nil otherwise.
func (t *Tenant) Dynamics() *DynamicsHost {
	if t == nil || t.Host.Kind != HostDynamics {
		return nil
	}
	return t.Host.Dynamics
}

// Issuer is the issuer the organisation's ID tokens carry:
// <authority>/<entraTenantId>/v2.0.
func (d *DynamicsHost) Issuer() string { return d.AuthorityURL() + "/" + d.EntraTenantID + "/v2.0" }

// AuthorityURL is Authority, or DefaultEntraAuthority when unset.
func (d *DynamicsHost) AuthorityURL() string {
	if d.Authority == "" {
		return DefaultEntraAuthority
	}
	return d.Authority
}

// Scope is what the sign-in asks for: delegated Dataverse access as the
// seller, a refresh token, and the ID token's claims.
func (d *DynamicsHost) Scope() string {
	return d.OrgURL + "/user_impersonation offline_access openid profile"
}

// Origins returns the origin of the organisation's own pages (OrgURL),
// which frame an IFRAME control or web resource; nil when OrgURL is not
// valid.
func (d *DynamicsHost) Origins() []string {
	o, err := dynamicsOrgURL(d.OrgURL)
	if err != nil {
		return nil
	}
	return []string{o}
}

// clone returns a deep copy of d.
func (d *DynamicsHost) clone() *DynamicsHost {
	if d == nil {
		return nil
	}
	c := *d
	c.ClientSecrets = append([]string(nil), d.ClientSecrets...)
	return &c
}

// textFields lists d's strings, secrets included, for the UTF-8 check.
func (d *DynamicsHost) textFields() []textField {
	if d == nil {
		return nil
	}
	out := []textField{{"host.dynamics.entraTenantId", d.EntraTenantID}, {"host.dynamics.clientId", d.ClientID},
		{"host.dynamics.orgUrl", d.OrgURL}, {"host.dynamics.authority", d.Authority}}
	for i, s := range d.ClientSecrets {
		out = append(out, textField{fmt.Sprintf("host.dynamics.clientSecrets[%d]", i), s})
	}
	return out
}

// dynamicsOrgURL checks an environment URL and returns it as a bare
// origin: https and a Dataverse host, or a loopback origin (the sandbox's
// stand-in).
func dynamicsOrgURL(s string) (string, error) {
	o, err := ParseOrigin(strings.TrimSuffix(strings.TrimSpace(s), "/"))
	if err != nil {
		return "", fmt.Errorf("must be the environment URL, like https://contoso.crm.dynamics.com")
	}
	u, _ := url.Parse(o)
	if isLoopbackOrigin(u) || u.Scheme == "https" && u.Port() == "" && dynamicsHostPattern.MatchString(u.Hostname()) {
		return o, nil
	}
	return "", fmt.Errorf("must be the environment URL, like https://contoso.crm.dynamics.com (Power Platform admin center › Environment URL)")
}

// entraAuthority checks an authority: one of Microsoft's sign-in hosts or
// a loopback stand-in.
func entraAuthority(s string) (string, error) {
	o, err := ParseOrigin(strings.TrimSuffix(strings.TrimSpace(s), "/"))
	if err == nil {
		u, _ := url.Parse(o)
		if isLoopbackOrigin(u) || containsString(entraAuthorities, o) {
			return o, nil
		}
	}
	return "", fmt.Errorf("must be one of %s (or empty for the first)", strings.Join(entraAuthorities, ", "))
}

// isLoopbackOrigin reports whether a parsed origin is on this machine.
func isLoopbackOrigin(u *url.URL) bool {
	h := u.Hostname()
	return h == "localhost" || strings.HasPrefix(h, "127.") || h == "::1"
}

// validateDynamics checks host.dynamics: required with kind dynamics,
// refused with any other; it rewrites the GUIDs to lower case and the
// URLs to bare origins.
func (t *Tenant) validateDynamics(bad func(string, string, ...any)) {
	d := t.Host.Dynamics
	if t.Host.Kind != HostDynamics {
		if d != nil {
			bad("host.dynamics", "is only used with host.kind %q", HostDynamics)
		}
		return
	}
	if t.Host.Salesforce != nil {
		bad("host.salesforce", "is only used with host.kind %q", HostSalesforce)
	}
	if d == nil {
		bad("host.dynamics", "is required with host.kind %q: entraTenantId, clientId, clientSecrets and orgUrl", HostDynamics)
		return
	}
	for _, g := range []struct {
		field string
		value *string
		where string
	}{
		{"host.dynamics.entraTenantId", &d.EntraTenantID, "the directory (tenant) id of Entra ID"},
		{"host.dynamics.clientId", &d.ClientID, "the application (client) id of the app registration"},
	} {
		v := strings.ToLower(strings.TrimSpace(*g.value))
		if !guidPattern.MatchString(v) {
			bad(g.field, "must be %s, a GUID like 72f988bf-86f1-41af-91ab-2d7cd011db47", g.where)
			continue
		}
		*g.value = v
	}
	if o, err := dynamicsOrgURL(d.OrgURL); err != nil {
		bad("host.dynamics.orgUrl", "%v", err)
	} else {
		d.OrgURL = o
	}
	if d.Authority != "" {
		if o, err := entraAuthority(d.Authority); err != nil {
			bad("host.dynamics.authority", "%v", err)
		} else {
			d.Authority = o
		}
	}
	checkRotatingSecrets(bad, "host.dynamics.clientSecrets", d.ClientSecrets, MaxDynamicsClientSecrets,
		"the app registration's client secret value", "the client secret's value as shown once by Entra")
}
