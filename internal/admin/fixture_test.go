package admin

import (
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/keyring"
	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/sandbox"
	"github.com/snapbridge/snapbridge/internal/store/sqlite"
	"github.com/snapbridge/snapbridge/internal/tenant"
	"github.com/snapbridge/snapbridge/internal/tokens"
)

const (
	clientSecret  = "client-secret-for-admin-tests-0123"
	contextSecret = "context-secret-for-admin-tests-0123456789"
)

// fixture is an admin service on a real database and key ring, talking to
// the LinkedIn stand-in over loopback.
type fixture struct {
	svc   *Service
	db    *sqlite.DB
	ring  *keyring.KeyRing
	key   keyring.Key
	li    *linkedin.Client
	apps  *tokens.AppTokens
	seeds []tenant.Tenant
	now   time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	opts := sandbox.DemoOptions{ClientSecret: clientSecret, ContextSecret: contextSecret}
	srv := httptest.NewServer(sandbox.New(sandbox.Config{Apps: sandbox.DemoApps(opts)}))
	t.Cleanup(srv.Close)
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "admin.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	key, err := keyring.GenerateKey("k1")
	if err != nil {
		t.Fatal(err)
	}
	ring, err := keyring.New(key)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db, ring: ring, key: key, seeds: sandbox.DemoTenants(opts, srv.URL),
		now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	f.li = linkedin.New(linkedin.Config{APIBase: srv.URL + "/v2", TokenURL: srv.URL + "/oauth/v2/accessToken", MaxRetries: -1})
	f.apps = tokens.NewAppTokens(f.li, nil)
	f.svc = f.start(t)
	return f
}

// start builds a service on the fixture's database, as a server start
// does, and loads the seeds.
func (f *fixture) start(t *testing.T) *Service {
	t.Helper()
	reg, err := tenant.NewRegistry(nil)
	if err != nil {
		t.Fatal(err)
	}
	svc := New(Deps{Store: f.db, Ring: f.ring, Tenants: reg, AppTokens: f.apps, LinkedIn: f.li,
		Operator: NewOperatorKey("operator-key-for-admin-tests-0123456789"), Now: func() time.Time { return f.now }})
	if _, err := svc.Load(t.Context(), f.seeds); err != nil {
		t.Fatal(err)
	}
	return svc
}

// spec returns the create spec of a new tenant wired to the demo app.
func spec(id string) TenantSpec {
	return TenantSpec{
		ID: id, Name: "Tenant " + id,
		LinkedIn: LinkedInSpec{ClientID: sandbox.DemoClientID, ClientSecret: clientSecret},
		CRM: tenant.CRM{Partner: sandbox.DemoPartner, InstanceID: sandbox.DemoInstanceID,
			SourceType: sandbox.DemoCRMSourceType, Type: sandbox.DemoCRMType},
		AllowedOrigins: []string{"https://" + id + ".example"},
		Context: ContextSpec{Issuer: "https://crm." + id + ".example",
			Keys: []KeySpec{{ID: "k1", Alg: "HS256", Secret: contextSecret}}},
	}
}
