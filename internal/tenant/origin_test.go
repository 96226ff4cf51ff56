package tenant

import (
	"errors"
	"strings"
	"testing"
)

// Only real origins can frame the widget and the console: a wildcard, a
// bad port or anything that is not scheme://host[:port] is refused, and
// what is accepted is stored the way browsers write origins.
func TestAllowedOriginsAcceptOnlyRealOrigins(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		origin   string
		want     string // canonical form; "" means refused
	}{
		{"https DNS name", "https://crm.example.com", "https://crm.example.com"},
		{"upper case is normalised", "HTTPS://A.B", "https://a.b"},
		{"mixed-case host with port", "https://CRM.Example.com:8443", "https://crm.example.com:8443"},
		{"default https port is dropped", "https://a.b:443", "https://a.b"},
		{"highest port", "https://a.b:65535", "https://a.b:65535"},
		{"lowest port", "https://a.b:1", "https://a.b:1"},
		{"leading zeros in the port", "https://a.b:0443", "https://a.b"},
		{"punycode host", "https://xn--bcher-kva.example", "https://xn--bcher-kva.example"},
		{"https IPv4", "https://10.1.2.3", "https://10.1.2.3"},
		{"https IPv6", "https://[2001:DB8::1]:8443", "https://[2001:db8::1]:8443"},
		{"http localhost", "http://localhost:8090", "http://localhost:8090"},
		{"http 127.0.0.1 (the sandbox CRM)", "http://127.0.0.1:8090", "http://127.0.0.1:8090"},
		{"http elsewhere in 127/8", "http://127.1.2.3", "http://127.1.2.3"},
		{"http IPv6 loopback", "http://[::1]:3000", "http://[::1]:3000"},
		{"http default port is dropped", "http://localhost:80", "http://localhost"},
		{"every letter, digit and '-' a label may hold", "https://abcdefghijklmnopqrstuvwxyz-0123456789.example", "https://abcdefghijklmnopqrstuvwxyz-0123456789.example"},
		{"label of 63 bytes (the DNS limit)", "https://" + strings.Repeat("a", 63) + ".example", "https://" + strings.Repeat("a", 63) + ".example"},
		{"host name of 253 bytes (the DNS limit)", "https://" + hostOfLen(253), "https://" + hostOfLen(253)},

		{"any https site", "https://*", ""},
		{"wildcard under a TLD", "https://*.com", ""},
		{"wildcard under a public suffix", "https://*.co.uk", ""},
		{"wildcard under a domain (wildcards are not supported)", "https://*.example.com", ""},
		{"bare wildcard", "*", ""},
		{"port out of range", "https://a.b:99999", ""},
		{"port zero", "https://a.b:0", ""},
		{"empty port", "https://a.b:", ""},
		{"signed port", "https://a.b:+443", ""},
		{"two ports", "https://a.b:1:2", ""},
		{"ends in a quote", `https://a.b"`, ""},
		{"quote and CSP injection", `https://a.b; script-src *`, ""},
		{"with a path", "https://a.b/path", ""},
		{"with a trailing slash", "https://a.b/", ""},
		{"with a query", "https://a.b?x=1", ""},
		{"with a fragment", "https://a.b#x", ""},
		{"with a user", "https://user@a.b", ""},
		{"with a backslash", `https://a.b\evil.example`, ""},
		{"plain http on the internet", "http://a.b", ""},
		{"http on a name that only starts like localhost", "http://localhost.evil.example", ""},
		{"http on a private address", "http://10.0.0.1", ""},
		{"javascript URL", "javascript:alert(1)", ""},
		{"data URL", "data:text/html,hi", ""},
		{"file URL", "file:///etc/passwd", ""},
		{"ftp", "ftp://a.b", ""},
		{"CSP keyword", "'self'", ""},
		{"no scheme", "crm.example.com", ""},
		{"no host", "https://", ""},
		{"single-label host", "https://intranet", ""},
		{"trailing dot", "https://a.b.", ""},
		{"empty label", "https://a..b", ""},
		{"label starting with '-'", "https://-a.b", ""},
		{"underscore", "https://a_b.example", ""},
		{"host name over 253 bytes", "https://" + hostOfLen(254), ""},
		{"label over 63 bytes", "https://" + strings.Repeat("a", 64) + ".example", ""},
		{"numeric last label", "https://1.2.3.999", ""},
		{"unicode host", "https://bücher.example", ""},
		{"space inside", "https://a .b", ""},
		{"leading space", " https://a.b", ""},
		{"newline", "https://a.b\nX-Evil: 1", ""},
		{"unspecified IPv4", "https://0.0.0.0", ""},
		{"unspecified IPv6", "https://[::]", ""},
		{"IPv6 zone", "https://[fe80::1%25eth0]", ""},
		{"IPv6 without brackets", "https://2001:db8::1", ""},
		{"unclosed IPv6", "https://[2001:db8::1", ""},
		{"IPv4 in brackets", "https://[10.0.0.1]", ""},
		{"junk after IPv6", "https://[::1]x", ""},
		{"very long", "https://" + strings.Repeat("a.", 200) + "example", ""},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			got, err := ParseOrigin(tc.origin)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("ParseOrigin(%q) = %q, want it refused", tc.origin, got)
				}
				if !strings.Contains(err.Error(), "is not an origin like https://crm.example.com") {
					t.Errorf("error %q does not say what an origin looks like", err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ParseOrigin(%q) = %q, %v; want %q", tc.origin, got, err, tc.want)
			}
			if again, err := ParseOrigin(got); err != nil || again != got {
				t.Errorf("canonical form %q does not parse to itself: %q, %v", got, again, err)
			}
		})
	}
}

