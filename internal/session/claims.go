package session

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/golang-jwt/jwt/v5"

	"github.com/snapbridge/snapbridge/internal/wire"
)

// Bounds on what a host context may carry. They keep a hostile or buggy CRM
// from making us store, sign and render unbounded data.
const (
	// MaxContextBytes is the largest raw host context token accepted: 16 KiB.
	MaxContextBytes = 16 << 10
	// MaxRecords is the most records one context (a CRM list view) may name.
	MaxRecords = 50
	// MaxIDLen bounds the jti and every record id.
	MaxIDLen = 128
	// MaxFieldLen bounds the viewer id and every other string field.
	MaxFieldLen = 256
	// RoleAdmin lets a viewer use the tenant's admin console.
	RoleAdmin = "admin"
)

// recordTypes are the CRM record kinds LinkedIn's CRM Sync understands.
var recordTypes = []string{"contact", "lead", "account"}

// knownRoles are the roles a context may grant.
var knownRoles = []string{RoleAdmin}

// contextClaims is the JSON payload of a host context token.
type contextClaims struct {
	jwt.RegisteredClaims
	Viewer  *wire.Viewer  `json:"viewer,omitempty"`
	Records []wire.Record `json:"records,omitempty"`
	Roles   []string      `json:"roles,omitempty"`
}

// decode reads a context's JSON payload into c, once. It refuses exp, iat
// and nbf written as JSON strings: RFC 7519 §2 makes them numbers, and
// jwt's NumericDate would quietly accept "1700000000". The error names the
// claim (see keyring.explain): the dates are taken raw beside the other
// claims and checked before they become NumericDates.
func (c *contextClaims) decode(b []byte) error {
	type plain contextClaims
	var aux struct {
		plain
		// Shallower than RegisteredClaims' fields of the same names, so
		// these take the dates.
		Exp json.RawMessage `json:"exp"`
		Iat json.RawMessage `json:"iat"`
		Nbf json.RawMessage `json:"nbf"`
	}
	err := json.Unmarshal(b, &aux)
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		return err
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		// The claim's name, not the Go path through aux and the
		// embedded registered claims.
		typeErr.Field = strings.TrimPrefix(strings.TrimPrefix(typeErr.Field, "plain."), "RegisteredClaims.")
	}
	*c = contextClaims(aux.plain)
	for _, d := range []struct {
		name string
		raw  json.RawMessage
		to   **jwt.NumericDate
	}{{"exp", aux.Exp, &c.ExpiresAt}, {"iat", aux.Iat, &c.IssuedAt}, {"nbf", aux.Nbf, &c.NotBefore}} {
		*d.to = nil
		if d.raw == nil || string(d.raw) == "null" {
			continue
		}
		// A float64 takes a JSON number and nothing else.
		if json.Unmarshal(d.raw, new(float64)) != nil {
			return &json.UnmarshalTypeError{Value: "non-number", Type: reflect.TypeFor[float64](), Field: d.name}
		}
		date := new(jwt.NumericDate)
		if err := date.UnmarshalJSON(d.raw); err != nil {
			return err
		}
		*d.to = date
	}
	return err
}

// checkPayload checks the snapbridge-specific claims: who looks at which
// records, with which roles. The message names the offending claim.
func checkPayload(v *wire.Viewer, records []wire.Record, roles []string) error {
	if v == nil {
		return fmt.Errorf("viewer is required")
	}
	if v.ID == "" {
		return fmt.Errorf("viewer.id is required")
	}
	if err := checkLengths("viewer.id", v.ID, "viewer.name", v.Name, "viewer.email", v.Email); err != nil {
		return err
	}
	if hasControl(v.ID) {
		return fmt.Errorf("viewer.id contains control characters")
	}
	if len(records) == 0 {
		return fmt.Errorf("records needs at least one record")
	}
	if len(records) > MaxRecords {
		return fmt.Errorf("records names %d records, at most %d are allowed", len(records), MaxRecords)
	}
	seen := make(map[string]int, len(records))
	for i, r := range records {
		if err := checkRecord(r); err != nil {
			return fmt.Errorf("records[%d]: %w", i, err)
		}
		if j, dup := seen[r.ID]; dup {
			return fmt.Errorf("records[%d]: id repeats records[%d]", i, j)
		}
		seen[r.ID] = i
	}
	if len(roles) > len(knownRoles) {
		return fmt.Errorf("roles names %d roles, only %q exist", len(roles), knownRoles)
	}
	for i, role := range roles {
		if !slices.Contains(knownRoles, role) {
			return fmt.Errorf("roles[%d] is not one of %q", i, knownRoles)
		}
	}
	return nil
}

func checkRecord(r wire.Record) error {
	if r.ID == "" {
		return fmt.Errorf("id is required")
	}
	if len(r.ID) > MaxIDLen {
		return fmt.Errorf("id is longer than %d bytes", MaxIDLen)
	}
	if hasControl(r.ID) {
		return fmt.Errorf("id contains control characters")
	}
	if !slices.Contains(recordTypes, r.Type) {
		return fmt.Errorf("type must be one of %q", recordTypes)
	}
	return checkLengths("firstName", r.FirstName, "lastName", r.LastName, "email", r.Email,
		"company", r.Company, "title", r.Title)
}

// checkLengths takes name, value pairs and reports the first value longer
// than MaxFieldLen.
func checkLengths(pairs ...string) error {
	for i := 0; i < len(pairs); i += 2 {
		if len(pairs[i+1]) > MaxFieldLen {
			return fmt.Errorf("%s is longer than %d bytes", pairs[i], MaxFieldLen)
		}
	}
	return nil
}

// hasControl reports ASCII control characters: ids end up in cache keys
// joined with NUL, in logs and in the audit log.
func hasControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f })
}
