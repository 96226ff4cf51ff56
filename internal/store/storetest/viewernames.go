package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// A viewer's display name is remembered per tenant, the newest wins, an
// empty one changes nothing, and only the asked-for ids are answered.
func testViewerNames(t *testing.T, open Opener) {
	ctx := context.Background()
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	db := open(t)
	for _, n := range []struct{ tenant, viewer, name string }{
		{"acme", "u1", "Ada"},
		{"acme", "u1", "Ada Lovelace"},
		{"acme", "u1", ""},
		{"acme", "u2", "Bob"},
		{"other", "u1", "Someone else"},
		{"acme", "long", strings.Repeat("é", 150)},
	} {
		if err := db.RememberViewerName(ctx, n.tenant, n.viewer, n.name, t0); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		scenario string
		tenant   string
		ids      []string
		want     string
	}{
		{"the newest name of each", "acme", []string{"u1", "u2"}, "map[u1:Ada Lovelace u2:Bob]"},
		{"only the ids asked for", "acme", []string{"u2", "nobody"}, "map[u2:Bob]"},
		{"per tenant", "other", []string{"u1", "u2"}, "map[u1:Someone else]"},
		{"no ids", "acme", nil, "map[]"},
		{"a long name is cut whole", "acme", []string{"long"}, fmt.Sprintf("map[long:%s]", strings.Repeat("é", 100))},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			got, err := db.ViewerNames(ctx, tc.tenant, tc.ids)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != tc.want {
				t.Errorf("names = %v, want %s", got, tc.want)
			}
		})
	}
	many := make([]string, 1200)
	for i := range many {
		many[i] = fmt.Sprintf("v%d", i)
	}
	many[1100] = "u2"
	if got, err := db.ViewerNames(ctx, "acme", many); err != nil || got["u2"] != "Bob" || len(got) != 1 {
		t.Errorf("1200 ids: %v, %v", got, err)
	}
}
