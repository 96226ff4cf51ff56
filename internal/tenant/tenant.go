// Package tenant describes one CRM customer of snapbridge: its LinkedIn
// application, how its CRM maps onto LinkedIn's CRM Sync identifiers, which
// origins may embed the widget, which keys sign its host contexts, and how
// the Display Services iframe and caches behave for it.
package tenant

import (
	"time"
)

// Tenant is the configuration of one CRM customer. Zero values are replaced
// by the defaults documented on each field by ApplyDefaults.
type Tenant struct {
	// ID names the tenant in URLs (/w/<id>/card). Lower-case letters,
	// digits and '-' only.
	ID string `yaml:"id" json:"id"`
	// Name is shown to admins. Default: the ID.
	Name string `yaml:"name" json:"name"`
	// LinkedIn is the tenant's own LinkedIn developer application.
	LinkedIn LinkedInApp `yaml:"linkedin" json:"linkedin"`
	// CRM maps the tenant's CRM onto LinkedIn's CRM Sync identifiers.
	CRM CRM `yaml:"crm" json:"crm"`
	// AllowedOrigins are the exact origins (scheme://host[:port]) whose
	// pages may frame the widget and receive its messages. At least one.
	AllowedOrigins []string `yaml:"allowedOrigins" json:"allowedOrigins"`
	// Context says how host contexts signed by the CRM are verified.
	Context ContextPolicy `yaml:"context" json:"context"`
	// Host names the CRM-native host adapter that may open the widget
	// besides the signed host context. Default: kind jwt (none).
	Host HostPolicy `yaml:"host" json:"host"`
	// Display configures the Sales Navigator Display Services iframe.
	Display Display `yaml:"display" json:"display"`
	// Cache sets how long profile associations are remembered.
	Cache CachePolicy `yaml:"cache" json:"cache"`
	// DailyLookupBudget caps unique upstream association look-ups per UTC
	// day. Default: 5000.
	DailyLookupBudget int `yaml:"dailyLookupBudget" json:"dailyLookupBudget"`
	// AccentColor is the widget's accent colour as #rrggbb. Default: #0a66c2.
	AccentColor string `yaml:"accentColor" json:"accentColor"`
	// Theme is the widget's colour scheme: ThemeLight, ThemeDark, or
	// ThemeHost to follow the page that embeds it (embed.js tells the
	// widget; light when the host says nothing). Default: ThemeHost.
	Theme string `yaml:"theme" json:"theme"`
	// Revision is the revision of the stored tenant this one was read
	// from or saved as (store.TenantRow.Revision); 0 for a tenant not
	// stored. Admins' saves are conditional on it. Never configured.
	Revision int64 `yaml:"-" json:"-"`
}

// LinkedInApp is a LinkedIn developer application's credentials.
type LinkedInApp struct {
	// ClientID is the application's client id; it is also the Display
	// Services `apiKey`. Required.
	ClientID string `yaml:"clientId" json:"clientId"`
	// ClientSecret is the application's client secret. Required; never
	// sent to a browser or written to a log.
	ClientSecret string `yaml:"clientSecret" json:"-"`
}

// CRM maps a CRM installation onto LinkedIn's identifiers.
type CRM struct {
	// Partner is the Profile Associations `partner` key part, e.g. "MS"
	// for Dynamics 365 or "SFDC" for Salesforce. Required.
	Partner string `yaml:"partner" json:"partner"`
	// InstanceID is the Profile Associations `instanceId`, e.g. the
	// Dynamics org host. Required.
	InstanceID string `yaml:"instanceId" json:"instanceId"`
	// OrgID is the Display Services `crmOrgId`. Default: InstanceID.
	OrgID string `yaml:"orgId" json:"orgId"`
	// SourceType is the Display Services `crmSourceType`, assigned by
	// LinkedIn per partner. Required.
	SourceType string `yaml:"sourceType" json:"sourceType"`
	// Type is the Display Services `crmType` and the CRM kind in
	// `urn:li:crmInstance:(<Type>,<id>)`: "DYNAMICS" or "SFDC" and the like.
	// Required.
	Type string `yaml:"type" json:"type"`
}

// ContextPolicy says how the tenant's host context tokens are verified.
type ContextPolicy struct {
	// Issuer is the exact `iss` claim; it identifies the tenant and must
	// be unique across tenants. Required.
	Issuer string `yaml:"issuer" json:"issuer"`
	// Audience is the exact `aud` claim expected. Default: "snapbridge".
	Audience string `yaml:"audience" json:"audience"`
	// MaxLifetime bounds exp-iat. Default and upper bound: 10 minutes.
	MaxLifetime time.Duration `yaml:"maxLifetime" json:"maxLifetime"`
	// Keys are the keys currently accepted; two may be active at once so a
	// CRM can rotate without downtime. At least one.
	Keys []ContextKey `yaml:"keys" json:"keys"`
}

