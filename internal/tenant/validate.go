package tenant

import (
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// FieldError says which field of which tenant is wrong, so an operator can
// fix the configuration without guessing.
type FieldError struct {
	// Tenant is the tenant's id as given.
	Tenant string
	// Field is the path of the wrong field, e.g. "context.keys[1].id".
	Field string
	// Reason says what is wrong, never repeating a secret.
	Reason string
	// Err is a sentinel behind the problem (ErrExists), or nil.
	Err error
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("tenant %q: %s: %s", e.Tenant, e.Field, e.Reason)
}

// Unwrap returns the sentinel behind the problem, if any.
func (e *FieldError) Unwrap() error { return e.Err }

// FieldErrors is every problem of one tenant found in one pass, one per
// field, in the order of the fields. Validation returns it when more than
// one field is wrong (a single problem is its *FieldError alone), so a
// form can mark every wrong field at once; errors.As still finds the
// first *FieldError and errors.Is its sentinel.
type FieldErrors struct {
	// Problems has at least two entries.
	Problems []*FieldError
}

func (e *FieldErrors) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.Field + ": " + p.Reason
	}
	return fmt.Sprintf("tenant %q: %d fields are wrong: %s", e.Problems[0].Tenant, len(e.Problems), strings.Join(parts, "; "))
}

// Unwrap returns every problem.
func (e *FieldErrors) Unwrap() []error {
	out := make([]error, len(e.Problems))
	for i, p := range e.Problems {
		out[i] = p
	}
	return out
}

// Fields lists the problems of err: every *FieldError of a *FieldErrors,
// or the one *FieldError err is or wraps; nil when err has none.
func Fields(err error) []*FieldError {
	var all *FieldErrors
	if errors.As(err, &all) {
		return all.Problems
	}
	var one *FieldError
	if errors.As(err, &one) {
		return []*FieldError{one}
	}
	return nil
}

// problems collects the problems of one validation pass, the first one
// per field only.
type problems struct {
	list []*FieldError
}

// add records a problem unless field already has one.
func (p *problems) add(fe *FieldError) {
	for _, have := range p.list {
		if have.Field == fe.Field {
			return
		}
	}
	p.list = append(p.list, fe)
}

// err is nil, the one *FieldError, or *FieldErrors.
func (p *problems) err() error {
	switch len(p.list) {
	case 0:
		return nil
	case 1:
		return p.list[0]
	default:
		return &FieldErrors{Problems: p.list}
	}
}

var (
	idPattern     = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	colourPattern = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)
	keyIDPattern  = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)
)

// ValidKeyID reports whether id may name a context key: 1-64 letters,
// digits, '.', '_' or '-', so it fits a URL path segment
// (DELETE …/context-keys/<kid>), a log line and a JWT kid header as is.
func ValidKeyID(id string) bool { return keyIDPattern.MatchString(id) }

// MinHS256SecretLen is the shortest accepted HS256 context secret (RFC 7518 §3.2).
const MinHS256SecretLen = 32

// Validate checks a tenant after ApplyDefaults and returns every problem
// found in one pass: a *FieldError when one field is wrong, a
// *FieldErrors when several are. It rewrites every allowed origin in its
// canonical form (see ParseOrigin), so what is stored and served is what
// was checked.
func (t *Tenant) Validate() error { return t.validate(leniency{}) }

// leniency lists what validate lets through for tenants an older version
// stored, which must stay usable until an admin repairs them.
type leniency struct {
	// keyIDs are context key ids accepted although ValidKeyID refuses them.
	keyIDs map[string]bool
	// noOrigins accepts a tenant without allowed origins.
	noOrigins bool
}

// validate is Validate with the leniency l.
func (t *Tenant) validate(l leniency) error {
	p := &problems{}
	t.check(p, l)
	return p.err()
}

