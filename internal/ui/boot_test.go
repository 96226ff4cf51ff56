//go:build !js

package ui

import (
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/wire"
)

func TestBootRoundTripsThroughThePage(t *testing.T) {
	tests := []struct {
		scenario string
		boot     Boot
	}{
		{"a full card boot", Boot{Tenant: "demo", Mode: ModeCard, Token: "t.o.k", ExpiresAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
			Viewer:  wire.Viewer{ID: "u1", Name: `Zoë "Z" <O'Neil>`},
			Records: []wire.Record{{ID: "r1", FirstName: "José", LastName: `</script><script>alert(1)</script>`}}}},
		{"an error boot", Boot{Tenant: "demo", Mode: ModeList, Error: &wire.ErrorDetail{Code: "x", Message: "y & z"}}},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			s, err := encodeBoot(tt.boot)
			if err != nil {
				t.Fatal(err)
			}
			got, err := decodeBoot(s)
			if err != nil {
				t.Fatal(err)
			}
			if got.Token != tt.boot.Token || got.Viewer != tt.boot.Viewer || len(got.Records) != len(tt.boot.Records) ||
				!got.ExpiresAt.Equal(tt.boot.ExpiresAt) || (got.Error == nil) != (tt.boot.Error == nil) {
				t.Errorf("round trip = %+v, want %+v", got, tt.boot)
			}
			for i := range got.Records {
				if got.Records[i] != tt.boot.Records[i] {
					t.Errorf("record %d = %+v", i, got.Records[i])
				}
			}
		})
	}
}

func TestBootDecodeRejectsGarbage(t *testing.T) {
	for _, tt := range []struct{ scenario, in string }{
		{"not base64", "%%%"},
		{"base64 of non-JSON", "bm90IGpzb24="},
		{"empty", ""},
	} {
		t.Run(tt.scenario, func(t *testing.T) {
			if _, err := decodeBoot(tt.in); err == nil {
				t.Errorf("decodeBoot(%q) accepted garbage", tt.in)
			}
		})
	}
}

func TestInitials(t *testing.T) {
	for _, tt := range []struct{ scenario, name, want string }{
		{"first and last", "Ada Lovelace", "AL"},
		{"three words use first and last", "Maria de Souza", "MS"},
		{"one word", "Cher", "C"},
		{"accented lower case", "élodie ünal", "ÉÜ"},
		{"no letters", "--- ***", "?"},
		{"e-mail", "who@example.com", "W"},
	} {
		t.Run(tt.scenario, func(t *testing.T) {
			if got := initials(tt.name); got != tt.want {
				t.Errorf("initials(%q) = %q, want %q", tt.name, got, tt.want)
			}
		})
	}
}
