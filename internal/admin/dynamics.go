package admin

import (
	"fmt"
	"strings"

	"github.com/snapbridge/snapbridge/internal/tenant"
)

// DynamicsSpec is a Dynamics 365 organisation as sent by an admin.
// ClientSecrets nil keeps the stored secrets; otherwise it lists the
// active secrets, where "" at position i keeps the stored secret i (so
// ["", "<new>"] adds a second secret while rotating, and ["<new>"] alone
// retires the others). ClientSecretsSet and Origins are the view's and
// ignored.
type DynamicsSpec struct {
	EntraTenantID    string   `json:"entraTenantId"`
	ClientID         string   `json:"clientId"`
	ClientSecrets    []string `json:"clientSecrets,omitempty"`
	ClientSecretsSet int      `json:"clientSecretsSet,omitempty"`
	OrgURL           string   `json:"orgUrl"`
	Authority        string   `json:"authority,omitempty"`
	Origins          []string `json:"origins,omitempty"`
}

// DynamicsView shows a Dynamics 365 organisation: how many client secrets
// are active and the origin derived from its URL.
type DynamicsView struct {
	EntraTenantID    string   `json:"entraTenantId"`
	ClientID         string   `json:"clientId"`
	ClientSecretsSet int      `json:"clientSecretsSet"`
	OrgURL           string   `json:"orgUrl"`
	Authority        string   `json:"authority"`
	Origins          []string `json:"origins"`
}

// host builds the settings the spec describes, secrets left empty taken
// from current's; nil for no spec.
func (d *DynamicsSpec) host(current *tenant.Tenant) *tenant.DynamicsHost {
	if d == nil {
		return nil
	}
	var stored []string
	if c := current.Dynamics(); c != nil {
		stored = c.ClientSecrets
	}
	return &tenant.DynamicsHost{EntraTenantID: d.EntraTenantID, ClientID: d.ClientID, OrgURL: d.OrgURL, Authority: d.Authority,
		ClientSecrets: secretSlots(d.ClientSecrets, stored)}
}

// dynamicsView is the admin API's view of d; nil for none.
func dynamicsView(d *tenant.DynamicsHost) *DynamicsView {
	if d == nil {
		return nil
	}
	return &DynamicsView{EntraTenantID: d.EntraTenantID, ClientID: d.ClientID, ClientSecretsSet: len(d.ClientSecrets),
		OrgURL: d.OrgURL, Authority: d.AuthorityURL(), Origins: append([]string{}, d.Origins()...)}
}

// dynamicsSecrets are a tenant's Entra client secrets, if any.
func dynamicsSecrets(t *tenant.Tenant) []string {
	if d := t.Host.Dynamics; d != nil {
		return d.ClientSecrets
	}
	return nil
}

// dynamicsStep checks offline what can be checked of a Dynamics 365
// set-up (Entra ID and Dataverse cannot be asked without a seller's
// sign-in): the settings are consistent, and it says what the app
// registration and the form's IFRAME control must use.
func dynamicsStep(tenantID string, d *tenant.DynamicsHost) ConnectionStep {
	origins := d.Origins()
	if len(origins) == 0 || len(d.ClientSecrets) == 0 || d.EntraTenantID == "" || d.ClientID == "" {
		return ConnectionStep{Name: StepDynamics, Message: "host.dynamics is incomplete: set entraTenantId, clientId, the client secret and orgUrl"}
	}
	return ConnectionStep{Name: StepDynamics, OK: true, Message: fmt.Sprintf(
		"sellers of Entra tenant %s sign in with application %s (%d active client secret(s)) at %s; the app registration's redirect URI must be /w/%s/dynamics/callback on this server; "+
			"the IFRAME control opens /w/%s/dynamics and pages of %s may frame the widget (checked offline: Entra ID and Dataverse are not asked)",
		d.EntraTenantID, d.ClientID, len(d.ClientSecrets), d.AuthorityURL(), tenantID, tenantID, strings.Join(origins, ", "))}
}
