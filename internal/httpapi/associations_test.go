package httpapi

import (
	"errors"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/snapbridge/snapbridge/internal/assoc"
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
			got, force, err := associationsQuery(nil, tt.records, tt.forceRefresh, tt.allowed)
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
		scenario, raw       string
		records, force      string
		wantErr             bool
		wantMessageContains string
	}{
		{scenario: "no query", raw: ""},
		{scenario: "records and forceRefresh once each", raw: "records=a,b&forceRefresh=true", records: "a,b", force: "true"},
		{scenario: "another parameter is left alone", raw: "records=a&_=123", records: "a"},
		{scenario: "percent-encoded ids and commas are decoded", raw: "records=a%2Cb%20c&forceRefresh=1", records: "a,b c", force: "1"},
		{scenario: "empty pairs are skipped", raw: "&&records=a&", records: "a"},
		{scenario: "broken percent-encoding", raw: "records=%zz", wantErr: true, wantMessageContains: "URL encoding"},
		{scenario: "broken percent-encoding in another parameter", raw: "records=a&x=%", wantErr: true, wantMessageContains: "URL encoding"},
		{scenario: "a semicolon separator", raw: "records=a;forceRefresh=true", wantErr: true, wantMessageContains: "URL encoding"},
		{scenario: "forceRefresh twice", raw: "forceRefresh=true&forceRefresh=false", wantErr: true, wantMessageContains: "forceRefresh may be given only once"},
		{scenario: "records twice", raw: "records=a&records=b", wantErr: true, wantMessageContains: "records may be given only once"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			records, force, err := associationsParams(tc.raw)
			if (err != nil) != tc.wantErr {
				t.Fatalf("associationsParams(%q) error %v, want error: %v", tc.raw, err, tc.wantErr)
			}
			var ae *apiError
			if err != nil && (!errors.As(err, &ae) || ae.status != 400 || ae.code != "bad_query" || !strings.Contains(ae.message, tc.wantMessageContains)) {
				t.Errorf("error %v, want 400 bad_query saying %q", err, tc.wantMessageContains)
			}
			if err == nil && (records != tc.records || force != tc.force) {
				t.Errorf("associationsParams(%q) = %q, %q; want %q, %q", tc.raw, records, force, tc.records, tc.force)
			}
		})
	}
}

// FuzzAssociationsParamsReadsAsParseQuery checks that the one-pass query
// reader accepts, refuses and decodes exactly as url.ParseQuery does.
func FuzzAssociationsParamsReadsAsParseQuery(f *testing.F) {
	for _, raw := range []string{"", "records=a,b&forceRefresh=true", "records=%zz", "a;b", "records=a&records=b",
		"records=a+b%2C&=x&forceRefresh", "%7", "records", "x=%41&records=%41"} {
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		records, force, err := associationsParams(raw)
		q, perr := url.ParseQuery(raw)
		if perr != nil {
			if err == nil {
				t.Fatalf("associationsParams(%q) accepted what url.ParseQuery refuses: %v", raw, perr)
			}
			return
		}
		dup := len(q["records"]) > 1 || len(q["forceRefresh"]) > 1
		if dup != (err != nil) {
			t.Fatalf("associationsParams(%q) error %v, but the parameters repeat: %v", raw, err, dup)
		}
		if err == nil && (records != q.Get("records") || force != q.Get("forceRefresh")) {
			t.Fatalf("associationsParams(%q) = %q, %q; url.ParseQuery reads %q, %q", raw, records, force, q.Get("records"), q.Get("forceRefresh"))
		}
	})
}

// The X-RateLimit-* values are reused while a tenant's budget does not
// move, and never carried to another tenant or past a change.
func TestRateLimitHeadersFollowEachTenantsBudget(t *testing.T) {
	reset := time.Date(2030, 3, 15, 0, 0, 0, 0, time.UTC)
	var h rateLimitHeaders
	for _, step := range []struct {
		scenario string
		tenant   string
		rl       assoc.RateLimit
		want     [4]string // limit, used, remaining, reset
	}{
		{"acme's first answer", "acme", assoc.RateLimit{Limit: 100, Used: 3, Remaining: 97, Reset: reset}, [4]string{"100", "3", "97", "1899763200"}},
		{"acme again, unchanged", "acme", assoc.RateLimit{Limit: 100, Used: 3, Remaining: 97, Reset: reset}, [4]string{"100", "3", "97", "1899763200"}},
		{"globex in between", "globex", assoc.RateLimit{Limit: 50, Used: 50, Remaining: 0, Reset: reset}, [4]string{"50", "50", "0", "1899763200"}},
		{"acme after a look-up", "acme", assoc.RateLimit{Limit: 100, Used: 4, Remaining: 96, Reset: reset}, [4]string{"100", "4", "96", "1899763200"}},
		{"acme the next day", "acme", assoc.RateLimit{Limit: 100, Used: 0, Remaining: 100, Reset: reset.Add(24 * time.Hour)}, [4]string{"100", "0", "100", "1899849600"}},
		{"acme with a new limit", "acme", assoc.RateLimit{Limit: 200, Used: 0, Remaining: 200, Reset: reset.Add(24 * time.Hour)}, [4]string{"200", "0", "200", "1899849600"}},
	} {
		w := httptest.NewRecorder()
		c, _ := gin.CreateTestContext(w)
		h.set(c, step.tenant, step.rl)
		hdr := w.Header()
		got := [4]string{hdr.Get("X-RateLimit-Limit"), hdr.Get("X-RateLimit-Used"), hdr.Get("X-RateLimit-Remaining"), hdr.Get("X-RateLimit-Reset")}
		if got != step.want {
			t.Fatalf("%s: headers %q, want %q", step.scenario, got, step.want)
		}
	}
}
