package tenant

import (
	"fmt"
	"net/url"
	"strings"
)

// HostHubSpot adds HubSpot app cards: the portal's card (a UI extension)
// calls POST /hubspot/<tenant>/card with hubspot.fetch, signed with the
// app's client secret (X-HubSpot-Signature-v3).
const HostHubSpot = "hubspot"

// MaxHubSpotSecrets is how many HubSpot app client secrets may be active
// at once: two, so an admin can rotate the app's secret without downtime.
const MaxHubSpotSecrets = 2

// hubSpotOrigins are the HubSpot app hosts, one per data hosting
// location, whose pages show the card's iframe modal.
var hubSpotOrigins = []string{
	"https://app.hubspot.com", "https://app-eu1.hubspot.com", "https://app-na2.hubspot.com",
	"https://app-na3.hubspot.com", "https://app-ap1.hubspot.com",
}

// HubSpotHost is one HubSpot account (portal) whose app card opens the
// widget.
type HubSpotHost struct {
	// PortalID is the HubSpot account id (the Hub ID the account menu
	// shows), digits only. Required: requests of any other portal are
	// refused.
	PortalID string `yaml:"portalId" json:"portalId"`
	// ClientSecrets are the HubSpot app's client secrets accepted for
	// X-HubSpot-Signature-v3: one, or two while rotating. Required; never
	// sent to a browser or written to a log.
	ClientSecrets []string `yaml:"clientSecrets" json:"-"`
	// PublicURL is the base URL HubSpot calls snapbridge at, as written in
	// the card's hubspot.fetch and the app's permittedUrls (an https
	// origin, optionally with the path prefix a proxy serves snapbridge
	// under). The signed URI is rebuilt from it, never from the request's
	// Host or X-Forwarded-* headers. Default: the server's publicUrl.
	PublicURL string `yaml:"publicUrl" json:"publicUrl,omitempty"`
}

// HubSpot returns the tenant's HubSpot settings when its host kind is
// hubspot, and nil otherwise.
func (t *Tenant) HubSpot() *HubSpotHost {
	if t == nil || t.Host.Kind != HostHubSpot {
		return nil
	}
	return t.Host.HubSpot
}

// Origins returns the HubSpot app hosts whose pages open the card's
// iframe modal, one per data hosting location.
func (h *HubSpotHost) Origins() []string { return append([]string(nil), hubSpotOrigins...) }

// clone returns a deep copy of h.
func (h *HubSpotHost) clone() *HubSpotHost {
	if h == nil {
		return nil
	}
	c := *h
	c.ClientSecrets = append([]string(nil), h.ClientSecrets...)
	return &c
}

// validateHubSpot checks host.hubspot, rewriting publicUrl without its
// trailing slash.
func (t *Tenant) validateHubSpot(bad func(string, string, ...any)) {
	h := t.Host.HubSpot
	if h == nil {
		bad("host.hubspot", "is required with host.kind %q: portalId and clientSecrets", HostHubSpot)
		return
	}
	if h.PortalID == "" || len(h.PortalID) > 20 || strings.Trim(h.PortalID, "0123456789") != "" || strings.HasPrefix(h.PortalID, "0") {
		bad("host.hubspot.portalId", "must be the HubSpot account id (Hub ID), digits only")
	}
	if h.PublicURL != "" {
		if u, err := ValidHubSpotPublicURL(h.PublicURL); err != nil {
			bad("host.hubspot.publicUrl", "%v", err)
		} else {
			h.PublicURL = u
		}
	}
	checkRotatingSecrets(bad, "host.hubspot.clientSecrets", h.ClientSecrets, MaxHubSpotSecrets,
		"the HubSpot app's client secret", "the HubSpot app's client secret as shown")
}

// ValidHubSpotPublicURL checks a base URL HubSpot calls: https (http only
// for loopback), a host, optionally a path prefix, no query or fragment.
// It returns it without a trailing slash.
func ValidHubSpotPublicURL(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return "", fmt.Errorf("must be the https URL HubSpot calls snapbridge at, like https://snapbridge.example.com")
	}
	if _, err := ParseOrigin(u.Scheme + "://" + u.Host); err != nil {
		return "", err
	}
	return strings.TrimSuffix(s, "/"), nil
}
