package assoc_test

import (
	"errors"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/assoc"
	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/shared"
	"github.com/snapbridge/snapbridge/internal/shared/redistest"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// sharedRedis is a private Redis and a client of it for one instance.
func sharedRedis(t *testing.T, url string) *shared.Redis {
	t.Helper()
	r, err := shared.NewRedis(url, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// TestRecordLookedUpOnOneInstanceIsCachedOnAnother: two instances (each
// with its own database and LinkedIn connection) sharing one Redis ask
// LinkedIn once for a record, and the second serves the first's answer,
// stale too when LinkedIn fails it later.
func TestRecordLookedUpOnOneInstanceIsCachedOnAnother(t *testing.T) {
	url := redistest.Start(t).URL
	a := newRig(t, assoc.Config{Shared: sharedRedis(t, url)}, nil)
	liB := &countingLinkedIn{}
	b := newRig(t, assoc.Config{Shared: sharedRedis(t, url)}, liB)
	tn := acme(100)

	first := resolveOne(t, a, tn, "r1", false)
	if first.Status != wire.StatusMatched || first.Cached {
		t.Fatalf("first look-up %+v, want a match from LinkedIn", first)
	}
	got := resolveOne(t, b, tn, "r1", false)
	if got.Status != wire.StatusMatched || !got.Cached || !got.CachedAt.Equal(start) || got.Member != "urn:li:person:r1" {
		t.Fatalf("the other instance answered %+v, want the first one's cached match", got)
	}
	if n := liB.total(); n != 0 {
		t.Fatalf("the other instance called LinkedIn %d times, want none", n)
	}
	if used, err := b.db.LookupsUsed(t.Context(), tn.ID, start.Format("2006-01-02")); err != nil || used != 0 {
		t.Fatalf("the other instance counted %d look-ups (%v), want none", used, err)
	}

	// Past expiry with LinkedIn failing, a third instance that never saw
	// the record serves the shared answer, stale.
	liC := &countingLinkedIn{callErr: func(int, string) error { return &linkedin.Error{Err: errors.New("dial: refused")} }}
	c := newRig(t, assoc.Config{Shared: sharedRedis(t, url)}, liC)
	c.clock.Advance(7 * time.Hour)
	stale := resolveOne(t, c, tn, "r1", false)
	if stale.Status != wire.StatusMatched || !stale.Stale || !stale.CachedAt.Equal(start) {
		t.Fatalf("with LinkedIn failing, the third instance answered %+v, want the shared match, stale", stale)
	}
}
