package httpapi

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/snapbridge/snapbridge/internal/session"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// FuzzAssociationsQuery feeds GET /api/v1/associations arbitrary records
// and forceRefresh values for a session whose records are the non-empty
// lines of named. Whatever is asked, the widget gets only ids its context
// named, never more than session.MaxRecords of them, and a refusal is a
// 400 or 403 answer, never anything else.
func FuzzAssociationsQuery(f *testing.F) {
	f.Add("", "", "lead-1\nacct-9")
	f.Add("lead-1", "true", "lead-1\nacct-9")
	f.Add("acct-9,lead-1", "0", "lead-1\nacct-9")
	f.Add("lead-1,,acct-9", "", "lead-1\nacct-9")
	f.Add("lead-2", "", "lead-1\nacct-9")
	f.Add("lead-1", "yes", "lead-1")
	f.Add(strings.Repeat("a,", 50)+"a", "", "a")
	f.Add("", "", strings.Repeat("r\n", 60))
	f.Fuzz(func(t *testing.T, records, forceRefresh, named string) {
		var allowed []wire.Record
		for i, id := range strings.Split(named, "\n") {
			if id != "" {
				allowed = append(allowed, wire.Record{ID: id, Type: "contact"})
			}
			if i > 4*session.MaxRecords {
				break // a context could never name more; keeps inputs fast
			}
		}
		ids, force, err := associationsQuery(nil, records, forceRefresh, allowed)
		if err != nil {
			var ae *apiError
			if !errors.As(err, &ae) || (ae.status != http.StatusBadRequest && ae.status != http.StatusForbidden) {
				t.Fatalf("associationsQuery(%q, %q) refused with %v, want a 400 or 403 answer", records, forceRefresh, err)
			}
			if ids != nil || force {
				t.Fatalf("a refusal still returned ids %q, force %v", ids, force)
			}
			return
		}
		if len(ids) > session.MaxRecords {
			t.Fatalf("associationsQuery(%q) returned %d ids, at most %d may be asked about", records, len(ids), session.MaxRecords)
		}
		for _, id := range ids {
			if !slices.ContainsFunc(allowed, func(r wire.Record) bool { return r.ID == id }) {
				t.Fatalf("associationsQuery(%q) returned %q, which the session's context did not name", records, id)
			}
		}
		if records != "" && !slices.Equal(ids, strings.Split(records, ",")) {
			t.Fatalf("associationsQuery(%q) = %q, not the records asked for in order", records, ids)
		}
		if records == "" && len(ids) != len(allowed) {
			t.Fatalf("no records list gave %d ids, want all %d of the session", len(ids), len(allowed))
		}
		want, perr := strconv.ParseBool(forceRefresh)
		if forceRefresh != "" && (perr != nil || force != want) || forceRefresh == "" && force {
			t.Fatalf("forceRefresh=%q gave force %v", forceRefresh, force)
		}
	})
}
