package hostctx_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/hostctx"
	"github.com/snapbridge/snapbridge/internal/session"
	"github.com/snapbridge/snapbridge/internal/store/sqlite"
	"github.com/snapbridge/snapbridge/internal/tenant"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// The tenant's org and Connected App, as its admin configured them: the
// org id in its 18-character form, two consumer secrets (a rotation).
const (
	orgID15      = "00DA0000000AbCd"
	orgID18      = "00DA0000000AbCdMAK"
	secretActive = "7d4e1c0a9f3b2e6d5c8a1b4f7e0d3c6b9a2f5e8d1c4b7a0f3e6d9c2b5a8f1e4d"
	secretNext   = "1f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c5b6a7988"
	userID15     = "005A0000001xYzQ"
)

// canvasSign builds a signed request the way Salesforce documents it,
// written here independently of the adapter: base64 of the JSON context,
// then base64 of HMAC-SHA256 over that encoded text with the consumer
// secret, joined by the first '.'.
func canvasSign(secret string, context []byte) string {
	encoded := base64.StdEncoding.EncodeToString(context)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(encoded))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil)) + "." + encoded
}

type fixture struct {
	adapter  hostctx.Adapter
	handoffs *hostctx.Handoffs
	tenant   *tenant.Tenant
	db       *sqlite.DB
	raw      *sql.DB
	now      time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	reg, err := tenant.NewRegistry([]tenant.Tenant{{
		ID:       "acme",
		LinkedIn: tenant.LinkedInApp{ClientID: "acme-client", ClientSecret: "acme-client-secret"},
		CRM:      tenant.CRM{Partner: "SFDC", InstanceID: orgID18, SourceType: "SFDC", Type: "SFDC"},
		Context: tenant.ContextPolicy{Issuer: "https://acme.example", Keys: []tenant.ContextKey{
			{ID: "k1", Alg: "HS256", Secret: strings.Repeat("k", 32)}}},
		Host: tenant.HostPolicy{Kind: tenant.HostSalesforce, Salesforce: &tenant.SalesforceHost{
			OrgID: orgID18, MyDomain: "acme.my.salesforce.com", ConsumerSecrets: []string{secretActive, secretNext}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "canvas.db")
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
	f := &fixture{db: db, raw: raw, now: time.Now().Truncate(time.Second)}
	f.tenant, _ = reg.Get("acme")
	clock := func() time.Time { return f.now }
	keeper := session.NewContextKeeper(db, db, clock)
	if f.adapter, err = hostctx.New(tenant.HostSalesforce, hostctx.Deps{Keeper: keeper, Now: clock}); err != nil {
		t.Fatal(err)
	}
	f.handoffs = hostctx.NewHandoffs(db, keeper, clock)
	return f
}

// context returns a CanvasRequest as Salesforce posts it for a Contact
// page whose Visualforce canvas component names the documented
// entityFields (FirstName, LastName, Email, Title, Account.Name).
func (f *fixture) context() map[string]any {
	return map[string]any{
		"algorithm": "HMACSHA256",
		"issuedAt":  f.now.Add(-10 * time.Second).Unix(),
		"userId":    userID15,
		"client": map[string]any{
			"instanceId":   "06Px000000003ed:canvasapp",
			"targetOrigin": "https://acme--c.vf.force.com",
			"instanceUrl":  "https://acme.my.salesforce.com",
			"oauthToken":   "00DA0000000AbCd!AQ4AQ.not-a-real-token",
		},
		"context": map[string]any{
			"user": map[string]any{"userId": userID15, "fullName": "Sean Forbes", "email": "sean@acme.example",
				"firstName": "Sean", "lastName": "Forbes"},
			"organization": map[string]any{"organizationId": orgID15, "name": "Acme"},
			"environment": map[string]any{
				"displayLocation": "Visualforce",
				"record": map[string]any{
					"attributes": map[string]any{"type": "Contact", "url": "/services/data/v60.0/sobjects/Contact/003A0000001abcd"},
					"Id":         "003A0000001abcd",
					"FirstName":  "Katherine", "LastName": "Lindqvist", "Email": "katherine.lindqvist@fabrikam.com",
					"Title": "VP of Procurement", "Account": map[string]any{"Name": "Fabrikam"},
				},
			},
		},
	}
}

func encode(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// post is Salesforce's POST of the canvas app URL.
func post(form url.Values) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/w/acme/canvas", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

func signed(sr string) url.Values { return url.Values{"signed_request": {sr}} }

// kept counts what the store holds of launches: remembered contexts and
// one-time handles.
func (f *fixture) kept(t *testing.T) (contexts, handles int) {
	t.Helper()
	if err := f.raw.QueryRow(`SELECT COUNT(*) FROM used_jtis`).Scan(&contexts); err != nil {
		t.Fatal(err)
	}
	if err := f.raw.QueryRow(`SELECT COUNT(*) FROM oauth_states`).Scan(&handles); err != nil {
		t.Fatal(err)
	}
	return contexts, handles
}

// A Salesforce page opens the widget: the signed request becomes the
// viewer and record of a widget session, through a one-time handle, in
// any of the forms Salesforce writes ids in.
func TestCanvasSignedRequestOpensTheRecord(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		scenario string
		edit     func(c map[string]any)
		secret   string
		want     wire.Record
	}{
		{"a contact with Account.Name", func(map[string]any) {}, secretActive,
			wire.Record{ID: "003A0000001abcdIAA", Type: "contact", FirstName: "Katherine", LastName: "Lindqvist",
				Email: "katherine.lindqvist@fabrikam.com", Title: "VP of Procurement", Company: "Fabrikam"}},
		{"signed with the second secret during a rotation", func(c map[string]any) {
			c["issuedAt"] = f.now.Add(-20 * time.Second).Unix()
		}, secretNext, wire.Record{ID: "003A0000001abcdIAA", Type: "contact", FirstName: "Katherine", LastName: "Lindqvist",
			Email: "katherine.lindqvist@fabrikam.com", Title: "VP of Procurement", Company: "Fabrikam"}},
		{"a lead with Company, org id in 18 characters, issuedAt in milliseconds", func(c map[string]any) {
			c["issuedAt"] = f.now.Add(-5 * time.Second).UnixMilli()
			ctx := c["context"].(map[string]any)
			ctx["organization"] = map[string]any{"organizationId": strings.ToLower(orgID18)}
			ctx["environment"] = map[string]any{"record": map[string]any{
				"attributes": map[string]any{"type": "Lead"}, "Id": "00QA0000002efgh",
				"FirstName": "Daniel", "LastName": "Kowalski", "Company": "Tailspin Toys", "Email": nil, "Title": nil}}
		}, secretActive, wire.Record{ID: "00QA0000002efghMAA", Type: "lead", FirstName: "Daniel", LastName: "Kowalski", Company: "Tailspin Toys"}},
		{"an account by its Name", func(c map[string]any) {
			c["issuedAt"] = f.now.Add(-6 * time.Second).Unix()
			c["context"].(map[string]any)["environment"] = map[string]any{"record": map[string]any{
				"attributes": map[string]any{"type": "Account"}, "Id": "001A0000006Vm9r", "Name": "Fabrikam"}}
		}, secretActive, wire.Record{ID: "001A0000006Vm9rIAC", Type: "account", Company: "Fabrikam"}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			c := f.context()
			tc.edit(c)
			l, err := f.adapter.Launch(t.Context(), f.tenant, post(signed(canvasSign(tc.secret, encode(t, c)))))
			if err != nil {
				t.Fatal(err)
			}
			handle, err := f.handoffs.Put(t.Context(), l)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(handle, ".") || len(handle) > 64 {
				t.Fatalf("handle %q", handle)
			}
			got, err := f.handoffs.Take(t.Context(), f.tenant, handle)
			if err != nil {
				t.Fatal(err)
			}
			hc := got.Context
			if hc.Viewer != (wire.Viewer{ID: "005A0000001xYzQIAU", Name: "Sean Forbes", Email: "sean@acme.example"}) {
				t.Fatalf("viewer %+v", hc.Viewer)
			}
			if len(hc.Records) != 1 || hc.Records[0] != tc.want {
				t.Fatalf("records %+v, want %+v", hc.Records, tc.want)
			}
			if got.Frame == nil || *got.Frame != (wire.HostFrame{Kind: wire.FrameSalesforce,
				TargetOrigin: "https://acme--c.vf.force.com", InstanceID: "06Px000000003ed:canvasapp"}) {
				t.Fatalf("frame %+v", got.Frame)
			}
			if _, err := f.handoffs.Take(t.Context(), f.tenant, handle); err == nil {
				t.Fatal("a handle was redeemed twice")
			}
		})
	}
}

// Every hostile or broken signed request is refused with a code that says
// what is wrong, and leaves nothing in the store.
func TestCanvasHostileSignedRequestsAreRefused(t *testing.T) {
	f := newFixture(t)
	type body = func(t *testing.T) url.Values
	sign := func(edit func(c map[string]any)) body {
		return func(t *testing.T) url.Values {
			c := f.context()
			edit(c)
			return signed(canvasSign(secretActive, encode(t, c)))
		}
	}
	record := func(r map[string]any) func(c map[string]any) {
		return func(c map[string]any) { c["context"].(map[string]any)["environment"] = map[string]any{"record": r} }
	}
	for _, tc := range []struct {
		scenario string
		body     body
		ct       string
		code     string
	}{
		{"signed with another app's secret", func(t *testing.T) url.Values {
			return signed(canvasSign(strings.Repeat("0", 64), encode(t, f.context())))
		}, "", session.CodeContextInvalid},
		{"signature over the decoded JSON instead of its encoding", func(t *testing.T) url.Values {
			js := encode(t, f.context())
			mac := hmac.New(sha256.New, []byte(secretActive))
			mac.Write(js)
			return signed(base64.StdEncoding.EncodeToString(mac.Sum(nil)) + "." + base64.StdEncoding.EncodeToString(js))
		}, "", session.CodeContextInvalid},
		{"signature over the URL-safe encoding, standard encoding sent", func(t *testing.T) url.Values {
			c := f.context()
			c["context"].(map[string]any)["user"].(map[string]any)["fullName"] = "Sé?n>>Forbes???" // differs in both alphabets
			js := encode(t, c)
			mac := hmac.New(sha256.New, []byte(secretActive))
			mac.Write([]byte(base64.URLEncoding.EncodeToString(js)))
			return signed(base64.StdEncoding.EncodeToString(mac.Sum(nil)) + "." + base64.StdEncoding.EncodeToString(js))
		}, "", session.CodeContextInvalid},
		{"context altered after signing", func(t *testing.T) url.Values {
			sig, _, _ := strings.Cut(canvasSign(secretActive, encode(t, f.context())), ".")
			c := f.context()
			c["context"].(map[string]any)["organization"] = map[string]any{"organizationId": "00DB0000000XyZw"}
			return signed(sig + "." + base64.StdEncoding.EncodeToString(encode(t, c)))
		}, "", session.CodeContextInvalid},
		{"a second part after the first dot is signed into the context", func(t *testing.T) url.Values {
			enc := base64.StdEncoding.EncodeToString(encode(t, f.context())) + ".extra"
			mac := hmac.New(sha256.New, []byte(secretActive))
			mac.Write([]byte(enc))
			return signed(base64.StdEncoding.EncodeToString(mac.Sum(nil)) + "." + enc)
		}, "", session.CodeContextInvalid},
		{"no dot at all", func(*testing.T) url.Values { return signed("bm90IGEgc2lnbmVkIHJlcXVlc3Q=") }, "", session.CodeContextInvalid},
		{"signature not base64", func(t *testing.T) url.Values {
			_, enc, _ := strings.Cut(canvasSign(secretActive, encode(t, f.context())), ".")
			return signed("!!!." + enc)
		}, "", session.CodeContextInvalid},
		{"another org", sign(func(c map[string]any) {
			c["context"].(map[string]any)["organization"] = map[string]any{"organizationId": "00DB0000000XyZw"}
		}), "", session.CodeContextInvalid},
		{"the org id in another case (15 characters are case-sensitive)", sign(func(c map[string]any) {
			c["context"].(map[string]any)["organization"] = map[string]any{"organizationId": strings.ToLower(orgID15)}
		}), "", session.CodeContextInvalid},
		{"no org", sign(func(c map[string]any) { delete(c["context"].(map[string]any), "organization") }), "", session.CodeContextInvalid},
		{"older than the freshness window", sign(func(c map[string]any) {
			c["issuedAt"] = f.now.Add(-hostctx.CanvasFreshness - time.Minute).Unix()
		}), "", session.CodeContextExpired},
		{"issued in the future", sign(func(c map[string]any) { c["issuedAt"] = f.now.Add(10 * time.Minute).Unix() }), "", session.CodeContextInvalid},
		{"issuedAt as text", sign(func(c map[string]any) { c["issuedAt"] = "1700000000" }), "", session.CodeContextInvalid},
		{"algorithm HMACSHA1", sign(func(c map[string]any) { c["algorithm"] = "HMACSHA1" }), "", session.CodeContextInvalid},
		{"algorithm none", sign(func(c map[string]any) { c["algorithm"] = "none" }), "", session.CodeContextInvalid},
		{"algorithm missing", sign(func(c map[string]any) { delete(c, "algorithm") }), "", session.CodeContextInvalid},
		{"malformed JSON, correctly signed", func(*testing.T) url.Values {
			return signed(canvasSign(secretActive, []byte(`{"algorithm":"HMACSHA256","context":{`)))
		}, "", session.CodeContextInvalid},
		{"two JSON values, correctly signed", func(t *testing.T) url.Values {
			return signed(canvasSign(secretActive, append(encode(t, f.context()), []byte(` {}`)...)))
		}, "", session.CodeContextInvalid},
		{"a JSON array, correctly signed", func(*testing.T) url.Values {
			return signed(canvasSign(secretActive, []byte(`["HMACSHA256"]`)))
		}, "", session.CodeContextInvalid},
		{"no record (not on a record page)", sign(func(c map[string]any) {
			c["context"].(map[string]any)["environment"] = map[string]any{"displayLocation": "ChatterFeed"}
		}), "", session.CodeContextInvalid},
		{"an empty record", sign(record(map[string]any{})), "", session.CodeContextInvalid},
		{"an Opportunity", sign(record(map[string]any{"attributes": map[string]any{"type": "Opportunity"}, "Id": "006A0000001abcd"})), "", session.CodeContextInvalid},
		{"a record id that is not a Salesforce id", sign(record(map[string]any{"attributes": map[string]any{"type": "Contact"}, "Id": "../../admin"})), "", session.CodeContextInvalid},
		{"a record field that is a number", sign(record(map[string]any{"attributes": map[string]any{"type": "Contact"}, "Id": "003A0000001abcd", "Email": 42})), "", session.CodeContextInvalid},
		{"a title of 10,000 characters", sign(record(map[string]any{"attributes": map[string]any{"type": "Contact"}, "Id": "003A0000001abcd",
			"Title": strings.Repeat("t", 10_000)})), "", session.CodeContextInvalid},
		{"no user", sign(func(c map[string]any) { delete(c["context"].(map[string]any), "user") }), "", session.CodeContextInvalid},
		{"userId and context.user disagree", sign(func(c map[string]any) { c["userId"] = "005A0000009zzzz" }), "", session.CodeContextInvalid},
		{"oversized", func(t *testing.T) url.Values {
			c := f.context()
			c["padding"] = strings.Repeat("p", hostctx.MaxSignedRequestBytes)
			return signed(canvasSign(secretActive, encode(t, c)))
		}, "", session.CodeContextTooLarge},
		{"no signed_request", func(*testing.T) url.Values { return url.Values{"ctx": {"x"}} }, "", session.CodeContextInvalid},
		{"signed_request twice", func(t *testing.T) url.Values {
			sr := canvasSign(secretActive, encode(t, f.context()))
			return url.Values{"signed_request": {sr, sr}}
		}, "", session.CodeContextInvalid},
		{"sent as JSON", sign(func(map[string]any) {}), "application/json", session.CodeContextInvalid},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			r := post(tc.body(t))
			if tc.ct != "" {
				r.Header.Set("Content-Type", tc.ct)
			}
			_, err := f.adapter.Launch(t.Context(), f.tenant, r)
			var se *session.Error
			if !errors.As(err, &se) || se.Code != tc.code {
				t.Fatalf("got %v, want %s", err, tc.code)
			}
			if strings.Contains(se.Message, secretActive) || strings.Contains(se.Message, "not-a-real-token") {
				t.Fatalf("the message repeats a secret: %s", se.Message)
			}
			if c, h := f.kept(t); c != 0 || h != 0 {
				t.Fatalf("a refused request left %d contexts and %d handles", c, h)
			}
		})
	}
}

// A signed request is accepted once: the same POST again, replayed by
// anyone who saw it, is refused.
func TestCanvasSignedRequestIsAcceptedOnce(t *testing.T) {
	f := newFixture(t)
	sr := canvasSign(secretActive, encode(t, f.context()))
	if _, err := f.adapter.Launch(t.Context(), f.tenant, post(signed(sr))); err != nil {
		t.Fatal(err)
	}
	_, err := f.adapter.Launch(t.Context(), f.tenant, post(signed(sr)))
	var se *session.Error
	if !errors.As(err, &se) || se.Code != session.CodeContextReplayed {
		t.Fatalf("replay: %v", err)
	}
	// The same context signed with the second secret is the same request.
	if _, err := f.adapter.Launch(t.Context(), f.tenant, post(signed(canvasSign(secretNext, encode(t, f.context()))))); !errors.As(err, &se) || se.Code != session.CodeContextReplayed {
		t.Fatalf("replay under the other secret: %v", err)
	}
	if c, _ := f.kept(t); c != 1 {
		t.Fatalf("%d contexts kept, want 1", c)
	}
}

// Salesforce documents issuedAt as "for internal use only" and its own
// example request sends null. Such a request has no time and no nonce, and
// Salesforce may sign the same bytes again when the seller reloads the
// record page: it opens the widget again (each time a context of its own)
// for CanvasReplayWindow after its first sighting, and is refused after.
func TestCanvasSignedRequestWithoutIssuedAtOpensAgainUntilItsWindowEnds(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		edit     func(c map[string]any)
	}{
		{"issuedAt null, as in Salesforce's example", func(c map[string]any) { c["issuedAt"] = nil }},
		{"no issuedAt", func(c map[string]any) { delete(c, "issuedAt") }},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			f := newFixture(t)
			c := f.context()
			tc.edit(c)
			sr := canvasSign(secretActive, encode(t, c))
			first, err := f.adapter.Launch(t.Context(), f.tenant, post(signed(sr)))
			if err != nil {
				t.Fatalf("first launch: %v", err)
			}
			f.now = f.now.Add(hostctx.CanvasReplayWindow - time.Minute)
			reload, err := f.adapter.Launch(t.Context(), f.tenant, post(signed(sr)))
			if err != nil {
				t.Fatalf("the same request, a reload %s later: %v", hostctx.CanvasReplayWindow-time.Minute, err)
			}
			if reload.Context.ID == first.Context.ID {
				t.Fatalf("both launches kept context %s: each must keep its own", first.Context.ID)
			}
			if reload.Context.Viewer.ID != first.Context.Viewer.ID || reload.Context.Records[0].ID != first.Context.Records[0].ID {
				t.Fatalf("the reload opened %+v, the first launch %+v", reload.Context, first.Context)
			}
			f.now = f.now.Add(2 * time.Minute)
			_, err = f.adapter.Launch(t.Context(), f.tenant, post(signed(sr)))
			var se *session.Error
			if !errors.As(err, &se) || se.Code != session.CodeContextExpired {
				t.Fatalf("the same request past its window: %v, want %s", err, session.CodeContextExpired)
			}
			// Another request (another record) is sighted afresh.
			other := f.context()
			tc.edit(other)
			other["context"].(map[string]any)["environment"].(map[string]any)["record"].(map[string]any)["Id"] = "003x000000AbCdEAAZ"
			if _, err := f.adapter.Launch(t.Context(), f.tenant, post(signed(canvasSign(secretActive, encode(t, other))))); err != nil {
				t.Fatalf("another request: %v", err)
			}
		})
	}
}

// A tenant whose host is the JWT context does not accept Canvas requests.
func TestCanvasNeedsASalesforceTenant(t *testing.T) {
	f := newFixture(t)
	adapters := hostctx.NewAdapters(hostctx.Deps{Keeper: session.NewContextKeeper(f.db, f.db, nil)})
	if _, err := adapters.For(f.tenant, tenant.HostSalesforce); err != nil {
		t.Fatal(err)
	}
	jwt := f.tenant.Clone()
	jwt.Host = tenant.HostPolicy{Kind: tenant.HostJWT}
	if _, err := adapters.For(&jwt, tenant.HostSalesforce); !errors.Is(err, hostctx.ErrNotConfigured) {
		t.Fatalf("got %v", err)
	}
}
