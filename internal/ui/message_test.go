//go:build !js

package ui

import "testing"

func TestResizeTargetIsNeverAWildcard(t *testing.T) {
	tests := []struct {
		scenario string
		parent   string
		want     string
		wantOK   bool
	}{
		{"exact origin", "https://crm.example", "https://crm.example", true},
		{"origin with port", "http://127.0.0.1:8766", "http://127.0.0.1:8766", true},
		{"none named", "", "", false},
		{"wildcard", "*", "", false},
		{"a URL with a path is not an origin", "https://crm.example/record/1", "", false},
		{"javascript", "javascript:alert(1)", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			got, ok := resizeTarget(tt.parent)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("resizeTarget(%q) = %q, %v; want %q, %v", tt.parent, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}
