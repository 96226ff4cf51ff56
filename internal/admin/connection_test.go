package admin

import (
	"strings"
	"testing"

	"github.com/snapbridge/snapbridge/internal/sandbox"
)

// "Test connection" says whether the tenant's LinkedIn set-up works and,
// when it does not, what to fix; health then shows what LinkedIn said.
func TestTestConnection(t *testing.T) {
	for _, tc := range []struct {
		scenario    string
		tenant      string
		setup       func(t *testing.T, f *fixture)
		recordID    string
		wantOK      bool
		wantStep    string // the failing (or last) step's message contains this
		wantCRMSync string
		want401     int
	}{
		{"a working tenant with a made-up record", sandbox.DemoTenantID, nil, "", true, "no match for record " + DefaultTestRecordID, CRMSyncEnabled, 0},
		{"CRM Sync off", sandbox.NoSyncTenantID, nil, "seed", false, "CRM Sync is not enabled", CRMSyncDisabled, 0},
		{"a wrong client secret", "acme", func(t *testing.T, f *fixture) {
			s := spec("acme")
			s.LinkedIn.ClientSecret = "not-the-secret-linkedin-knows-0000"
			if _, err := f.svc.CreateTenant(t.Context(), "operator", s); err != nil {
				t.Fatal(err)
			}
		}, "", false, "LinkedIn refused the client id/secret", CRMSyncUnknown, 1},
		{"a matching record", sandbox.DemoTenantID, nil, "seed", true, "matches LinkedIn member urn:li:person:", CRMSyncEnabled, 0},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			f := newFixture(t)
			if tc.setup != nil {
				tc.setup(t, f)
			}
			rec := tc.recordID
			if rec == "seed" {
				rec = seedRecord(t, f, tc.tenant)
			}
			rep, err := f.svc.TestConnection(t.Context(), "viewer:ada", tc.tenant, rec)
			if err != nil {
				t.Fatal(err)
			}
			if rep.OK != tc.wantOK || len(rep.Steps) != 2 {
				t.Fatalf("report = %+v, want ok %v with two steps", rep, tc.wantOK)
			}
			msg := rep.Steps[1].Message
			if !rep.Steps[0].OK {
				msg = rep.Steps[0].Message
			}
			if !strings.Contains(msg, tc.wantStep) {
				t.Errorf("message %q does not say %q", msg, tc.wantStep)
			}
			h, err := f.svc.Health(t.Context(), tc.tenant)
			if err != nil {
				t.Fatal(err)
			}
			if h.CRMSync != tc.wantCRMSync || h.LinkedInErrors.Unauthorized != tc.want401 {
				t.Errorf("health = %+v, want crmSync %s and %d 401s", h, tc.wantCRMSync, tc.want401)
			}
			entries, _ := f.svc.Audit(t.Context(), tc.tenant, 1)
			if len(entries) != 1 || entries[0].Action != "tenant.test_connection" {
				t.Errorf("audit = %+v", entries)
			}
		})
	}
}

// seedRecord returns the first demo record of the tenant's CRM instance
// (the stand-in answers CRM Sync per record).
func seedRecord(t *testing.T, f *fixture, tenantID string) string {
	t.Helper()
	tn, _ := f.svc.Tenant(tenantID)
	for _, app := range sandbox.DemoApps(sandbox.DemoOptions{ClientSecret: clientSecret}) {
		if app.ClientID == tn.LinkedIn.ClientID {
			return app.Instances[0].Records[0].ID
		}
	}
	t.Fatalf("no demo records for %s", tenantID)
	return ""
}
