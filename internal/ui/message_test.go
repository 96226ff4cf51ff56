//go:build !js

package ui

import "testing"

func TestConnectedMessageFilter(t *testing.T) {
	const own = "https://snapbridge.example"
	tests := []struct {
		scenario string
		origin   string
		own      string
		msgType  string
		want     bool
	}{
		{"the consent popup on our origin", own, own, "snapbridge:connected", true},
		{"another page posting the same text", "https://evil.example", own, "snapbridge:connected", false},
		{"the CRM host page", "https://crm.example", own, "snapbridge:connected", false},
		{"our origin, another message", own, own, "snapbridge:resize", false},
		{"sandboxed widget (opaque origin) trusts nobody", "null", "null", "snapbridge:connected", false},
		{"no origin known", "", "", "snapbridge:connected", false},
		{"same host, other port", "https://snapbridge.example:8443", own, "snapbridge:connected", false},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			if got := isConnectedMessage(tt.origin, tt.own, tt.msgType); got != tt.want {
				t.Errorf("isConnectedMessage(%q, %q, %q) = %v, want %v", tt.origin, tt.own, tt.msgType, got, tt.want)
			}
		})
	}
}

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
