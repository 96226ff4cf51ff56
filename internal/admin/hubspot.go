package admin

import (
	"fmt"

	"github.com/snapbridge/snapbridge/internal/tenant"
)

// StepHubSpot is the connection test step that checks a HubSpot
// account's card set-up offline.
const StepHubSpot = "hubspot card"

// HubSpotSpec is a HubSpot account as sent by an admin. ClientSecrets nil
// keeps the stored secrets; otherwise it lists the active secrets, where
// "" at position i keeps the stored secret i (so ["", "<new>"] adds a
// second secret while rotating, and ["<new>"] alone retires the others).
// ClientSecretsSet and Origins are the view's and ignored.
type HubSpotSpec struct {
	PortalID         string   `json:"portalId"`
	PublicURL        string   `json:"publicUrl,omitempty"`
	ClientSecrets    []string `json:"clientSecrets,omitempty"`
	ClientSecretsSet int      `json:"clientSecretsSet,omitempty"`
	Origins          []string `json:"origins,omitempty"`
}

// HubSpotView shows a HubSpot account: how many client secrets are
// active and the HubSpot hosts that may frame the widget.
type HubSpotView struct {
	PortalID         string   `json:"portalId"`
	PublicURL        string   `json:"publicUrl,omitempty"`
	ClientSecretsSet int      `json:"clientSecretsSet"`
	Origins          []string `json:"origins"`
}

// host builds the HubSpot settings the spec describes, secrets left
// empty taken from current's; nil for no spec.
func (h *HubSpotSpec) host(current *tenant.Tenant) *tenant.HubSpotHost {
	if h == nil {
		return nil
	}
	var stored []string
	if c := current.HubSpot(); c != nil {
		stored = c.ClientSecrets
	}
	return &tenant.HubSpotHost{PortalID: h.PortalID, PublicURL: h.PublicURL, ClientSecrets: secretSlots(h.ClientSecrets, stored)}
}

// hubSpotViewOf is the view of a HubSpot account; nil for none.
func hubSpotViewOf(hs *tenant.HubSpotHost) *HubSpotView {
	if hs == nil {
		return nil
	}
	return &HubSpotView{PortalID: hs.PortalID, PublicURL: hs.PublicURL, ClientSecretsSet: len(hs.ClientSecrets),
		Origins: hs.Origins()}
}

// hubSpotStep checks offline what can be checked of a HubSpot account's
// card set-up (HubSpot cannot be asked without the account's consent):
// the settings are consistent, and it says which URL the card must call
// and which URL the signature is checked against.
func hubSpotStep(tenantID, serverURL string, hs *tenant.HubSpotHost) ConnectionStep {
	if hs.PortalID == "" || len(hs.ClientSecrets) == 0 {
		return ConnectionStep{Name: StepHubSpot, Message: "host.hubspot is incomplete: set portalId and the HubSpot app's client secret"}
	}
	base := hs.PublicURL
	if base == "" {
		base = serverURL
	}
	if _, err := tenant.ValidHubSpotPublicURL(base); err != nil || base == "" {
		return ConnectionStep{Name: StepHubSpot, Message: "the URL HubSpot calls is not a valid https URL: set host.hubspot.publicUrl to the address HubSpot reaches snapbridge at"}
	}
	return ConnectionStep{Name: StepHubSpot, OK: true, Message: fmt.Sprintf(
		"hubspot.fetch requests of portal %s are accepted at %s/hubspot/%s/card (list that URL in the app's permittedUrls) with %d active client secret(s); signatures are checked against that URL (checked offline: HubSpot is not asked)",
		hs.PortalID, base, tenantID, len(hs.ClientSecrets))}
}