// hostOfLen returns a DNS name of n bytes made of 63-byte labels and a
// shorter last one.
func hostOfLen(n int) string {
	var labels []string
	for n > 64 {
		labels = append(labels, strings.Repeat("a", 63))
		n -= 64
	}
	return strings.Join(append(labels, strings.Repeat("z", n)), ".")
}

// The tenant keeps its origins in canonical form, so the CSP header and
// the Referer match agree with what the admin typed in upper case.
func TestValidateStoresCanonicalOrigins(t *testing.T) {
	tn := validTenant()
	given := []string{"HTTPS://CRM.Example.COM:443", "http://LOCALHOST:8090"}
	tn.AllowedOrigins = given
	tn.ApplyDefaults()
	if err := tn.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(tn.AllowedOrigins, " "); got != "https://crm.example.com http://localhost:8090" {
		t.Errorf("origins = %s", got)
	}
	if given[0] != "HTTPS://CRM.Example.COM:443" {
		t.Errorf("Validate changed the caller's slice: %v", given)
	}
}

// Whatever a tenant value holds, the frame-ancestors list carries only
// origins, and 'none' when none is left.
func TestFrameAncestorsCarryOnlyOrigins(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		origins  []string
		want     string
	}{
		{"valid origins", []string{"https://a.example", "http://127.0.0.1:8090"}, "https://a.example http://127.0.0.1:8090"},
		{"hostile values are left out", []string{"https://*", "https://a.example", `https://x.example"; script-src *`}, "https://a.example"},
		{"nothing valid", []string{"https://*"}, "'none'"},
		{"no origins", nil, "'none'"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			tn := &Tenant{AllowedOrigins: tc.origins}
			if got := tn.FrameAncestors(); got != tc.want {
				t.Errorf("FrameAncestors = %q, want %q", got, tc.want)
			}
		})
	}
	if got := (*Tenant)(nil).FrameAncestors(); got != "'none'" {
		t.Errorf("nil tenant: %q", got)
	}
}

