package admin

import (
	"errors"
	"testing"

	"github.com/snapbridge/snapbridge/internal/tenant"
)

// TestTenantChangesOnTwoInstancesLoseNothing: two instances on one
// database, the second not yet told of the first's change (its
// announcement still on its way), edit the same tenant. No change is
// silently overwritten: a save naming the revision it read is refused,
// and a save or key rotation without one applies to the tenant as stored
// now.
func TestTenantChangesOnTwoInstancesLoseNothing(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		// first runs on instance a, then second on instance b.
		first, second func(t *testing.T, svc *Service) error
		wantErr       error
		check         func(t *testing.T, stored *tenant.Tenant)
	}{
		{
			scenario: "a save naming the revision it read is refused once another admin saved",
			first: func(t *testing.T, svc *Service) error {
				s := spec("acme")
				s.Name = "Saved first"
				_, err := svc.UpdateTenant(t.Context(), "viewer:ada", "acme", s, 1)
				return err
			},
			second: func(t *testing.T, svc *Service) error {
				s := spec("acme")
				s.Name = "Saved second"
				_, err := svc.UpdateTenant(t.Context(), "viewer:bob", "acme", s, 1)
				return err
			},
			wantErr: ErrTenantRevision,
			check: func(t *testing.T, stored *tenant.Tenant) {
				if stored.Name != "Saved first" || stored.Revision != 2 {
					t.Errorf("stored %q at revision %d, want the first save at revision 2", stored.Name, stored.Revision)
				}
			},
		},
		{
			scenario: "a save without a revision keeps the context key another instance added",
			first: func(t *testing.T, svc *Service) error {
				_, err := svc.AddContextKey(t.Context(), "viewer:ada", "acme", KeySpec{ID: "k2", Alg: "HS256", Secret: contextSecret})
				return err
			},
			second: func(t *testing.T, svc *Service) error {
				s := spec("acme")
				s.Name, s.Context.Keys = "Renamed", nil
				_, err := svc.UpdateTenant(t.Context(), "viewer:bob", "acme", s, 0)
				return err
			},
			check: func(t *testing.T, stored *tenant.Tenant) {
				if stored.Name != "Renamed" || len(stored.Context.Keys) != 2 {
					t.Errorf("stored %q with keys %v, want the rename and both keys", stored.Name, contextKeyIDs(stored))
				}
			},
		},
		{
			scenario: "a key added on another instance counts toward the limit",
			first: func(t *testing.T, svc *Service) error {
				_, err := svc.AddContextKey(t.Context(), "viewer:ada", "acme", KeySpec{ID: "k2", Alg: "HS256", Secret: contextSecret})
				return err
			},
			second: func(t *testing.T, svc *Service) error {
				_, err := svc.AddContextKey(t.Context(), "viewer:bob", "acme", KeySpec{ID: "k3", Alg: "HS256", Secret: contextSecret})
				return err
			},
			wantErr: ErrContextKeyLimit,
			check: func(t *testing.T, stored *tenant.Tenant) {
				if ids := contextKeyIDs(stored); len(ids) != 2 || ids[1] != "k2" {
					t.Errorf("stored keys %v, want k1 and k2", ids)
				}
			},
		},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			f := newFixture(t)
			if _, err := f.svc.CreateTenant(t.Context(), "operator", spec("acme")); err != nil {
				t.Fatal(err)
			}
			a, b := f.svc, f.start(t)
			if err := tc.first(t, a); err != nil {
				t.Fatal(err)
			}
			if err := tc.second(t, b); !errors.Is(err, tc.wantErr) {
				t.Fatalf("second change: err = %v, want %v", err, tc.wantErr)
			}
			stored, err := f.start(t).Tenant("acme")
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, stored)
		})
	}
}
