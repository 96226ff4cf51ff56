package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/snapbridge/snapbridge/internal/admin"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// The operator sends a tenant with several mistakes: the answer names
// every wrong field at once (in form order, one message each, no path in
// the message), so the operator page marks them all in one round; one
// mistake is still the single field it always was, and nothing is stored.
func TestOperatorSeesEveryWrongFieldOfANewTenantAtOnce(t *testing.T) {
	li := startLinkedIn(t, "")
	p := startProduct(t, li, t.TempDir(), "127.0.0.1:0", nil)
	otherIssuer := p.tenant("nosync").Context.Issuer
	for _, tc := range []struct {
		scenario string
		edit     func(s *admin.TenantSpec)
		status   int
		code     string
		want     []wire.FieldProblem
	}{
		{scenario: "an empty form: every required field", status: http.StatusBadRequest, code: "invalid_field",
			edit: func(s *admin.TenantSpec) {
				*s = admin.TenantSpec{Context: admin.ContextSpec{Keys: []admin.KeySpec{{Alg: "HS256"}}}}
			},
			want: []wire.FieldProblem{
				{Field: "id", Code: "invalid_field", Message: "must be 1-63 lower-case letters, digits or '-'"},
				{Field: "linkedin.clientId", Code: "invalid_field", Message: "is required"},
				{Field: "linkedin.clientSecret", Code: "invalid_field", Message: "is required"},
				{Field: "crm.type", Code: "invalid_field", Message: "is required"},
				{Field: "crm.instanceId", Code: "invalid_field", Message: "is required"},
				{Field: "crm.partner", Code: "invalid_field", Message: "is required"},
				{Field: "crm.sourceType", Code: "invalid_field", Message: "is required"},
				{Field: "allowedOrigins", Code: "invalid_field", Message: "needs at least one origin"},
				{Field: "context.issuer", Code: "invalid_field", Message: "is required"},
				{Field: "context.keys[0].id", Code: "invalid_field", Message: "is required"},
				{Field: "context.keys[0]", Code: "invalid_field", Message: "secret: HS256 needs at least 32 bytes"},
			}},
		{scenario: "a taken id, a bad origin and another tenant's issuer", status: http.StatusBadRequest, code: "invalid_field",
			edit: func(s *admin.TenantSpec) {
				s.ID = "demo"
				s.AllowedOrigins = []string{"https://crm.example", "https://crm.example/records"}
				s.Context.Issuer = otherIssuer
			},
			want: []wire.FieldProblem{
				{Field: "id", Code: "tenant_exists", Message: "is used by another tenant"},
				{Field: "allowedOrigins[1]", Code: "invalid_field"},
				{Field: "context.issuer", Code: "invalid_field", Message: `"` + otherIssuer + `" is already the issuer of tenant "nosync"`},
			}},
		{scenario: "one mistake alone", status: http.StatusBadRequest, code: "invalid_field",
			edit: func(s *admin.TenantSpec) { s.LinkedIn.ClientSecret = "" },
			want: []wire.FieldProblem{{Field: "linkedin.clientSecret", Code: "invalid_field", Message: "is required"}}},
		{scenario: "a taken id alone", status: http.StatusConflict, code: "tenant_exists",
			edit: func(s *admin.TenantSpec) { s.ID = "demo" },
			want: []wire.FieldProblem{{Field: "id", Code: "tenant_exists", Message: "is used by another tenant"}}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			q := p.with(t)
			s := q.tenantSpec("fresh", li.opts.ClientSecret)
			tc.edit(&s)
			var e wire.Error
			q.call("POST", "/api/v1/admin/tenants", testOperatorKey, s, tc.status, &e)
			if e.Error.Code != tc.code || e.Error.Field != tc.want[0].Field {
				t.Errorf("error = %s on %q, want %s on %q", e.Error.Code, e.Error.Field, tc.code, tc.want[0].Field)
			}
			if len(e.Error.Fields) != len(tc.want) {
				t.Fatalf("fields = %+v, want %d: %+v", e.Error.Fields, len(tc.want), tc.want)
			}
			for i, want := range tc.want {
				got := e.Error.Fields[i]
				if got.Field != want.Field || got.Code != want.Code || (want.Message != "" && got.Message != want.Message) || got.Message == "" {
					t.Errorf("fields[%d] = %+v, want %+v", i, got, want)
				}
				if strings.Contains(got.Message, got.Field+":") {
					t.Errorf("fields[%d] message %q repeats its path", i, got.Message)
				}
			}
			if leaked := q.secretsIn(e.Error.Message); len(leaked) > 0 {
				t.Errorf("the error repeats secrets %v", leaked)
			}
		})
	}
	var list struct{ Tenants []admin.TenantView }
	p.call("GET", "/api/v1/admin/tenants", testOperatorKey, nil, http.StatusOK, &list)
	for _, tv := range list.Tenants {
		if tv.ID == "fresh" || tv.ID == "" {
			t.Errorf("a refused tenant was stored: %+v", tv)
		}
	}
}
