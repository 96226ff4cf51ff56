package sandbox

import (
	"fmt"
	"strings"
	"testing"

	"github.com/snapbridge/snapbridge/internal/tenant"
)

func TestDemoSeed(t *testing.T) {
	opts := DemoOptions{ClientSecret: testSecret, ContextSecret: testContext, CRMOrigin: "http://127.0.0.1:8090",
		RedirectURI: testRedirect}
	apps := DemoApps(opts)
	tenants := DemoTenants(opts, "http://127.0.0.1:8091")
	count := func(outcome string) int {
		n := 0
		for _, r := range apps[0].Instances[0].Records {
			if r.Outcome == outcome {
				n++
			}
		}
		return n
	}
	tests := []struct {
		scenario string
		check    func() string // a problem, or ""
	}{
		{"every tenant passes ApplyDefaults and Validate", func() string {
			for _, tn := range tenants {
				tn.ApplyDefaults()
				if err := tn.Validate(); err != nil {
					return err.Error()
				}
			}
			if _, err := tenant.NewRegistry(tenants); err != nil {
				return err.Error()
			}
			return ""
		}},
		{"the demo tenant has at least 30 records", func() string {
			if n := len(apps[0].Instances[0].Records); n < 30 {
				return fmt.Sprintf("only %d records", n)
			}
			return ""
		}},
		{"the demo has about five matches without photo and five without match", func() string {
			if count(OutcomeNoPhoto) < 4 || count(OutcomeNoMatch) < 4 || count(OutcomeMatched) < 15 {
				return "outcomes are not varied enough"
			}
			return ""
		}},
		{"client ids never look like issued tokens", func() string {
			for _, a := range apps {
				if strings.HasPrefix(a.ClientID, "sandbox-") {
					return a.ClientID
				}
			}
			return ""
		}},
		{"tenants use their apps' client ids and instances", func() string {
			for i, tn := range tenants {
				if tn.LinkedIn.ClientID != apps[i].ClientID || tn.CRM.InstanceID != apps[i].Instances[0].InstanceID ||
					tn.ID != apps[i].Instances[0].Tenant || tn.CRM.Partner != apps[i].Instances[0].Partner {
					return tn.ID + " is not wired to its app"
				}
			}
			return ""
		}},
		{"the nosync tenant has CRM Sync off and its own context key", func() string {
			if apps[1].Instances[0].SyncEnabled || tenants[1].Context.Keys[0].Secret == opts.ContextSecret ||
				tenants[1].Context.Keys[0].Secret != NoSyncContextSecret(opts.ContextSecret) {
				return "nosync is not separate"
			}
			return ""
		}},
		{"the Salesforce org opens the widget with Canvas under its own secrets", func() string {
			sf := tenants[2].Salesforce()
			if sf == nil || len(sf.ConsumerSecrets) != 1 || sf.ConsumerSecrets[0] == opts.ContextSecret ||
				tenants[2].Context.Keys[0].Secret == opts.ContextSecret || apps[2].Instances[0].Partner != "SFDC" {
				return "sfdc is not a separate Salesforce org"
			}
			for _, r := range apps[2].Instances[0].Records {
				if canonical, err := tenant.CanonicalSalesforceID(r.ID); err != nil || canonical != r.ID {
					return r.ID + " is not an 18-character Salesforce id"
				}
			}
			return ""
		}},
		{"the HubSpot account opens the widget from its app card under its own secret, CRM Sync off", func() string {
			hs := tenants[3].HubSpot()
			if hs == nil || len(hs.ClientSecrets) != 1 || hs.ClientSecrets[0] == opts.ContextSecret ||
				tenants[3].Context.Keys[0].Secret == opts.ContextSecret || apps[3].Instances[0].SyncEnabled {
				return "hub is not a separate HubSpot account without CRM Sync"
			}
			return ""
		}},
		{"record ids are unique", func() string {
			seen := map[string]bool{}
			for _, a := range apps {
				for _, r := range a.Instances[0].Records {
					// Dynamics GUIDs, 18-character Salesforce ids or
					// 11-digit HubSpot ids.
					if seen[r.ID] || (len(r.ID) != 36 && len(r.ID) != 18 && len(r.ID) != 11) {
						return r.ID
					}
					seen[r.ID] = true
				}
			}
			return ""
		}},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			if problem := tc.check(); problem != "" {
				t.Fatal(problem)
			}
		})
	}
}

func TestRecordsEndpoint(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		scenario string
		query    string
		status   int
		records  int
		expected map[string]int
	}{
		{scenario: "the demo tenant lists its records with expected outcomes", query: "tenant=demo", status: 200,
			records:  len(DemoApps(DemoOptions{})[0].Instances[0].Records),
			expected: map[string]int{OutcomeNoPhoto: 5, OutcomeNoMatch: 5}},
		{scenario: "the nosync tenant's records all expect crm_sync_disabled", query: "tenant=nosync", status: 200,
			records: 4, expected: map[string]int{OutcomeCRMSyncDisabled: 4}},
		{scenario: "an instance can be named instead", query: "instanceId=unknown-sync", status: 200,
			records: 1, expected: map[string]int{OutcomeCRMSyncUnknown: 1}},
		{scenario: "an unknown tenant is 404", query: "tenant=acme", status: 404},
		{scenario: "no tenant is 400", query: "", status: 400},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			a := h.get("/_sandbox/records?"+tc.query, nil)
			m := a.json(t)
			if a.status != tc.status {
				t.Fatalf("status %d, want %d: %s", a.status, tc.status, a.body)
			}
			if tc.status != 200 {
				return
			}
			recs := m["records"].([]any)
			if len(recs) != tc.records {
				t.Fatalf("%d records, want %d", len(recs), tc.records)
			}
			got := map[string]int{}
			for _, r := range recs {
				got[r.(map[string]any)["expected"].(string)]++
			}
			for outcome, n := range tc.expected {
				if got[outcome] != n {
					t.Errorf("%s: %d, want %d (all %v)", outcome, got[outcome], n, got)
				}
			}
		})
	}
}
