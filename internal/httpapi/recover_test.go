package httpapi

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/snapbridge/snapbridge/internal/assoc"
	"github.com/snapbridge/snapbridge/internal/session"
	"github.com/snapbridge/snapbridge/internal/tenant"
	"github.com/snapbridge/snapbridge/internal/wire"
)

type panickingResolver struct{}

func (panickingResolver) Resolve(context.Context, *tenant.Tenant, []string, bool) (assoc.Result, error) {
	panic("boom")
}

func (panickingResolver) AppendAnswer(context.Context, *tenant.Tenant, []string, bool, []byte) ([]byte, assoc.RateLimit, error) {
	panic("boom")
}

type fixedSessions struct{ s *session.Session }

func (f fixedSessions) Issue(*session.HostContext) (string, *session.Session, error) {
	return "", nil, nil
}
func (f fixedSessions) Verify(context.Context, string) (*session.Session, error) { return f.s, nil }

// A bug in a service must cost the seller one failed request with an id
// to quote, not the server.
func TestPanicBecomesA500WithRequestID(t *testing.T) {
	reg, err := tenant.NewRegistry([]tenant.Tenant{{
		ID: "demo", LinkedIn: tenant.LinkedInApp{ClientID: "c", ClientSecret: "s"},
		CRM:            tenant.CRM{Partner: "MS", InstanceID: "i", SourceType: "s", Type: "DYNAMICS"},
		AllowedOrigins: []string{"https://crm.example"},
		Context:        tenant.ContextPolicy{Issuer: "iss", Keys: []tenant.ContextKey{{ID: "k", Alg: "HS256", Secret: strings.Repeat("k", 32)}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	var logs strings.Builder
	h := New(Services{
		Tenants:      reg,
		Sessions:     fixedSessions{&session.Session{Tenant: "demo", Viewer: wire.Viewer{ID: "u"}, Records: []wire.Record{{ID: "r1", Type: "contact"}}}},
		Associations: panickingResolver{},
		Logger:       slog.New(slog.NewTextHandler(&logs, nil)),
	})
	w := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/api/v1/associations", nil)
	req.Header.Set("Authorization", "Bearer anything")
	h.ServeHTTP(w, req)
	var body wire.Error
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatalf("body %q: %v", w.Body, err)
	}
	if w.Code != http.StatusInternalServerError || body.Error.Code != "internal" || body.Error.RequestID == "" ||
		body.Error.RequestID != w.Header().Get("X-Request-Id") {
		t.Errorf("status %d body %+v header id %q", w.Code, body, w.Header().Get("X-Request-Id"))
	}
	if !strings.Contains(logs.String(), body.Error.RequestID) {
		t.Errorf("the log does not carry the request id: %s", logs.String())
	}
}
