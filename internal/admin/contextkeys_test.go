package admin

import (
	"errors"
	"strings"
	"testing"

	"github.com/snapbridge/snapbridge/internal/sandbox"
	"github.com/snapbridge/snapbridge/internal/tenant"
)

// A CRM rotates its signing key without downtime: at most two keys are
// active, the last one stays, and every change is audited.
func TestContextKeyRotation(t *testing.T) {
	second := KeySpec{ID: "k2", Alg: "HS256", Secret: strings.Repeat("n", 40)}
	for _, tc := range []struct {
		scenario string
		act      func(f *fixture) error
		wantErr  error
		field    string
		wantKeys string
	}{
		{"a second key is added next to the first", func(f *fixture) error {
			_, err := f.svc.AddContextKey(t.Context(), "operator", "demo", second)
			return err
		}, nil, "", "demo-1,k2"},
		{"a third key is refused", func(f *fixture) error {
			if _, err := f.svc.AddContextKey(t.Context(), "operator", "demo", second); err != nil {
				return err
			}
			_, err := f.svc.AddContextKey(t.Context(), "operator", "demo", KeySpec{ID: "k3", Alg: "HS256", Secret: strings.Repeat("t", 40)})
			return err
		}, ErrContextKeyLimit, "", "demo-1,k2"},
		{"the old key is removed after the switch", func(f *fixture) error {
			if _, err := f.svc.AddContextKey(t.Context(), "operator", "demo", second); err != nil {
				return err
			}
			_, err := f.svc.RemoveContextKey(t.Context(), "operator", "demo", sandbox.DemoContextKeyID)
			return err
		}, nil, "", "k2"},
		{"the last key cannot be removed", func(f *fixture) error {
			_, err := f.svc.RemoveContextKey(t.Context(), "operator", "demo", sandbox.DemoContextKeyID)
			return err
		}, ErrLastContextKey, "", "demo-1"},
		{"an unknown key id", func(f *fixture) error {
			_, err := f.svc.RemoveContextKey(t.Context(), "operator", "demo", "nope")
			return err
		}, ErrContextKeyNotFound, "", "demo-1"},
		{"a weak secret names the key's field", func(f *fixture) error {
			_, err := f.svc.AddContextKey(t.Context(), "operator", "demo", KeySpec{ID: "k2", Alg: "HS256", Secret: "short"})
			return err
		}, nil, "context.keys[1]", "demo-1"},
		{"a reused key id", func(f *fixture) error {
			_, err := f.svc.AddContextKey(t.Context(), "operator", "demo", KeySpec{ID: sandbox.DemoContextKeyID, Alg: "HS256", Secret: second.Secret})
			return err
		}, nil, "context.keys[1].id", "demo-1"},
		{"an unknown tenant", func(f *fixture) error {
			_, err := f.svc.AddContextKey(t.Context(), "operator", "ghost", second)
			return err
		}, tenant.ErrUnknown, "", "demo-1"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			f := newFixture(t)
			err := tc.act(f)
			var fe *tenant.FieldError
			switch {
			case tc.field != "":
				if !errors.As(err, &fe) || fe.Field != tc.field {
					t.Fatalf("err = %v, want a field error on %s", err, tc.field)
				}
			case !errors.Is(err, tc.wantErr):
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			cur, _ := f.svc.Tenant("demo")
			if got := strings.Join(contextKeyIDs(cur), ","); got != tc.wantKeys {
				t.Errorf("keys = %s, want %s", got, tc.wantKeys)
			}
			stored, err := f.start(t).Tenant("demo")
			if err != nil || strings.Join(contextKeyIDs(stored), ",") != tc.wantKeys {
				t.Errorf("after a restart keys = %v (%v), want %s", contextKeyIDs(stored), err, tc.wantKeys)
			}
			entries, _ := f.svc.Audit(t.Context(), "demo", 10)
			for _, e := range entries {
				if strings.Contains(e.Detail, second.Secret) {
					t.Errorf("audit %q carries the key's secret", e.Detail)
				}
			}
		})
	}
}
