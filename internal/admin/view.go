package admin

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/snapbridge/snapbridge/internal/tenant"
)

// Duration is a time.Duration written in JSON as Go duration text ("5m",
// "6h"); the admin API never shows nanosecond counts.
type Duration time.Duration

// MarshalJSON writes the duration as text, "0s" when unset.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads "90s", "15m", "6h" and the like.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf(`a duration is written as text like "15m" or "6h"`)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf(`%q is not a duration like "15m" or "6h"`, s)
	}
	*d = Duration(v)
	return nil
}

// TenantSpec is the body of tenant create (POST) and update (PUT). On
// update an empty clientSecret, an omitted context.keys, or a key whose
// secret is empty keep the stored values; every other field is replaced
// (zero values take their defaults). The *Set fields of a TenantView are
// accepted and ignored, so a GET answer can be edited and sent back.
type TenantSpec struct {
	ID                string         `json:"id"`
	Name              string         `json:"name"`
	LinkedIn          LinkedInSpec   `json:"linkedin"`
	CRM               tenant.CRM     `json:"crm"`
	AllowedOrigins    []string       `json:"allowedOrigins"`
	Context           ContextSpec    `json:"context"`
	Host              *HostSpec      `json:"host,omitempty"`
	Display           tenant.Display `json:"display"`
	Cache             CacheSpec      `json:"cache"`
	DailyLookupBudget int            `json:"dailyLookupBudget"`
	AccentColor       string         `json:"accentColor"`
	Theme             string         `json:"theme"`
}

// HostSpec is the host adapter as sent by an admin. A TenantSpec without
// one keeps the tenant's adapter on update (kind jwt on create).
type HostSpec struct {
	Kind       string          `json:"kind"`
	Salesforce *SalesforceSpec `json:"salesforce,omitempty"`
	HubSpot    *HubSpotSpec    `json:"hubspot,omitempty"`
	Dynamics   *DynamicsSpec   `json:"dynamics,omitempty"`
}

// SalesforceSpec is a Salesforce org as sent by an admin. ConsumerSecrets
// nil keeps the stored secrets; otherwise it lists the active secrets,
// where "" at position i keeps the stored secret i (so ["", "<new>"]
// adds a second secret while rotating, and ["<new>"] alone retires the
// others). ConsumerSecretsSet and Origins are the view's and ignored.
type SalesforceSpec struct {
	OrgID              string   `json:"orgId"`
	MyDomain           string   `json:"myDomain"`
	ConsumerSecrets    []string `json:"consumerSecrets,omitempty"`
	ConsumerSecretsSet int      `json:"consumerSecretsSet,omitempty"`
	Origins            []string `json:"origins,omitempty"`
}

// LinkedInSpec is the tenant's LinkedIn application as sent by an admin.
type LinkedInSpec struct {
	ClientID        string `json:"clientId"`
	ClientSecret    string `json:"clientSecret,omitempty"`
	ClientSecretSet bool   `json:"clientSecretSet,omitempty"`
}

// ContextSpec is the host-context policy as sent by an admin; Keys nil
// on update keeps the current keys.
type ContextSpec struct {
	Issuer      string    `json:"issuer"`
	Audience    string    `json:"audience"`
	MaxLifetime Duration  `json:"maxLifetime"`
	Keys        []KeySpec `json:"keys"`
}

// KeySpec is one context key as sent by an admin: Secret for HS256,
// PublicKey (PEM) for RS256 and EdDSA.
type KeySpec struct {
	ID        string `json:"id"`
	Alg       string `json:"alg"`
	Secret    string `json:"secret,omitempty"`
	PublicKey string `json:"publicKey,omitempty"`
	SecretSet bool   `json:"secretSet,omitempty"`
}

// CacheSpec sets association cache lifetimes.
type CacheSpec struct {
	Matched Duration `json:"matched"`
	NoMatch Duration `json:"noMatch"`
}

// key converts the spec to a tenant key.
func (k KeySpec) key() tenant.ContextKey {
	return tenant.ContextKey{ID: k.ID, Alg: k.Alg, Secret: k.Secret, PublicKey: k.PublicKey}
}

// tenant builds the tenant the spec describes. When current is not nil
// (update), secrets the spec leaves empty are taken from it.
func (s TenantSpec) tenant(current *tenant.Tenant) tenant.Tenant {
	t := tenant.Tenant{
		ID: s.ID, Name: s.Name,
		LinkedIn:       tenant.LinkedInApp{ClientID: s.LinkedIn.ClientID, ClientSecret: s.LinkedIn.ClientSecret},
		CRM:            s.CRM,
		AllowedOrigins: append([]string(nil), s.AllowedOrigins...),
		Context: tenant.ContextPolicy{Issuer: s.Context.Issuer, Audience: s.Context.Audience,
			MaxLifetime: time.Duration(s.Context.MaxLifetime)},
		Display:           s.Display,
		Cache:             tenant.CachePolicy{Matched: time.Duration(s.Cache.Matched), NoMatch: time.Duration(s.Cache.NoMatch)},
		DailyLookupBudget: s.DailyLookupBudget,
		AccentColor:       s.AccentColor,
		Theme:             s.Theme,
	}
	for _, k := range s.Context.Keys {
		t.Context.Keys = append(t.Context.Keys, k.key())
	}
	t.Host = s.Host.policy(current)
	if current == nil {
		return t
	}
	t.ID = current.ID
	if t.LinkedIn.ClientSecret == "" {
		t.LinkedIn.ClientSecret = current.LinkedIn.ClientSecret
	}
	if s.Context.Keys == nil {
		t.Context.Keys = append([]tenant.ContextKey(nil), current.Context.Keys...)
	}
	for i, k := range t.Context.Keys {
		if k.Secret != "" || k.Alg != "HS256" {
			continue
		}
		for _, old := range current.Context.Keys {
			if old.ID == k.ID && old.Alg == "HS256" {
				t.Context.Keys[i].Secret = old.Secret
			}
		}
	}
	return t
}

