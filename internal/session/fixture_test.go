package session_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/snapbridge/snapbridge/internal/session"
	"github.com/snapbridge/snapbridge/internal/store/sqlite"
	"github.com/snapbridge/snapbridge/internal/tenant"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// Test tenants. acme accepts every algorithm and two HS256 keys (a rotation
// in progress); globex accepts RS256 only; initech reuses acme's key id
// "hs-1" with its own secret.
const (
	acmeIssuer    = "https://crm.acme.example"
	globexIssuer  = "https://crm.globex.example"
	initechIssuer = "https://crm.initech.example"
	acmeSecret1   = "acme-secret-one-0123456789abcdefghij"
	acmeSecret2   = "acme-secret-two-0123456789abcdefghij"
	initechSecret = "initech-secret-0123456789abcdefghijk"
)

// keys holds the private halves of the test tenants' keys.
type keys struct {
	acmeRSA    *rsa.PrivateKey
	acmeEd     ed25519.PrivateKey
	globexRSA  *rsa.PrivateKey
	globexPEM  string
	acmeRSAPEM string
}

// fixture is a verifier over the test tenants backed by a real SQLite
// store, with a fixed clock.
type fixture struct {
	keys
	registry *tenant.Registry
	db       *sqlite.DB
	dbPath   string
	now      time.Time
	verifier *session.ContextVerifier
}

func newKeys(t testing.TB) keys {
	t.Helper()
	var k keys
	var err error
	if k.acmeRSA, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		t.Fatalf("generate RSA key: %v", err)
	}
	if k.globexRSA, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		t.Fatalf("generate RSA key: %v", err)
	}
	if _, k.acmeEd, err = ed25519.GenerateKey(rand.Reader); err != nil {
		t.Fatalf("generate Ed25519 key: %v", err)
	}
	k.acmeRSAPEM = publicPEM(t, &k.acmeRSA.PublicKey)
	k.globexPEM = publicPEM(t, &k.globexRSA.PublicKey)
	return k
}

func publicPEM(t testing.TB, pub any) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatalf("marshal public key: %v", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

func testTenant(id, issuer string, keys ...tenant.ContextKey) tenant.Tenant {
	return tenant.Tenant{
		ID:             id,
		LinkedIn:       tenant.LinkedInApp{ClientID: id + "-client", ClientSecret: id + "-client-secret"},
		CRM:            tenant.CRM{Partner: "MS", InstanceID: id + ".crm.dynamics.com", SourceType: "MSD", Type: "DYNAMICS"},
		AllowedOrigins: []string{"https://" + id + ".example"},
		Context:        tenant.ContextPolicy{Issuer: issuer, Keys: keys},
	}
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	k := newKeys(t)
	reg, err := tenant.NewRegistry([]tenant.Tenant{
		testTenant("acme", acmeIssuer,
			tenant.ContextKey{ID: "hs-1", Alg: "HS256", Secret: acmeSecret1},
			tenant.ContextKey{ID: "hs-2", Alg: "HS256", Secret: acmeSecret2},
			tenant.ContextKey{ID: "rsa-1", Alg: "RS256", PublicKey: k.acmeRSAPEM},
			tenant.ContextKey{ID: "ed-1", Alg: "EdDSA", PublicKey: publicPEM(t, k.acmeEd.Public())},
		),
		testTenant("globex", globexIssuer, tenant.ContextKey{ID: "rsa-1", Alg: "RS256", PublicKey: k.globexPEM}),
		testTenant("initech", initechIssuer, tenant.ContextKey{ID: "hs-1", Alg: "HS256", Secret: initechSecret}),
	})
	if err != nil {
		t.Fatalf("NewRegistry: %v", err)
	}
	f := &fixture{keys: k, registry: reg, dbPath: filepath.Join(t.TempDir(), "snapbridge.db")}
	// The store judges expiry by the wall clock, so the fixed clock starts
	// from it.
	f.now = time.Now().Truncate(time.Second)
	f.open(t)
	return f
}

// open (re)opens the database and builds a verifier on it, as a server
// start would.
func (f *fixture) open(t testing.TB) {
	t.Helper()
	db, err := sqlite.Open(f.dbPath)
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	f.db = db
	f.verifier = session.NewContextVerifier(f.registry, db, func() time.Time { return f.now })
}

func (f *fixture) tenant(t testing.TB, id string) *tenant.Tenant {
	t.Helper()
	tn, ok := f.registry.Get(id)
	if !ok {
		t.Fatalf("no tenant %s", id)
	}
	return tn
}

// claims returns the payload of a valid acme context issued at f.now.
func (f *fixture) claims() jwt.MapClaims {
	return jwt.MapClaims{
		"iss": acmeIssuer,
		"aud": "snapbridge",
		"iat": f.now.Unix(),
		"exp": f.now.Add(5 * time.Minute).Unix(),
		"jti": rand.Text(),
		"viewer": map[string]any{
			"id": "crm-user-7", "name": "Dana Seller", "email": "dana@acme.example",
		},
		"records": []any{
			map[string]any{"id": "lead-1", "type": "lead", "firstName": "Ada", "lastName": "Lovelace",
				"email": "ada@example.com", "company": "Analytical Engines", "title": "CTO"},
		},
	}
}

// sign signs claims with method and key, setting kid when not empty.
func sign(t testing.TB, method jwt.SigningMethod, key any, kid string, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatalf("sign test token: %v", err)
	}
	return s
}

func records(n int, size int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = map[string]any{"id": "rec-" + strconv.Itoa(i), "type": "contact",
			"firstName": strings.Repeat("f", size), "lastName": strings.Repeat("l", size),
			"company": strings.Repeat("c", size), "title": strings.Repeat("t", size)}
	}
	return out
}

func viewer() wire.Viewer { return wire.Viewer{ID: "crm-user-7", Name: "Dana Seller"} }