// ContextKey is one key accepted for host context signatures.
type ContextKey struct {
	// ID matches the token's `kid` header. Required, unique per tenant.
	ID string `yaml:"id" json:"id"`
	// Alg is the only algorithm this key verifies: HS256, RS256 or EdDSA.
	Alg string `yaml:"alg" json:"alg"`
	// Secret is the shared HS256 secret (at least 32 bytes). HS256 only.
	Secret string `yaml:"secret" json:"-"`
	// PublicKey is a PEM-encoded RSA (RS256) or Ed25519 (EdDSA) public key.
	PublicKey string `yaml:"publicKey" json:"publicKey,omitempty"`
}

// Display configures the Display Services iframe (PRODUCT.md §3).
type Display struct {
	// Modules is the `modules` parameter. Default: "TopCard2,RelatedLeads".
	Modules string `yaml:"modules" json:"modules"`
	// Version is the `version` parameter. Default: "2.1".
	Version string `yaml:"version" json:"version"`
	// InlineMode is the `isInlineMode` parameter. Default: true (set
	// `inlineMode: false` explicitly to turn it off).
	InlineMode *bool `yaml:"inlineMode" json:"inlineMode"`
	// Width and Height size the iframe in CSS pixels. Default: 300×336.
	Width  int `yaml:"width" json:"width"`
	Height int `yaml:"height" json:"height"`
}

// Inline reports whether the iframe runs in inline mode (default true).
func (d Display) Inline() bool { return d.InlineMode == nil || *d.InlineMode }

// CachePolicy sets association cache lifetimes.
type CachePolicy struct {
	// Matched is how long a match is reused. Default: 6h.
	Matched time.Duration `yaml:"matched" json:"matched"`
	// NoMatch is how long "no match" is reused. Default: 15m.
	NoMatch time.Duration `yaml:"noMatch" json:"noMatch"`
}

// Defaults used by ApplyDefaults.
const (
	DefaultAudience          = "snapbridge"
	DefaultMaxLifetime       = 10 * time.Minute
	DefaultModules           = "TopCard2,RelatedLeads"
	DefaultDisplayVersion    = "2.1"
	DefaultWidth             = 300
	DefaultHeight            = 336
	DefaultMatchedTTL        = 6 * time.Hour
	DefaultNoMatchTTL        = 15 * time.Minute
	DefaultDailyLookupBudget = 5000
	DefaultAccentColor       = "#0a66c2"
	DefaultTheme             = ThemeHost
)

// Widget themes (Tenant.Theme).
const (
	ThemeLight = "light"
	ThemeDark  = "dark"
	ThemeHost  = "host"
)

// ApplyDefaults fills every unset optional field with its default.
func (t *Tenant) ApplyDefaults() {
	if t.Name == "" {
		t.Name = t.ID
	}
	if t.CRM.OrgID == "" {
		t.CRM.OrgID = t.CRM.InstanceID
	}
	if t.Host.Kind == "" {
		t.Host.Kind = HostJWT
	}
	if t.Context.Audience == "" {
		t.Context.Audience = DefaultAudience
	}
	if t.Context.MaxLifetime == 0 {
		t.Context.MaxLifetime = DefaultMaxLifetime
	}
	if t.Display.Modules == "" {
		t.Display.Modules = DefaultModules
	}
	if t.Display.Version == "" {
		t.Display.Version = DefaultDisplayVersion
	}
	if t.Display.Width == 0 {
		t.Display.Width = DefaultWidth
	}
	if t.Display.Height == 0 {
		t.Display.Height = DefaultHeight
	}
	if t.Cache.Matched == 0 {
		t.Cache.Matched = DefaultMatchedTTL
	}
	if t.Cache.NoMatch == 0 {
		t.Cache.NoMatch = DefaultNoMatchTTL
	}
	if t.DailyLookupBudget == 0 {
		t.DailyLookupBudget = DefaultDailyLookupBudget
	}
	if t.AccentColor == "" {
		t.AccentColor = DefaultAccentColor
	}
	if t.Theme == "" {
		t.Theme = DefaultTheme
	}
}

// Clone returns a deep copy of t: changing the copy's slices or pointers
// never reaches t, so a registry snapshot stays immutable.
func (t Tenant) Clone() Tenant {
	c := t
	c.AllowedOrigins = append([]string(nil), t.AllowedOrigins...)
	c.Context.Keys = append([]ContextKey(nil), t.Context.Keys...)
	if t.Host.Salesforce != nil {
		sf := *t.Host.Salesforce
		sf.ConsumerSecrets = append([]string(nil), sf.ConsumerSecrets...)
		c.Host.Salesforce = &sf
	}
	c.Host.HubSpot = t.Host.HubSpot.clone()
	c.Host.Dynamics = t.Host.Dynamics.clone()
	if t.Display.InlineMode != nil {
		v := *t.Display.InlineMode
		c.Display.InlineMode = &v
	}
	return c
}
