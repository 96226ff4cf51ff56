package admin

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/tenant"
)

// An API key works from creation until it is revoked; anything else
// presented as one is refused the same way.
func TestAPIKeyAuthentication(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		present  func(key string) string
		before   func(f *fixture, id string)
		wantErr  error
	}{
		{"the key as created", func(k string) string { return k }, nil, nil},
		{"a wrong secret", func(k string) string { return k[:len(k)-2] + "xx" }, nil, ErrAPIKeyInvalid},
		{"a revoked key", func(k string) string { return k }, func(f *fixture, id string) {
			if err := f.svc.RevokeAPIKey(t.Context(), "operator", "demo", id); err != nil {
				t.Fatal(err)
			}
		}, ErrAPIKeyInvalid},
		{"an unknown id", func(k string) string { return "sbk_0000000000000000_" + k[len(k)-43:] }, nil, ErrAPIKeyInvalid},
		{"no secret part", func(k string) string { return strings.Join(strings.Split(k, "_")[:2], "_") + "_" }, nil, ErrAPIKeyInvalid},
		{"not a key at all", func(string) string { return "sbk_" }, nil, ErrAPIKeyInvalid},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			f := newFixture(t)
			created, err := f.svc.CreateAPIKey(t.Context(), "viewer:ada", "demo", " CI pipeline ")
			if err != nil {
				t.Fatal(err)
			}
			if created.Name != "CI pipeline" || !strings.HasPrefix(created.Key, APIKeyPrefix+created.ID+"_") {
				t.Fatalf("created = %+v", created)
			}
			if tc.before != nil {
				tc.before(f, created.ID)
			}
			f.now = f.now.Add(time.Hour)
			got, err := f.svc.AuthenticateAPIKey(t.Context(), tc.present(created.Key))
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			keys, lerr := f.svc.APIKeys(t.Context(), "demo")
			if lerr != nil || len(keys) != 1 {
				t.Fatalf("APIKeys = %+v, %v", keys, lerr)
			}
			if tc.wantErr != nil {
				return
			}
			if got.Tenant != "demo" || got.ID != created.ID {
				t.Errorf("authenticated as %+v", got)
			}
			if keys[0].LastUsedAt == nil || !keys[0].LastUsedAt.Equal(f.now) || !keys[0].Active {
				t.Errorf("listed as %+v, want active and used now", keys[0])
			}
		})
	}
}

// Creating a key needs a name and an existing tenant; the secret is never
// listed nor audited.
func TestCreateAPIKey(t *testing.T) {
	for _, tc := range []struct {
		scenario, tenant, name string
		wantErr                error
		field                  string
	}{
		{"named key", "demo", "Zapier", nil, ""},
		{"blank name", "demo", "  ", nil, "name"},
		{"overlong name", "demo", strings.Repeat("n", MaxAPIKeyName+1), nil, "name"},
		{"unknown tenant", "ghost", "Zapier", tenant.ErrUnknown, ""},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			f := newFixture(t)
			created, err := f.svc.CreateAPIKey(t.Context(), "operator", tc.tenant, tc.name)
			var fe *tenant.FieldError
			switch {
			case tc.field != "":
				if !errors.As(err, &fe) || fe.Field != tc.field {
					t.Fatalf("err = %v, want a field error on %s", err, tc.field)
				}
				return
			case !errors.Is(err, tc.wantErr):
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			case err != nil:
				return
			}
			secret := created.Key[len(APIKeyPrefix+created.ID+"_"):]
			entries, _ := f.svc.Audit(t.Context(), "demo", 10)
			if len(entries) != 1 || entries[0].Action != "api_key.create" || strings.Contains(entries[0].Detail, secret) {
				t.Errorf("audit = %+v", entries)
			}
			row, _ := f.db.APIKey(t.Context(), created.ID)
			if strings.Contains(string(row.SecretHash), secret) {
				t.Error("the secret is stored in clear")
			}
		})
	}
}

func TestOperatorKey(t *testing.T) {
	key := NewOperatorKey("the-operator-key-0123456789abcdef")
	for _, tc := range []struct {
		scenario string
		key      OperatorKey
		raw      string
		want     bool
	}{
		{"the configured key", key, "the-operator-key-0123456789abcdef", true},
		{"a prefix of it", key, "the-operator-key", false},
		{"another key", key, "the-operator-key-0123456789abcdeX", false},
		{"empty", key, "", false},
		{"no operator configured", NewOperatorKey(""), "", false},
		{"no operator, any key", OperatorKey{}, "anything", false},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			if got := tc.key.Matches(tc.raw); got != tc.want {
				t.Errorf("Matches = %v, want %v", got, tc.want)
			}
		})
	}
}
