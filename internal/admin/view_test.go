package admin

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/snapbridge/snapbridge/internal/sandbox"
)

// An admin can GET a tenant, edit the JSON and PUT it back: every field
// of the view is accepted, and what was not edited (secrets included)
// stays as it was.
func TestViewRoundTrip(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		scenario string
		edit     func(raw string) string
		changed  string // the audit entry's start; "" for no entry
	}{
		{"unchanged", func(raw string) string { return raw }, ""},
		{"a renamed tenant", func(raw string) string {
			return strings.Replace(raw, `"name":"Demo CRM`, `"name":"Renamed CRM`, 1)
		}, "name: “Demo CRM"},
		{"a longer cache", func(raw string) string { return strings.Replace(raw, `"matched":"6h0m0s"`, `"matched":"12h"`, 1) }, "cache.matched: 6h0m0s → 12h0m0s"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			current, _ := f.svc.Tenant(sandbox.DemoTenantID)
			before, _ := f.svc.Audit(t.Context(), sandbox.DemoTenantID, 0)
			raw, err := json.Marshal(ViewOf(current))
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(raw), clientSecret) || strings.Contains(string(raw), contextSecret) {
				t.Fatalf("the view shows a secret: %s", raw)
			}
			var spec TenantSpec
			dec := json.NewDecoder(bytes.NewReader([]byte(tc.edit(string(raw)))))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&spec); err != nil {
				t.Fatalf("the view is not a valid update body: %v", err)
			}
			got, err := f.svc.UpdateTenant(t.Context(), "operator", sandbox.DemoTenantID, spec, 0)
			if err != nil {
				t.Fatal(err)
			}
			if got.LinkedIn.ClientSecret != clientSecret || !reflect.DeepEqual(got.Context.Keys, current.Context.Keys) {
				t.Error("the round trip lost secrets")
			}
			entries, _ := f.svc.Audit(t.Context(), sandbox.DemoTenantID, 0)
			switch {
			case tc.changed == "" && len(entries) != len(before):
				t.Errorf("audit = %+v, want no new entry", entries)
			case tc.changed != "" && (len(entries) != len(before)+1 || !strings.HasPrefix(entries[0].Detail, tc.changed)):
				t.Errorf("audit = %+v, want one new entry starting %q", entries, tc.changed)
			}
		})
	}
}

func TestDurationJSON(t *testing.T) {
	for _, tc := range []struct {
		scenario, in string
		want         Duration
		wantErr      bool
	}{
		{"minutes", `"15m"`, Duration(15 * 60e9), false},
		{"compound", `"1h30m"`, Duration(90 * 60e9), false},
		{"a bare number is refused", `900`, 0, true},
		{"nonsense", `"soon"`, 0, true},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			var d Duration
			err := json.Unmarshal([]byte(tc.in), &d)
			if (err != nil) != tc.wantErr || d != tc.want {
				t.Errorf("got %v, %v; want %v, error %v", d, err, tc.want, tc.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), `"15m"`) {
				t.Errorf("the error %q does not show the expected form", err)
			}
		})
	}
}
