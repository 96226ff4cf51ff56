package sandbox

import (
	"crypto/sha256"
	"slices"
	"strings"
)

// Scopes the stand-in knows; an App without Scopes is granted all of them.
const (
	ScopeDisplay    = "r_sales_nav_display"
	ScopeProfiles   = "r_sales_nav_profiles"
	ScopeAnalytics  = "r_sales_nav_analytics"
	ScopeValidation = "r_sales_nav_validation"
	ScopeCompliance = "r_compliance_sales_nav"
	// ScopeOpenID and ScopeProfile are Sign In with LinkedIn using OpenID
	// Connect: /v2/userinfo, with the member's name and photo.
	ScopeOpenID  = "openid"
	ScopeProfile = "profile"
)

// AllScopes is every scope the stand-in grants by default.
func AllScopes() []string {
	return []string{ScopeDisplay, ScopeProfiles, ScopeAnalytics, ScopeValidation, ScopeCompliance, ScopeOpenID, ScopeProfile}
}

// Record outcomes: what Profile Associations answers for a record.
const (
	OutcomeMatched         = "matched"           // 200 with profilePhoto
	OutcomeNoPhoto         = "no_photo"          // 200 without profilePhoto
	OutcomeNoMatch         = "no_match"          // 404 Match unavailable
	OutcomeCRMSyncDisabled = "crm_sync_disabled" // 400 / 40001
	// OutcomeCRMSyncUnknown is only reported by /_sandbox/records for
	// records of an Instance with SyncUnknown (400 / 40002).
	OutcomeCRMSyncUnknown = "crm_sync_unknown"
)

// App is a registered LinkedIn developer application.
type App struct {
	// Name is shown on the consent page. Default: ClientID.
	Name string
	// ClientID identifies the app; it is also the Display Services apiKey.
	ClientID string
	// ClientSecret authenticates the app at the token endpoint.
	ClientSecret string
	// RedirectURIs are the exact redirect URIs the consent flow accepts.
	RedirectURIs []string
	// Scopes are the permissions LinkedIn granted the app. Default:
	// AllScopes().
	Scopes []string
	// Instances are the CRM instances whose records CRM Sync ingested for
	// this app's customer.
	Instances []Instance
}

// Instance is one CRM installation known to CRM Sync.
type Instance struct {
	// Tenant labels the instance with the snapbridge tenant id it serves
	// in demos, for GET /_sandbox/records?tenant=…. Optional.
	Tenant string
	// Partner is the Profile Associations partner, e.g. "MS".
	Partner string
	// InstanceID is the Profile Associations instanceId, e.g. the
	// Dynamics org host.
	InstanceID string
	// SyncEnabled says CRM Sync runs for the instance; false answers 400 /
	// 40001 for every record.
	SyncEnabled bool
	// SyncUnknown makes every record answer 400 / 40002.
	SyncUnknown bool
	// Records are the CRM records CRM Sync ingested.
	Records []Record
}

// Record is one CRM record and what matching found for it.
type Record struct {
	ID        string
	Type      string // contact, lead or account
	FirstName string
	LastName  string
	Email     string
	Company   string
	Title     string
	// Outcome is matched, no_photo, no_match or crm_sync_disabled.
	// Default: matched; an unknown value is treated as no_match.
	Outcome string
	// MemberID is the matched member's id. Default: derived from the
	// record's key, so every match has a stable member.
	MemberID string
}

func (a App) clone() App {
	a.RedirectURIs = slices.Clone(a.RedirectURIs)
	a.Scopes = slices.Clone(a.Scopes)
	if len(a.Scopes) == 0 {
		a.Scopes = AllScopes()
	}
	if a.Name == "" {
		a.Name = a.ClientID
	}
	a.Instances = slices.Clone(a.Instances)
	for i := range a.Instances {
		a.Instances[i].Records = slices.Clone(a.Instances[i].Records)
		for j := range a.Instances[i].Records {
			rec := &a.Instances[i].Records[j]
			if rec.Outcome == "" {
				rec.Outcome = OutcomeMatched
			}
			if rec.MemberID == "" {
				rec.MemberID = derivedMemberID(a.Instances[i].Partner, a.Instances[i].InstanceID, rec.ID)
			}
		}
	}
	return a
}

func (a *App) hasScope(scope string) bool { return slices.Contains(a.Scopes, scope) }

func (a *App) allowsRedirect(uri string) bool { return slices.Contains(a.RedirectURIs, uri) }

// instance finds the CRM instance for a Profile Associations key.
func (a *App) instance(partner, instanceID string) *Instance {
	for i := range a.Instances {
		in := &a.Instances[i]
		if in.Partner == partner && in.InstanceID == instanceID {
			return in
		}
	}
	return nil
}

func (in *Instance) record(id string) *Record {
	for i := range in.Records {
		if in.Records[i].ID == id {
			return &in.Records[i]
		}
	}
	return nil
}

// expected is the outcome a Profile Associations call gives for rec, once
// the instance's CRM Sync state is taken into account.
func (in *Instance) expected(rec *Record) string {
	switch {
	case in.SyncUnknown:
		return OutcomeCRMSyncUnknown
	case !in.SyncEnabled:
		return OutcomeCRMSyncDisabled
	}
	switch rec.Outcome {
	case OutcomeMatched, OutcomeNoPhoto, OutcomeCRMSyncDisabled:
		return rec.Outcome
	default:
		return OutcomeNoMatch
	}
}

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// derivedMemberID makes a LinkedIn-looking member id (10 characters of
// [0-9A-Za-z]) that is the same for the same record on every run.
func derivedMemberID(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	var b [10]byte
	for i := range b {
		b[i] = base62[int(sum[i])%len(base62)]
	}
	return string(b[:])
}
