package hostctx_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/hostctx"
	"github.com/snapbridge/snapbridge/internal/session"
	"github.com/snapbridge/snapbridge/internal/store/sqlite"
	"github.com/snapbridge/snapbridge/internal/tenant"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// HubSpot's published example (its client libraries' v3 test vector):
// this secret, method, URI, body and timestamp sign to hubSpotExampleSig.
const (
	hubSpotExampleSecret = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy"
	hubSpotExampleBody   = "{'example_field':'example_value'}"
	hubSpotExampleStamp  = "15000000"
	hubSpotExampleSig    = "HPW73RUtKmcYoEDADG0s6MmGFWUzWJKAW07r8RDgcQw="
	hubSpotSecretNext    = "0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"
)

// hubSpotSign signs as HubSpot documents v3, written here apart from the
// adapter: base64(HMAC-SHA256(secret, method + uri + body + timestamp)),
// uri being the full https URL HubSpot called with its escapes decoded.
func hubSpotSign(secret, method, uri, body, stamp string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(method + uri + body + stamp))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

type hubSpotFixture struct {
	adapter  hostctx.Adapter
	handoffs *hostctx.Handoffs
	tenant   *tenant.Tenant
	raw      *sql.DB
	now      time.Time
}

func newHubSpotFixture(t *testing.T, publicURL string) *hubSpotFixture {
	t.Helper()
	reg, err := tenant.NewRegistry([]tenant.Tenant{{
		ID:       "hub",
		LinkedIn: tenant.LinkedInApp{ClientID: "hub-client", ClientSecret: "hub-client-secret"},
		CRM:      tenant.CRM{Partner: "HUBSPOT", InstanceID: "62515", SourceType: "HUBSPOT", Type: "HUBSPOT"},
		Context: tenant.ContextPolicy{Issuer: "https://hub.example", Keys: []tenant.ContextKey{
			{ID: "k1", Alg: "HS256", Secret: strings.Repeat("k", 32)}}},
		Host: tenant.HostPolicy{Kind: tenant.HostHubSpot, HubSpot: &tenant.HubSpotHost{
			PortalID: "62515", ClientSecrets: []string{hubSpotExampleSecret, hubSpotSecretNext}, PublicURL: publicURL}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "hubspot.db")
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	f := &hubSpotFixture{raw: raw, now: time.Now().Truncate(time.Millisecond)}
	f.tenant, _ = reg.Get("hub")
	clock := func() time.Time { return f.now }
	keeper := session.NewContextKeeper(db, db, clock)
	if f.adapter, err = hostctx.New(tenant.HostHubSpot, hostctx.Deps{Keeper: keeper, Now: clock,
		PublicURL: "https://snapbridge.internal.example"}); err != nil {
		t.Fatal(err)
	}
	f.handoffs = hostctx.NewHandoffs(db, keeper, clock)
	return f
}

func hubSpotRequest(target, body, sig, stamp string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, target, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("X-HubSpot-Signature-v3", sig)
	r.Header.Set("X-HubSpot-Request-Timestamp", stamp)
	return r
}

func codeOf(err error) string {
	var se *session.Error
	if errors.As(err, &se) {
		return se.Code
	}
	return ""
}

// HubSpot's own published example passes the signature check (the
// request then fails only on what hubspot.fetch adds: the portal), and
// the same request with one byte changed does not.
func TestHubSpotPublishedSignatureExampleVerifies(t *testing.T) {
	f := newHubSpotFixture(t, "https://www.example.com")
	f.now = time.UnixMilli(15000000).Add(time.Second)
	r := hubSpotRequest("/webhook_uri", hubSpotExampleBody, hubSpotExampleSig, hubSpotExampleStamp)
	_, err := f.adapter.Launch(t.Context(), f.tenant, r)
	if codeOf(err) != session.CodeContextInvalid || !strings.Contains(err.Error(), "portalId is missing") {
		t.Fatalf("the published example did not verify: %v", err)
	}
	r = hubSpotRequest("/webhook_uri", strings.Replace(hubSpotExampleBody, "value", "valuf", 1), hubSpotExampleSig, hubSpotExampleStamp)
	_, err = f.adapter.Launch(t.Context(), f.tenant, r)
	if codeOf(err) != session.CodeContextInvalid || !strings.Contains(err.Error(), "signature does not verify") {
		t.Fatalf("a changed body verified: %v", err)
	}
}

// A card on a contact record opens that contact for the HubSpot user
// hubspot.fetch names, once; the signed URI is the configured public URL
// with the escapes HubSpot decodes decoded, whatever Host the proxy sent.
func TestHubSpotCardOpensTheRecordOnce(t *testing.T) {
	f := newHubSpotFixture(t, "https://cards.acme.example/snapbridge/")
	stamp := strconv.FormatInt(f.now.Add(-2*time.Second).UnixMilli(), 10)
	body := `{"objectType":"CONTACT","objectId":"901","properties":{"firstname":"Katherine","lastname":"Lindqvist",` +
		`"email":"katherine@fabrikam.example","jobtitle":"VP of Procurement","company":"Fabrikam"}}`
	target := "/hubspot/hub/card?userId=7&userEmail=sean%40acme.example&appId=42&portalId=62515"
	sig := hubSpotSign(hubSpotSecretNext, "POST",
		"https://cards.acme.example/snapbridge/hubspot/hub/card?userId=7&userEmail=sean@acme.example&appId=42&portalId=62515", body, stamp)
	r := hubSpotRequest(target, body, sig, stamp)
	r.Host = "10.0.0.7:8080"
	r.Header.Set("X-Forwarded-Host", "evil.example")
	l, err := f.adapter.Launch(t.Context(), f.tenant, r)
	if err != nil {
		t.Fatal(err)
	}
	want := wire.Record{ID: "901", Type: "contact", FirstName: "Katherine", LastName: "Lindqvist",
		Email: "katherine@fabrikam.example", Title: "VP of Procurement", Company: "Fabrikam"}
	if len(l.Context.Records) != 1 || l.Context.Records[0] != want || l.Frame != nil {
		t.Fatalf("records %+v frame %+v", l.Context.Records, l.Frame)
	}
	if l.Context.Viewer != (wire.Viewer{ID: "7", Email: "sean@acme.example"}) {
		t.Fatalf("viewer %+v", l.Context.Viewer)
	}
	handle, err := f.handoffs.Put(t.Context(), l)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := f.handoffs.Take(t.Context(), f.tenant, handle); err != nil || got.Context.Records[0] != want {
		t.Fatalf("take: %v", err)
	}
	_, err = f.adapter.Launch(t.Context(), f.tenant, hubSpotRequest(target, body, sig, stamp))
	if codeOf(err) != session.CodeContextReplayed {
		t.Fatalf("replay: %v", err)
	}
}

// A company record is an account named by the company's name.
func TestHubSpotCompanyCardOpensAnAccount(t *testing.T) {
	f := newHubSpotFixture(t, "")
	stamp := strconv.FormatInt(f.now.UnixMilli(), 10)
	body := `{"objectType":"0-2","objectId":4410,"properties":{"name":"Fabrikam","domain":"fabrikam.example"}}`
	sig := hubSpotSign(hubSpotExampleSecret, "POST", "https://snapbridge.internal.example/hubspot/hub/card?portalId=62515&userId=7", body, stamp)
	l, err := f.adapter.Launch(t.Context(), f.tenant, hubSpotRequest("/hubspot/hub/card?portalId=62515&userId=7", body, sig, stamp))
	if err != nil {
		t.Fatal(err)
	}
	if l.Context.Records[0] != (wire.Record{ID: "4410", Type: "account", Company: "Fabrikam"}) {
		t.Fatalf("record %+v", l.Context.Records[0])
	}
}

// kept counts the contexts the store remembers.
func (f *hubSpotFixture) kept(t *testing.T) int {
	t.Helper()
	var n int
	if err := f.raw.QueryRow(`SELECT COUNT(*) FROM used_jtis`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Every hostile card request is refused with a context_* code naming
// what is wrong, and nothing of it is stored.
func TestHubSpotHostileRequestsAreRefusedAndNothingIsStored(t *testing.T) {
	f := newHubSpotFixture(t, "")
	const uri = "https://snapbridge.internal.example/hubspot/hub/card?"
	const query = "userId=7&portalId=62515"
	body := `{"objectType":"CONTACT","objectId":"901","properties":{"firstname":"Katherine","lastname":"Lindqvist"}}`
	type call struct{ target, body, sig, stamp string }
	at := func(d time.Duration) string { return strconv.FormatInt(f.now.Add(d).UnixMilli(), 10) }
	sign := func(secret, q, b, stamp string) call {
		return call{"/hubspot/hub/card?" + q, b, hubSpotSign(secret, "POST", uri+q, b, stamp), stamp}
	}
	for _, tc := range []struct {
		scenario string
		call     call
		code     string
	}{
		{"bad signature", sign(strings.Repeat("f", 36), query, body, at(0)), session.CodeContextInvalid},
		{"signature not base64", call{"/hubspot/hub/card?" + query, body, "not base64!", at(0)}, session.CodeContextInvalid},
		{"signed for another URL (a proxy's Host)", func() call {
			c := sign(hubSpotExampleSecret, query, body, at(0))
			c.sig = hubSpotSign(hubSpotExampleSecret, "POST", "https://evil.example/hubspot/hub/card?"+query, body, c.stamp)
			return c
		}(), session.CodeContextInvalid},
		{"wrong portal id", sign(hubSpotExampleSecret, "userId=7&portalId=62516", body, at(0)), session.CodeContextInvalid},
		{"portal id given twice", sign(hubSpotExampleSecret, "userId=7&portalId=62515&portalId=1", body, at(0)), session.CodeContextInvalid},
		{"stale timestamp", sign(hubSpotExampleSecret, query, body, at(-hostctx.HubSpotFreshness-time.Millisecond)), session.CodeContextExpired},
		{"future timestamp", sign(hubSpotExampleSecret, query, body, at(time.Minute)), session.CodeContextInvalid},
		{"timestamp not a number", sign(hubSpotExampleSecret, query, body, "x"+at(0)), session.CodeContextInvalid},
		{"oversized body", sign(hubSpotExampleSecret, query, `{"pad":"`+strings.Repeat("A", 17<<10)+`"}`, at(0)), session.CodeContextTooLarge},
		{"malformed JSON", sign(hubSpotExampleSecret, query, `{"objectType":`, at(0)), session.CodeContextInvalid},
		{"a property of the wrong type", sign(hubSpotExampleSecret, query, `{"objectType":"CONTACT","objectId":"9","properties":{"email":7}}`, at(0)), session.CodeContextInvalid},
		{"missing record", sign(hubSpotExampleSecret, query, `{"objectType":"CONTACT"}`, at(0)), session.CodeContextInvalid},
		{"record id not a HubSpot id", sign(hubSpotExampleSecret, query, `{"objectType":"CONTACT","objectId":"9;x"}`, at(0)), session.CodeContextInvalid},
		{"a record type not handled", sign(hubSpotExampleSecret, query, `{"objectType":"DEAL","objectId":"9"}`, at(0)), session.CodeContextInvalid},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			_, err := f.adapter.Launch(t.Context(), f.tenant, hubSpotRequest(tc.call.target, tc.call.body, tc.call.sig, tc.call.stamp))
			if codeOf(err) != tc.code {
				t.Fatalf("got %v, want %s", err, tc.code)
			}
			if strings.Contains(err.Error(), hubSpotExampleSecret) || strings.Contains(err.Error(), tc.call.sig) {
				t.Fatalf("the refusal repeats a secret or the signature: %v", err)
			}
			if n := f.kept(t); n != 0 {
				t.Fatalf("the store keeps %d contexts of refused requests", n)
			}
		})
	}
}