// policy builds the host policy the spec describes: nil keeps current's
// (none on create), and secrets left empty are taken from current.
func (h *HostSpec) policy(current *tenant.Tenant) tenant.HostPolicy {
	if h == nil {
		if current == nil {
			return tenant.HostPolicy{}
		}
		return current.Clone().Host
	}
	p := tenant.HostPolicy{Kind: h.Kind, HubSpot: h.HubSpot.host(current), Dynamics: h.Dynamics.host(current)}
	if h.Salesforce == nil {
		return p
	}
	var stored []string
	if c := current.Salesforce(); c != nil {
		stored = c.ConsumerSecrets
	}
	p.Salesforce = &tenant.SalesforceHost{OrgID: h.Salesforce.OrgID, MyDomain: h.Salesforce.MyDomain,
		ConsumerSecrets: secretSlots(h.Salesforce.ConsumerSecrets, stored)}
	return p
}

// secretSlots is the secrets an admin's spec keeps for a CRM adapter: sent
// is what the console sent, slot by slot, stored what the tenant has. An
// omitted list keeps every stored secret; "" in slot i keeps stored secret
// i (the console never shows a secret, so it cannot send it back); any
// other value replaces that slot, and a shorter list drops the rest.
func secretSlots(sent, stored []string) []string {
	if sent == nil {
		return append([]string(nil), stored...)
	}
	var out []string
	for i, s := range sent {
		switch {
		case s != "":
			out = append(out, s)
		case i < len(stored):
			out = append(out, stored[i])
		}
	}
	return out
}

// TenantView is a tenant as the admin API shows it: every setting, and
// for each secret only whether it is set.
type TenantView struct {
	ID                string         `json:"id"`
	Name              string         `json:"name"`
	LinkedIn          LinkedInView   `json:"linkedin"`
	CRM               tenant.CRM     `json:"crm"`
	AllowedOrigins    []string       `json:"allowedOrigins"`
	Context           ContextView    `json:"context"`
	Host              HostView       `json:"host"`
	Display           tenant.Display `json:"display"`
	Cache             CacheSpec      `json:"cache"`
	DailyLookupBudget int            `json:"dailyLookupBudget"`
	AccentColor       string         `json:"accentColor"`
	Theme             string         `json:"theme"`
}

// LinkedInView shows the LinkedIn application without its secret.
type LinkedInView struct {
	ClientID        string `json:"clientId"`
	ClientSecretSet bool   `json:"clientSecretSet"`
}

// ContextView shows the context policy; keys show no secret.
type ContextView struct {
	Issuer      string    `json:"issuer"`
	Audience    string    `json:"audience"`
	MaxLifetime Duration  `json:"maxLifetime"`
	Keys        []KeyView `json:"keys"`
}

// HostView shows the host adapter; Salesforce secrets are only counted.
type HostView struct {
	Kind       string          `json:"kind"`
	Salesforce *SalesforceView `json:"salesforce,omitempty"`
	HubSpot    *HubSpotView    `json:"hubspot,omitempty"`
	Dynamics   *DynamicsView   `json:"dynamics,omitempty"`
}

// SalesforceView shows a Salesforce org: how many consumer secrets are
// active and the origins derived from its My Domain.
type SalesforceView struct {
	OrgID              string   `json:"orgId"`
	MyDomain           string   `json:"myDomain"`
	ConsumerSecretsSet int      `json:"consumerSecretsSet"`
	Origins            []string `json:"origins"`
}

// KeyView is one context key without its secret.
type KeyView struct {
	ID        string `json:"id"`
	Alg       string `json:"alg"`
	PublicKey string `json:"publicKey,omitempty"`
	SecretSet bool   `json:"secretSet"`
}

// ViewOf returns the admin API's view of t.
func ViewOf(t *tenant.Tenant) TenantView {
	v := TenantView{
		ID: t.ID, Name: t.Name,
		LinkedIn:       LinkedInView{ClientID: t.LinkedIn.ClientID, ClientSecretSet: t.LinkedIn.ClientSecret != ""},
		CRM:            t.CRM,
		AllowedOrigins: append([]string{}, t.AllowedOrigins...),
		Context: ContextView{Issuer: t.Context.Issuer, Audience: t.Context.Audience,
			MaxLifetime: Duration(t.Context.MaxLifetime), Keys: []KeyView{}},
		Display:           t.Display,
		Cache:             CacheSpec{Matched: Duration(t.Cache.Matched), NoMatch: Duration(t.Cache.NoMatch)},
		DailyLookupBudget: t.DailyLookupBudget,
		AccentColor:       t.AccentColor,
		Theme:             t.Theme,
	}
	v.Host = HostView{Kind: t.Host.Kind}
	if sf := t.Host.Salesforce; sf != nil {
		v.Host.Salesforce = &SalesforceView{OrgID: sf.OrgID, MyDomain: sf.MyDomain,
			ConsumerSecretsSet: len(sf.ConsumerSecrets), Origins: append([]string{}, sf.Origins()...)}
	}
	v.Host.HubSpot = hubSpotViewOf(t.Host.HubSpot)
	v.Host.Dynamics = dynamicsView(t.Host.Dynamics)
	for _, k := range t.Context.Keys {
		v.Context.Keys = append(v.Context.Keys, KeyView{ID: k.ID, Alg: k.Alg, PublicKey: k.PublicKey, SecretSet: k.Secret != ""})
	}
	return v
}
