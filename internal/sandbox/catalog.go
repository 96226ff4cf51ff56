package sandbox

import (
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/snapbridge/snapbridge/internal/tenant"
)

// catalog is what the stand-in knows about applications and members. A
// published catalog is never changed: RegisterApp builds a new one, so
// handlers read it without the lock.
type catalog struct {
	apps    map[string]*App
	members map[string]person // every member: sellers and matched people
}

// cat returns the current catalog.
func (s *Sandbox) cat() *catalog { return s.catalog.Load() }

// newCatalog indexes the apps and the members: the sellers, then every
// matched record's member.
func newCatalog(sellers []Member, apps map[string]*App) *catalog {
	c := &catalog{apps: apps, members: map[string]person{}}
	for _, m := range sellers {
		first, last, _ := strings.Cut(m.Name, " ")
		c.members[m.ID] = person{Member: m, FirstName: first, LastName: last, Photo: true}
	}
	ids := make([]string, 0, len(apps))
	for id := range apps {
		ids = append(ids, id)
	}
	sort.Strings(ids) // first record wins for a shared member, on every run
	for _, id := range ids {
		for _, in := range apps[id].Instances {
			for _, rec := range in.Records {
				if rec.Outcome != OutcomeMatched && rec.Outcome != OutcomeNoPhoto {
					continue
				}
				if _, known := c.members[rec.MemberID]; known {
					continue
				}
				c.members[rec.MemberID] = person{
					Member: Member{
						ID:       rec.MemberID,
						Name:     strings.TrimSpace(rec.FirstName + " " + rec.LastName),
						Headline: headline(rec.Title, rec.Company),
					},
					FirstName: rec.FirstName, LastName: rec.LastName,
					Photo: rec.Outcome == OutcomeMatched,
				}
			}
		}
	}
	return c
}

// Apps returns a copy of every registered application, sorted by client id.
func (s *Sandbox) Apps() []App {
	c := s.cat()
	out := make([]App, 0, len(c.apps))
	for _, a := range c.apps {
		out = append(out, a.clone())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ClientID < out[j].ClientID })
	return out
}

// RegisterApp registers an application while the stand-in runs, or
// updates the one with the same client id: the name, secret and scopes
// given replace the old ones, redirect URIs are added, and CRM instances
// are added unless one with the same partner and instance id is known (its
// records are kept, so re-registering never reshuffles look-ups). With a
// state file the registration survives a restart.
func (s *Sandbox) RegisterApp(a App) error {
	if err := checkApp(a); err != nil {
		return err
	}
	s.mu.Lock()
	changed := s.registerLocked(a)
	s.mu.Unlock()
	if changed {
		s.persist()
	}
	return nil
}

// registerLocked merges a into the catalog and remembers it for the state
// file; it reports whether anything changed. s.mu must be held.
func (s *Sandbox) registerLocked(a App) bool {
	cur := s.cat()
	merged := a.clone()
	if old, known := cur.apps[a.ClientID]; known {
		merged = mergeApp(*old, a)
		if reflect.DeepEqual(merged, *old) {
			return false
		}
	}
	apps := make(map[string]*App, len(cur.apps)+1)
	for id, app := range cur.apps {
		apps[id] = app
	}
	apps[a.ClientID] = &merged
	s.catalog.Store(newCatalog(s.cfg.Members, apps))
	s.registered[a.ClientID] = merged.clone()
	return true
}

// mergeApp applies a registration to a known app.
func mergeApp(old, a App) App {
	m := old.clone()
	if a.Name != "" {
		m.Name = a.Name
	}
	m.ClientSecret = a.ClientSecret
	if len(a.Scopes) > 0 {
		m.Scopes = slices.Clone(a.Scopes)
	}
	for _, uri := range a.RedirectURIs {
		if !slices.Contains(m.RedirectURIs, uri) {
			m.RedirectURIs = append(m.RedirectURIs, uri)
		}
	}
	for _, in := range a.Instances {
		if m.instance(in.Partner, in.InstanceID) == nil {
			m.Instances = append(m.Instances, in)
		}
	}
	return m.clone()
}

// checkApp refuses a registration the stand-in could not serve.
func checkApp(a App) error {
	switch {
	case a.ClientID == "" || a.ClientSecret == "":
		return errors.New("clientId and clientSecret are required")
	case strings.HasPrefix(a.ClientID, "sandbox-"):
		// Every issued token starts with "sandbox-"; leak searches must
		// not find client ids.
		return errors.New(`clientId must not start with "sandbox-"`)
	case len(a.RedirectURIs) == 0:
		return errors.New("at least one redirectUri is required")
	}
	for _, uri := range a.RedirectURIs {
		if u, err := url.Parse(uri); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("redirectUri %q is not an absolute http(s) URL", uri)
		}
	}
	for _, sc := range a.Scopes {
		if !slices.Contains(AllScopes(), sc) {
			return fmt.Errorf("scope %q is not one the stand-in knows", sc)
		}
	}
	for _, in := range a.Instances {
		if in.Partner == "" || in.InstanceID == "" {
			return errors.New("every instance needs a partner and an instanceId")
		}
	}
	return nil
}

// TenantRecords are the CRM records the stand-in generates for a tenant's
// CRM instance: the demo seed's people (matched, matched without a public
// photo, and unmatched) under record ids derived from the instance id.
func TenantRecords(instanceID string) []Record {
	return demoRecords(instanceID, demoPeople())
}

// AppForTenant is the LinkedIn application a snapbridge tenant needs in
// the stand-in: its client id and secret, redirectURI (snapbridge's OAuth
// callback), every scope, and a CRM instance for its crm.instanceId with
// CRM Sync on and TenantRecords, labelled with the tenant id.
func AppForTenant(t *tenant.Tenant, redirectURI string) App {
	return App{
		Name: t.Name, ClientID: t.LinkedIn.ClientID, ClientSecret: t.LinkedIn.ClientSecret,
		RedirectURIs: []string{redirectURI},
		Instances: []Instance{{Tenant: t.ID, Partner: t.CRM.Partner, InstanceID: t.CRM.InstanceID,
			SyncEnabled: true, Records: TenantRecords(t.CRM.InstanceID)}},
	}
}