// check adds every problem of t to p.
func (t *Tenant) check(p *problems, l leniency) {
	bad := func(field, reason string, args ...any) {
		p.add(&FieldError{Tenant: t.ID, Field: field, Reason: fmt.Sprintf(reason, args...)})
	}
	if !idPattern.MatchString(t.ID) {
		bad("id", "must be 1-63 lower-case letters, digits or '-'")
	}
	// The database keeps a tenant as JSON, which replaces bytes that are
	// not UTF-8: such a tenant would not be the same after a restart.
	for _, f := range t.textFields() {
		if !utf8.ValidString(f.value) {
			bad(f.name, "must be UTF-8 text")
		}
	}
	if strings.TrimSpace(t.LinkedIn.ClientID) == "" {
		bad("linkedin.clientId", "is required")
	}
	if t.LinkedIn.ClientSecret == "" {
		bad("linkedin.clientSecret", "is required")
	}
	for _, f := range []textField{
		{"crm.type", t.CRM.Type}, {"crm.instanceId", t.CRM.InstanceID},
		{"crm.partner", t.CRM.Partner}, {"crm.sourceType", t.CRM.SourceType},
	} {
		if strings.TrimSpace(f.value) == "" {
			bad(f.name, "is required")
		}
	}
	t.validateHost(bad)
	// A Salesforce org's or HubSpot's own hosts are derived (see Origins), so such a
	// tenant may list none.
	if len(t.AllowedOrigins) == 0 && !l.noOrigins && t.Salesforce() == nil && t.HubSpot() == nil && t.Dynamics() == nil {
		bad("allowedOrigins", "needs at least one origin")
	}
	origins := make([]string, len(t.AllowedOrigins))
	for i, o := range t.AllowedOrigins {
		canonical, err := ParseOrigin(o)
		if err != nil {
			bad(fmt.Sprintf("allowedOrigins[%d]", i), "%v", err)
			canonical = o
		}
		origins[i] = canonical
	}
	t.AllowedOrigins = origins
	t.validateContext(bad, l.keyIDs)
	if t.Display.Width < 100 || t.Display.Width > 2000 {
		bad("display.width", "must be 100-2000 pixels")
	}
	if t.Display.Height < 100 || t.Display.Height > 4000 {
		bad("display.height", "must be 100-4000 pixels")
	}
	if t.Cache.Matched < 0 || t.Cache.NoMatch < 0 {
		bad("cache", "lifetimes cannot be negative")
	}
	if t.DailyLookupBudget < 0 {
		bad("dailyLookupBudget", "cannot be negative")
	}
	if !colourPattern.MatchString(t.AccentColor) {
		bad("accentColor", "must look like #0a66c2")
	}
	switch t.Theme {
	case ThemeLight, ThemeDark, ThemeHost:
	default:
		bad("theme", `must be "light", "dark" or "host" (follow the CRM page)`)
	}
}

// textField is one string of a tenant, named as FieldError names it.
type textField struct{ name, value string }

// textFields lists every string a tenant holds, secrets included.
func (t *Tenant) textFields() []textField {
	fields := []textField{
		{"name", t.Name}, {"linkedin.clientId", t.LinkedIn.ClientID}, {"linkedin.clientSecret", t.LinkedIn.ClientSecret},
		{"crm.partner", t.CRM.Partner}, {"crm.instanceId", t.CRM.InstanceID}, {"crm.orgId", t.CRM.OrgID},
		{"crm.sourceType", t.CRM.SourceType}, {"crm.type", t.CRM.Type},
		{"context.issuer", t.Context.Issuer}, {"context.audience", t.Context.Audience},
		{"display.modules", t.Display.Modules}, {"display.version", t.Display.Version}, {"accentColor", t.AccentColor},
		{"theme", t.Theme},
	}
	for i, o := range t.AllowedOrigins {
		fields = append(fields, textField{fmt.Sprintf("allowedOrigins[%d]", i), o})
	}
	fields = append(fields, textField{"host.kind", t.Host.Kind})
	if sf := t.Host.Salesforce; sf != nil {
		fields = append(fields, textField{"host.salesforce.orgId", sf.OrgID}, textField{"host.salesforce.myDomain", sf.MyDomain})
		for i, s := range sf.ConsumerSecrets {
			fields = append(fields, textField{fmt.Sprintf("host.salesforce.consumerSecrets[%d]", i), s})
		}
	}
	if hs := t.Host.HubSpot; hs != nil {
		fields = append(fields, textField{"host.hubspot.portalId", hs.PortalID}, textField{"host.hubspot.publicUrl", hs.PublicURL})
		for i, s := range hs.ClientSecrets {
			fields = append(fields, textField{fmt.Sprintf("host.hubspot.clientSecrets[%d]", i), s})
		}
	}
	fields = append(fields, t.Host.Dynamics.textFields()...)
	for i, k := range t.Context.Keys {
		field := fmt.Sprintf("context.keys[%d]", i)
		fields = append(fields, textField{field + ".id", k.ID}, textField{field + ".alg", k.Alg},
			textField{field + ".secret", k.Secret}, textField{field + ".publicKey", k.PublicKey})
	}
	return fields
}

