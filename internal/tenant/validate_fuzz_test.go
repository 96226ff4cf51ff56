package tenant

import (
	"encoding/json"
	"reflect"
	"testing"
)

// storedSecrets mirrors what the admin service seals beside a tenant's
// JSON configuration: every secret that configuration leaves out.
type storedSecrets struct {
	ClientSecret   string            `json:"clientSecret"`
	ContextSecrets map[string]string `json:"contextSecrets,omitempty"`
}

// storeRoundTrip writes t as the database does (configuration JSON plus
// sealed secrets JSON) and reads it back.
func storeRoundTrip(t *testing.T, in Tenant) Tenant {
	t.Helper()
	cfg, err := json.Marshal(in)
	if err != nil {
		t.Fatalf("encode accepted tenant: %v", err)
	}
	sec := storedSecrets{ClientSecret: in.LinkedIn.ClientSecret, ContextSecrets: map[string]string{}}
	for _, k := range in.Context.Keys {
		if k.Secret != "" {
			sec.ContextSecrets[k.ID] = k.Secret
		}
	}
	plain, err := json.Marshal(sec)
	if err != nil {
		t.Fatalf("encode secrets: %v", err)
	}
	var out Tenant
	if err := json.Unmarshal(cfg, &out); err != nil {
		t.Fatalf("decode %s: %v", cfg, err)
	}
	var back storedSecrets
	if err := json.Unmarshal(plain, &back); err != nil {
		t.Fatalf("decode secrets: %v", err)
	}
	out.LinkedIn.ClientSecret = back.ClientSecret
	for i, k := range out.Context.Keys {
		out.Context.Keys[i].Secret = back.ContextSecrets[k.ID]
	}
	return out
}

// withoutSecrets is t fit for a test failure message.
func withoutSecrets(t Tenant) Tenant {
	c := t.Clone()
	c.LinkedIn.ClientSecret = "[redacted]"
	for i := range c.Context.Keys {
		c.Context.Keys[i].Secret = "[redacted]"
	}
	return c
}

// FuzzValidateRoundTrip changes a valid tenant by fuzzed configuration
// JSON and secrets. Every tenant Validate accepts must come back from the
// database exactly as it was and be accepted again: a tenant that passes
// at creation but changes or fails after a restart would lock its CRM out.
func FuzzValidateRoundTrip(f *testing.F) {
	const hsSecret = "0123456789abcdef0123456789abcdef"
	f.Add([]byte(`{}`), "s3cret", hsSecret)
	f.Add([]byte(`{"id":"contoso","name":"Contoso Ltd.","allowedOrigins":["https://contoso.crm4.dynamics.com","http://localhost:8080"]}`), "s3cret", hsSecret)
	f.Add([]byte(`{"crm":{"partner":"SFDC","instanceId":"00D5e000000abcd","sourceType":"SFDC","type":"SFDC"},"display":{"inlineMode":false,"width":400,"height":600}}`), "s3cret", hsSecret)
	f.Add([]byte(`{"context":{"issuer":"https://crm.example","audience":"snapbridge-eu","maxLifetime":120000000000,"keys":[{"id":"k1","alg":"HS256"},{"id":"k2","alg":"HS256"}]}}`), "s3cret", hsSecret)
	f.Add([]byte(`{"cache":{"matched":3600000000000,"noMatch":0},"dailyLookupBudget":-1,"accentColor":"#ABCDEF"}`), "s3cret", hsSecret)
	f.Add([]byte(`{"name":"Ünïcödé \u0000"}`), "\xff\xfe", hsSecret)
	f.Fuzz(func(t *testing.T, config []byte, clientSecret, keySecret string) {
		in := validTenant()
		if err := json.Unmarshal(config, &in); err != nil {
			return
		}
		in.LinkedIn.ClientSecret = clientSecret
		for i := range in.Context.Keys {
			if in.Context.Keys[i].Alg == "HS256" {
				in.Context.Keys[i].Secret = keySecret
			}
		}
		in.ApplyDefaults()
		if in.Validate() != nil {
			return
		}
		back := storeRoundTrip(t, in)
		back.ApplyDefaults()
		if err := back.Validate(); err != nil {
			t.Fatalf("accepted tenant is refused after the store's round trip: %v", err)
		}
		if back.LinkedIn.ClientSecret != in.LinkedIn.ClientSecret {
			t.Fatalf("the store's round trip changed the client secret")
		}
		for i := range in.Context.Keys {
			if back.Context.Keys[i].Secret != in.Context.Keys[i].Secret {
				t.Fatalf("the store's round trip changed the secret of context key %d", i)
			}
		}
		if !reflect.DeepEqual(back, in) {
			t.Fatalf("the store's round trip changed an accepted tenant:\n  was %+v\n  now %+v", withoutSecrets(in), withoutSecrets(back))
		}
		if _, err := NewRegistry([]Tenant{back}); err != nil {
			t.Fatalf("the registry refuses an accepted tenant: %v", err)
		}
	})
}
