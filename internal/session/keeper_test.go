package session_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/session"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// A host adapter's context is kept once, crosses to the widget page as a
// bare reference, and opens the same session a JWT context would.
func TestKeptContextOpensItsSessionOnce(t *testing.T) {
	f := newFixture(t)
	clock := func() time.Time { return f.now }
	keeper := session.NewContextKeeper(f.db, f.db, clock)
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	issuer := session.NewIssuer(key, 0, f.db, clock)
	acme := f.tenant(t, "acme")
	rec := wire.Record{ID: "003A0000001xyzQ", Type: "contact", FirstName: "Ada", LastName: "Lovelace"}
	hc := &session.HostContext{Tenant: acme, Viewer: viewer(), Records: []wire.Record{rec}, ID: "sfdc-abc"}

	fresh, err := keeper.Keep(t.Context(), hc, f.now.Add(5*time.Minute))
	if err != nil || !fresh {
		t.Fatalf("Keep = %v, %v", fresh, err)
	}
	again := &session.HostContext{Tenant: acme, Viewer: viewer(), Records: []wire.Record{rec}, ID: "sfdc-abc"}
	if fresh, err := keeper.Keep(t.Context(), again, f.now.Add(5*time.Minute)); err != nil || fresh {
		t.Fatalf("the same context kept twice: %v, %v", fresh, err)
	}
	if _, _, err := issuer.Issue(again); err == nil {
		t.Fatal("a replayed context opened a session")
	}

	resumed, err := keeper.Resume(t.Context(), acme, hc.Ref())
	if err != nil {
		t.Fatal(err)
	}
	token, s, err := issuer.Issue(resumed)
	if err != nil {
		t.Fatal(err)
	}
	if s.Viewer != viewer() || len(s.Records) != 1 || s.Records[0] != rec {
		t.Fatalf("session %+v", s)
	}
	verified, err := session.NewIssuer(key, 0, f.db, clock).Verify(t.Context(), token)
	if err != nil || verified.Records[0] != rec {
		t.Fatalf("another instance reads the session: %v", err)
	}

	var se *session.Error
	if _, err := keeper.Resume(t.Context(), f.tenant(t, "globex"), hc.Ref()); !errors.As(err, &se) || se.Code != session.CodeContextExpired {
		t.Fatalf("another tenant resumed the context: %v", err)
	}
	bad := &session.HostContext{Tenant: acme, Viewer: wire.Viewer{}, Records: []wire.Record{rec}, ID: "sfdc-def"}
	if _, err := keeper.Keep(t.Context(), bad, f.now.Add(time.Minute)); !errors.As(err, &se) || se.Code != session.CodeContextInvalid {
		t.Fatalf("a context without a viewer was kept: %v", err)
	}
	if _, err := keeper.Resume(t.Context(), acme, bad.Ref()); err == nil {
		t.Fatal("a refused context left something to resume")
	}
}