func (t *Tenant) validateContext(bad func(string, string, ...any), legacy map[string]bool) {
	c := t.Context
	if strings.TrimSpace(c.Issuer) == "" {
		bad("context.issuer", "is required")
	}
	if c.MaxLifetime <= 0 || c.MaxLifetime > DefaultMaxLifetime {
		bad("context.maxLifetime", "must be positive and at most %s", DefaultMaxLifetime)
	}
	if len(c.Keys) == 0 {
		bad("context.keys", "needs at least one key")
	}
	seen := map[string]bool{}
	for i, k := range c.Keys {
		field := fmt.Sprintf("context.keys[%d]", i)
		switch {
		case k.ID == "":
			bad(field+".id", "is required")
		case !ValidKeyID(k.ID) && !legacy[k.ID]:
			bad(field+".id", "%s must be 1-64 letters, digits, '.', '_' or '-'", clipQuote(k.ID))
		case seen[k.ID]:
			bad(field+".id", "%s is used twice", clipQuote(k.ID))
		}
		seen[k.ID] = true
		if _, err := k.VerificationKey(); err != nil {
			bad(field, "%v", err)
		}
	}
}

// VerificationKey returns the key material jwt verification needs for this
// key's single algorithm: []byte for HS256, *rsa.PublicKey for RS256 and
// ed25519.PublicKey for EdDSA.
func (k ContextKey) VerificationKey() (any, error) {
	switch k.Alg {
	case "HS256":
		if len(k.Secret) < MinHS256SecretLen {
			return nil, fmt.Errorf("secret: HS256 needs at least %d bytes", MinHS256SecretLen)
		}
		if k.PublicKey != "" {
			return nil, fmt.Errorf("publicKey: not used with HS256")
		}
		return []byte(k.Secret), nil
	case "RS256", "EdDSA":
		if k.Secret != "" {
			return nil, fmt.Errorf("secret: not used with %s", k.Alg)
		}
		block, _ := pem.Decode([]byte(k.PublicKey))
		if block == nil {
			return nil, fmt.Errorf("publicKey: not a PEM block")
		}
		pub, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("publicKey: %v", err)
		}
		switch key := pub.(type) {
		case *rsa.PublicKey:
			if k.Alg != "RS256" {
				return nil, fmt.Errorf("publicKey: an RSA key needs alg RS256")
			}
			if key.N.BitLen() < 2048 {
				return nil, fmt.Errorf("publicKey: RSA keys need at least 2048 bits")
			}
			return key, nil
		case ed25519.PublicKey:
			if k.Alg != "EdDSA" {
				return nil, fmt.Errorf("publicKey: an Ed25519 key needs alg EdDSA")
			}
			return key, nil
		default:
			return nil, fmt.Errorf("publicKey: %T is not supported", pub)
		}
	default:
		return nil, fmt.Errorf("alg: %q is not one of HS256, RS256, EdDSA", k.Alg)
	}
}