// Context key ids fit a URL path segment, so every key created can be
// deleted again.
func TestContextKeyIDs(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		id       string
		ok       bool
	}{
		{"letters and digits", "k1", true},
		{"dots, dashes, underscores", "crm-2026.03_rsa", true},
		{"64 characters", strings.Repeat("k", 64), true},
		{"65 characters", strings.Repeat("k", 65), false},
		{"5,000 characters", strings.Repeat("k", 5000), false},
		{"a slash (could never be deleted)", "a/b", false},
		{"a newline", "k1\nk2", false},
		{"a space", "k 1", false},
		{"a percent sign", "k%2F", false},
		{"non-ASCII", "schlüssel", false},
		{"empty", "", false},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			tn := validTenant()
			tn.Context.Keys[0].ID = tc.id
			tn.ApplyDefaults()
			err := tn.Validate()
			if tc.ok {
				if err != nil {
					t.Fatalf("key id %q refused: %v", tc.id, err)
				}
				return
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != "context.keys[0].id" {
				t.Fatalf("key id %q: err = %v, want a field error on context.keys[0].id", tc.id, err)
			}
			if len(err.Error()) > 400 {
				t.Errorf("the error repeats the whole id: %d bytes", len(err.Error()))
			}
		})
	}
}

// A tenant an older version stored with a key id or origins this version
// refuses still loads, so the server starts: its bad origins are not
// served, and its old key id stays usable until the admin rotates it out.
func TestStoredTenantWithLegacyValuesLoadsAndCanBeRepaired(t *testing.T) {
	r, err := NewRegistry(nil)
	if err != nil {
		t.Fatal(err)
	}
	old := validTenant()
	old.AllowedOrigins = []string{"https://*", "HTTPS://CRM.ACME.EXAMPLE"}
	old.Context.Keys[0].ID = "legacy/key"
	loaded, dropped, err := r.Put(old)
	if err != nil {
		t.Fatalf("stored tenant refused at start-up: %v", err)
	}
	if strings.Join(dropped, " ") != "https://*" || strings.Join(loaded.AllowedOrigins, " ") != "https://crm.acme.example" {
		t.Errorf("dropped %v, kept %v; want https://* dropped and the other origin kept in canonical form", dropped, loaded.AllowedOrigins)
	}

	rename := loaded.Clone()
	rename.Name = "ACME"
	if _, err := r.Update(rename, nil); err != nil {
		t.Fatalf("an edit that keeps the old key id is refused: %v", err)
	}
	rotate := loaded.Clone()
	rotate.Context.Keys = append(rotate.Context.Keys, ContextKey{ID: "new/key", Alg: "HS256", Secret: strings.Repeat("n", 32)})
	var fe *FieldError
	if _, err := r.Update(rotate, nil); !errors.As(err, &fe) || fe.Field != "context.keys[1].id" {
		t.Fatalf("a new key id with a slash: err = %v, want a field error on context.keys[1].id", err)
	}
	rotate.Context.Keys[1].ID = "k2"
	if _, err := r.Update(rotate, nil); err != nil {
		t.Fatalf("rotating to a valid key id is refused: %v", err)
	}
	rotate.Context.Keys = rotate.Context.Keys[1:]
	if _, err := r.Update(rotate, nil); err != nil {
		t.Fatalf("removing the old key is refused: %v", err)
	}
	fresh := validTenant()
	fresh.ID, fresh.Context.Issuer = "fresh", "https://fresh.example"
	fresh.Context.Keys[0].ID = "legacy/key"
	if _, err := r.Create(fresh, nil); !errors.As(err, &fe) || fe.Field != "context.keys[0].id" {
		t.Errorf("another tenant may not take up the old format: err = %v", err)
	}

	none := validTenant()
	none.ID, none.Context.Issuer = "none", "https://none.example"
	none.AllowedOrigins = []string{"https://*"}
	got, _, err := r.Put(none)
	if err != nil || len(got.AllowedOrigins) != 0 || got.FrameAncestors() != "'none'" {
		t.Errorf("a stored tenant with only bad origins: %v, %v; want it loaded and framed by no page", got, err)
	}
}
