//go:build !js

package ui

import (
	"encoding/json"
	"testing"

	"github.com/snapbridge/snapbridge/internal/wire"
)

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

// In a Salesforce Canvas frame the widget sizes itself the way the Canvas
// SDK's Sfdc.canvas.client.resize does: a JSON string of the SDK's
// envelope for the Canvas module, naming the app instance, the height in
// CSS pixels, and no OAuth token.
func TestCanvasResizeIsTheCanvasSDKMessage(t *testing.T) {
	frame := &wire.HostFrame{Kind: wire.FrameSalesforce, TargetOrigin: "https://acme--c.vf.force.com", InstanceID: "06Px000000003ed:snapbridge"}
	raw := canvasResize(frame, 412)
	var msg struct {
		Seq          int    `json:"seq"`
		Src          string `json:"src"`
		TargetModule string `json:"targetModule"`
		Body         struct {
			Type   string `json:"type"`
			Config struct {
				Client map[string]string `json:"client"`
			} `json:"config"`
			Size struct{ Height, Width string } `json:"size"`
		} `json:"body"`
	}
	if err := json.Unmarshal([]byte(raw), &msg); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if msg.Src != "client" || msg.TargetModule != "Canvas" || msg.Seq < 1 || msg.Body.Type != "resize" ||
		msg.Body.Size.Height != "412px" || msg.Body.Size.Width != "" {
		t.Fatalf("message %s", raw)
	}
	if c := msg.Body.Config.Client; len(c) != 2 || c["instanceId"] != frame.InstanceID || c["targetOrigin"] != frame.TargetOrigin {
		t.Fatalf("client %v", c)
	}
}

// A frame that is not the page's parent origin is dropped from the boot,
// so the widget never posts the Canvas message anywhere else.
func TestBootKeepsOnlyAFrameOfItsParentOrigin(t *testing.T) {
	frame := &wire.HostFrame{Kind: wire.FrameSalesforce, TargetOrigin: "https://acme--c.vf.force.com"}
	for _, tc := range []struct {
		scenario string
		parent   string
		frame    *wire.HostFrame
		keep     bool
	}{
		{"its parent", "https://acme--c.vf.force.com", frame, true},
		{"another parent", "https://evil.example", frame, false},
		{"no parent", "", frame, false},
		{"an unknown kind", "https://acme--c.vf.force.com", &wire.HostFrame{Kind: "hubspot", TargetOrigin: "https://acme--c.vf.force.com"}, false},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			b := Boot{ParentOrigin: tc.parent, Frame: tc.frame}.normalized(ModeCard)
			if (b.Frame != nil) != tc.keep {
				t.Fatalf("frame kept: %v", b.Frame != nil)
			}
		})
	}
}
