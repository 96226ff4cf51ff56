package admin

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/snapbridge/snapbridge/internal/tenant"
)

// errUnchanged stops the store write of a change that leaves every
// setting as it was; edit answers the current tenant instead.
var errUnchanged = errors.New("admin: the change leaves every setting as it was")

// maxAuditValue bounds how much of one setting's value the audit log
// repeats; longer values end in "…".
const maxAuditValue = 120

// changes says what differs between two versions of a tenant, for the
// audit log: "name: “Acme” → “Acme Corp”; dailyLookupBudget: 5000 → 6000".
// Settings are compared as the admin API shows them (TenantView), so a
// setting added to the view is audited without more code. A secret is
// never shown: a changed one reads "linkedin.clientSecret: changed".
// Context keys are named by id. It answers "" when nothing differs.
func changes(a, b *tenant.Tenant) string {
	var out []string
	diffView("", reflect.ValueOf(ViewOf(a)), reflect.ValueOf(ViewOf(b)), &out)
	if a.LinkedIn.ClientSecret != b.LinkedIn.ClientSecret {
		out = append(out, "linkedin.clientSecret: changed")
	}
	if sa, sb := consumerSecrets(a), consumerSecrets(b); !slices.Equal(sa, sb) {
		out = append(out, fmt.Sprintf("host.salesforce.consumerSecrets: changed (%d active)", len(sb)))
	}
	if ha, hb := hubSpotSecrets(a), hubSpotSecrets(b); !slices.Equal(ha, hb) {
		out = append(out, fmt.Sprintf("host.hubspot.clientSecrets: changed (%d active)", len(hb)))
	}
	if da, db := dynamicsSecrets(a), dynamicsSecrets(b); !slices.Equal(da, db) {
		out = append(out, fmt.Sprintf("host.dynamics.clientSecrets: changed (%d active)", len(db)))
	}
	out = append(out, keyChanges(a.Context.Keys, b.Context.Keys)...)
	return strings.Join(out, "; ")
}

// consumerSecrets are a tenant's Salesforce Canvas consumer secrets, if any.
func consumerSecrets(t *tenant.Tenant) []string {
	if sf := t.Salesforce(); sf != nil {
		return sf.ConsumerSecrets
	}
	return nil
}

// hubSpotSecrets are a tenant's HubSpot app client secrets, if any.
func hubSpotSecrets(t *tenant.Tenant) []string {
	if hs := t.HubSpot(); hs != nil {
		return hs.ClientSecrets
	}
	return nil
}

// sameSettings reports whether two versions of a tenant hold the same
// settings and secrets, whatever their revisions.
func sameSettings(a, b *tenant.Tenant) bool {
	x, y := a.Clone(), b.Clone()
	x.Revision, y.Revision = 0, 0
	return reflect.DeepEqual(x, y)
}

// diffView appends "path: old → new" for every leaf of two values of the
// same view type that differs. Fields whose name ends in "Set" (whether a
// secret is set) and context.keys are left to changes.
func diffView(path string, a, b reflect.Value, out *[]string) {
	if a.Kind() == reflect.Struct && a.Type() != reflect.TypeOf(Duration(0)) {
		for i := range a.NumField() {
			f := a.Type().Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() || name == "-" || strings.HasSuffix(name, "Set") {
				continue
			}
			if name == "" {
				name = f.Name
			}
			p := name
			if path != "" {
				p = path + "." + name
			}
			if p == "context.keys" {
				continue
			}
			diffView(p, a.Field(i), b.Field(i), out)
		}
		return
	}
	if reflect.DeepEqual(a.Interface(), b.Interface()) {
		return
	}
	*out = append(*out, fmt.Sprintf("%s: %s → %s", path, auditValue(a), auditValue(b)))
}

// auditValue writes one setting's value for a person: text quoted, an
// unset optional value as "default", a list comma-separated.
func auditValue(v reflect.Value) string {
	var s string
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return "default"
		}
		return auditValue(v.Elem())
	case reflect.Slice:
		if v.Len() == 0 {
			return "none"
		}
		parts := make([]string, v.Len())
		for i := range parts {
			parts[i] = fmt.Sprint(v.Index(i).Interface())
		}
		s = strings.Join(parts, ", ")
	case reflect.String:
		if v.Len() == 0 {
			return "empty"
		}
		s = "“" + v.String() + "”"
	default:
		if d, ok := v.Interface().(Duration); ok {
			s = time.Duration(d).String()
		} else {
			s = fmt.Sprint(v.Interface())
		}
	}
	if r := []rune(s); len(r) > maxAuditValue {
		s = string(r[:maxAuditValue-1]) + "…"
	}
	return s
}

// keyChanges names the context keys added and removed, and those whose
// algorithm or key material changed, without showing any key.
func keyChanges(a, b []tenant.ContextKey) []string {
	var out []string
	find := func(keys []tenant.ContextKey, id string) (tenant.ContextKey, bool) {
		i := slices.IndexFunc(keys, func(k tenant.ContextKey) bool { return k.ID == id })
		if i < 0 {
			return tenant.ContextKey{}, false
		}
		return keys[i], true
	}
	for _, k := range b {
		old, ok := find(a, k.ID)
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("context key %s (%s): added", k.ID, k.Alg))
		case old.Alg != k.Alg:
			out = append(out, fmt.Sprintf("context key %s: %s → %s, key changed", k.ID, old.Alg, k.Alg))
		case old.Secret != k.Secret || old.PublicKey != k.PublicKey:
			out = append(out, fmt.Sprintf("context key %s: key changed", k.ID))
		}
	}
	for _, k := range a {
		if _, ok := find(b, k.ID); !ok {
			out = append(out, fmt.Sprintf("context key %s (%s): removed", k.ID, k.Alg))
		}
	}
	return out
}
