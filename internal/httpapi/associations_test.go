package httpapi

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/snapbridge/snapbridge/internal/wire"
)

// A widget asks about some or all of its session's records; it never gets
// another record, nor more than a context may name.
func TestAssociationsQueryKeepsToTheSessionsRecords(t *testing.T) {
	records := func(n int) []wire.Record {
		out := make([]wire.Record, n)
		for i := range out {
			out[i] = wire.Record{ID: "r" + strings.Repeat("x", i), Type: "contact"}
		}
		return out
	}
	two := []wire.Record{{ID: "lead-1", Type: "lead"}, {ID: "acct-9", Type: "account"}}
	tests := []struct {
		scenario     string
		records      string
		forceRefresh string
		allowed      []wire.Record
		want         []string
		wantForce    bool
		wantCode     string
	}{
		{scenario: "no list means every record of the session", allowed: two, want: []string{"lead-1", "acct-9"}},
		{scenario: "a list keeps its order", records: "acct-9,lead-1", allowed: two, want: []string{"acct-9", "lead-1"}},
		{scenario: "forceRefresh=true", records: "lead-1", forceRefresh: "true", allowed: two, want: []string{"lead-1"}, wantForce: true},
		{scenario: "forceRefresh=0", records: "lead-1", forceRefresh: "0", allowed: two, want: []string{"lead-1"}},
		{scenario: "forceRefresh that is no boolean", records: "lead-1", forceRefresh: "yes", allowed: two, wantCode: "bad_force_refresh"},
		{scenario: "a record the context did not name", records: "lead-1,lead-2", allowed: two, wantCode: "record_forbidden"},
		{scenario: "an empty item", records: "lead-1,", allowed: two, wantCode: "bad_records"},
		{scenario: "51 items, even of named records", records: strings.Repeat("lead-1,", 50) + "lead-1", allowed: two, wantCode: "too_many_records"},
		{scenario: "50 items is the most", records: strings.Repeat("lead-1,", 49) + "lead-1", allowed: two, want: slices.Repeat([]string{"lead-1"}, 50)},
		{scenario: "a session naming more than 50 records cannot ask for them all", allowed: records(51), wantCode: "too_many_records"},
		{scenario: "nor for 51 of them by name", records: strings.Join(ids(records(51)), ","), allowed: records(51), wantCode: "too_many_records"},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			got, force, err := associationsQuery(tt.records, tt.forceRefresh, tt.allowed)
			if tt.wantCode != "" {
				var ae *apiError
				if !errors.As(err, &ae) || ae.code != tt.wantCode {
					t.Fatalf("associationsQuery = %q, %v, %v; want %s", got, force, err, tt.wantCode)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) || force != tt.wantForce {
				t.Fatalf("associationsQuery = %q, %v, %v; want %q, %v", got, force, err, tt.want, tt.wantForce)
			}
		})
	}
}

func ids(records []wire.Record) []string {
	out := make([]string, len(records))
	for i, r := range records {
		out[i] = r.ID
	}
	return out
}

func TestAssociationsQueryIsReadStrictly(t *testing.T) {
	for _, tc := range []struct {
		scenario, raw string
		wantErr       bool
	}{
		{scenario: "no query", raw: ""},
		{scenario: "records and forceRefresh once each", raw: "records=a,b&forceRefresh=true"},
		{scenario: "another parameter is left alone", raw: "records=a&_=123"},
		{scenario: "broken percent-encoding", raw: "records=%zz", wantErr: true},
		{scenario: "forceRefresh twice", raw: "forceRefresh=true&forceRefresh=false", wantErr: true},
		{scenario: "records twice", raw: "records=a&records=b", wantErr: true},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			_, err := strictQuery(tc.raw, "records", "forceRefresh")
			if (err != nil) != tc.wantErr {
				t.Fatalf("strictQuery(%q) error %v, want error: %v", tc.raw, err, tc.wantErr)
			}
			var ae *apiError
			if err != nil && (!errors.As(err, &ae) || ae.status != 400 || ae.code != "bad_query") {
				t.Errorf("error %v, want 400 bad_query", err)
			}
		})
	}
}
