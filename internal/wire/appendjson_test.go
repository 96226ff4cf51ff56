package wire

import (
	"encoding/json"
	"testing"
	"time"
)

// The hand-written encoder must produce exactly what encoding/json does,
// or the widget would read something else than the server meant.
func TestAssociationsAppendJSONMatchesEncodingJSON(t *testing.T) {
	at := time.Date(2026, 11, 22, 10, 4, 5, 123456789, time.UTC)
	later := at.Add(6 * time.Hour).In(time.FixedZone("CET", 3600))
	for _, tc := range []struct {
		scenario string
		in       Associations
	}{
		{"empty", Associations{Associations: []Association{}}},
		{"matched and cached", Associations{Associations: []Association{{
			RecordID: "c-001", Status: StatusMatched, Member: "urn:li:person:ABC", Profile: "https://x/sales/people/ABC?a=1&b=<2>",
			ProfilePhoto: "https://media/p.png", Cached: true, CachedAt: &at, ExpiresAt: &later}}}},
		{"stale and several", Associations{Associations: []Association{
			{RecordID: "a", Status: StatusNoMatch},
			{RecordID: "b\"quoted\\", Status: StatusThrottled, Stale: true, Cached: true, CachedAt: &at}}}},
		{"a refused forced refresh", Associations{Associations: []Association{{
			RecordID: "c-002", Status: StatusNoMatch, Cached: true, CachedAt: &at, ExpiresAt: &later,
			ForceRefused: true, RefreshAfter: &later}}}},
		{"throttled rows with their reasons", Associations{Associations: []Association{
			{RecordID: "c-003", Status: StatusThrottled, Reason: ReasonBudgetSpent, RetryAt: &later},
			{RecordID: "c-004", Status: StatusMatched, Stale: true, Cached: true, CachedAt: &at, Reason: ReasonLinkedInBusy, RetryAt: &at}}}},
		{"control and unicode", Associations{Associations: []Association{{
			RecordID: "tab\there\nnl\r\x00\x1f ü 日本 \u2028\u2029 \xff bad", Status: StatusUnavailable}}}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			want, err := json.Marshal(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := tc.in.AppendJSON(nil); string(got) != string(want) {
				t.Errorf("AppendJSON =\n%s\nencoding/json =\n%s", got, want)
			}
		})
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", "\"\\<>&", "\x00\x7f\u2028", "\xff\xfe", "日本語"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := appendString(nil, s); string(got) != string(want) {
			t.Fatalf("appendString(%q) = %s, want %s", s, got, want)
		}
	})
}
