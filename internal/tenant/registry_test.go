package tenant

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
)

// Tenants created and updated at run time follow the start-up rules, and
// readers never see a half-changed tenant.
func TestRegistryCreateAndUpdate(t *testing.T) {
	other := func() Tenant {
		o := validTenant()
		o.ID, o.Context.Issuer = "other", "https://other.example"
		return o
	}
	for _, tc := range []struct {
		scenario string
		change   func(r *Registry) error
		wantErr  error  // errors.Is target, nil for none
		field    string // FieldError field, "" for none
		check    func(t *testing.T, r *Registry)
		fails    bool // some other error is expected
	}{
		{"create adds a tenant findable by id and issuer", func(r *Registry) error {
			_, err := r.Create(other(), nil)
			return err
		}, nil, "", func(t *testing.T, r *Registry) {
			if got, ok := r.ByIssuer("https://other.example"); !ok || got.ID != "other" || got.Name != "other" {
				t.Errorf("ByIssuer = %+v, %v; want the new tenant with defaults applied", got, ok)
			}
		}, false},
		{"create refuses a taken id", func(r *Registry) error {
			_, err := r.Create(validTenant(), nil)
			return err
		}, ErrExists, "id", nil, false},
		{"create refuses another tenant's issuer", func(r *Registry) error {
			o := other()
			o.Context.Issuer = validTenant().Context.Issuer
			_, err := r.Create(o, nil)
			return err
		}, nil, "context.issuer", nil, false},
		{"create validates like start-up", func(r *Registry) error {
			o := other()
			o.CRM.InstanceID = ""
			_, err := r.Create(o, nil)
			return err
		}, nil, "crm.instanceId", nil, false},
		{"update of an unknown tenant", func(r *Registry) error {
			_, err := r.Update(other(), nil)
			return err
		}, ErrUnknown, "", nil, false},
		{"update may keep its own issuer and frees the old one", func(r *Registry) error {
			a := validTenant()
			a.Name = "ACME Corp"
			if _, err := r.Update(a, nil); err != nil {
				return err
			}
			a.Context.Issuer = "https://new.acme.example"
			_, err := r.Update(a, nil)
			return err
		}, nil, "", func(t *testing.T, r *Registry) {
			if _, ok := r.ByIssuer("https://acme.crm.dynamics.com"); ok {
				t.Error("the old issuer still finds the tenant")
			}
			if got, ok := r.ByIssuer("https://new.acme.example"); !ok || got.Name != "ACME Corp" {
				t.Errorf("new issuer finds %+v, %v", got, ok)
			}
		}, false},
		{"a failing persist hook leaves the registry unchanged", func(r *Registry) error {
			a := validTenant()
			a.Name = "never stored"
			_, err := r.Update(a, func(*Tenant) error { return errors.New("disk full") })
			return err
		}, nil, "", func(t *testing.T, r *Registry) {
			if got, _ := r.Get("acme"); got.Name != "acme" {
				t.Errorf("name = %q after a failed persist", got.Name)
			}
		}, true},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			r, err := NewRegistry([]Tenant{validTenant()})
			if err != nil {
				t.Fatal(err)
			}
			err = tc.change(r)
			var fe *FieldError
			switch {
			case tc.field != "":
				if !errors.As(err, &fe) || fe.Field != tc.field {
					t.Fatalf("err = %v, want a FieldError on %s", err, tc.field)
				}
			case tc.wantErr != nil:
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
			case tc.fails:
				if err == nil {
					t.Fatal("the failure was not reported")
				}
			case err != nil:
				t.Fatalf("err = %v", err)
			}
			if tc.check != nil {
				tc.check(t, r)
			}
		})
	}
}

// A *Tenant handed out is a snapshot: later updates and the caller's own
// slices never change it.
func TestRegistrySnapshotsAreImmutable(t *testing.T) {
	in := validTenant()
	r, err := NewRegistry([]Tenant{in})
	if err != nil {
		t.Fatal(err)
	}
	before, _ := r.Get("acme")
	in.AllowedOrigins[0] = "https://evil.example"
	in.Context.Keys[0].ID = "changed"
	upd := validTenant()
	upd.AllowedOrigins = []string{"https://new.example"}
	after, err := r.Update(upd, nil)
	if err != nil {
		t.Fatal(err)
	}
	upd.AllowedOrigins[0] = "https://evil.example"
	if before.AllowedOrigins[0] != "https://acme.crm.dynamics.com" || before.Context.Keys[0].ID != "k1" {
		t.Errorf("the old snapshot changed: %v %v", before.AllowedOrigins, before.Context.Keys[0].ID)
	}
	if got, _ := r.Get("acme"); got != after || got.AllowedOrigins[0] != "https://new.example" {
		t.Errorf("current = %v, want the update as stored", got.AllowedOrigins)
	}
}

// Concurrent readers and writers are safe (run with -race) and every
// write lands.
func TestRegistryConcurrentPut(t *testing.T) {
	r, err := NewRegistry(nil)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			tn := validTenant()
			tn.ID, tn.Context.Issuer = fmt.Sprintf("t%d", i), fmt.Sprintf("https://t%d.example", i)
			if _, _, err := r.Put(tn); err != nil {
				t.Error(err)
			}
		}()
		go func() {
			defer wg.Done()
			for _, tn := range r.All() {
				if _, ok := r.ByIssuer(tn.Context.Issuer); !ok {
					t.Errorf("tenant %s listed but not found by issuer", tn.ID)
				}
			}
		}()
	}
	wg.Wait()
	if n := len(r.All()); n != 20 {
		t.Errorf("%d tenants after 20 puts", n)
	}
}

// Lists of tenants (the admin API, start-up logs) come ordered by id,
// whatever order the tenants were configured or created in.
func TestRegistryListsTenantsByID(t *testing.T) {
	tenantNamed := func(id string) Tenant {
		tn := validTenant()
		tn.ID, tn.Context.Issuer = id, "https://"+id+".example"
		return tn
	}
	r, err := NewRegistry([]Tenant{tenantNamed("initech"), tenantNamed("acme")})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"globex", "aardvark"} {
		if _, err := r.Create(tenantNamed(id), nil); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	for _, tn := range r.All() {
		got = append(got, tn.ID)
	}
	if want := []string{"aardvark", "acme", "globex", "initech"}; !slices.Equal(got, want) {
		t.Errorf("All() = %v, want %v", got, want)
	}
}
