// Package ui holds the snapbridge widget: go-app components rendered by the
// server (prerender) and by the WebAssembly program in the browser. It must
// compile for GOOS=js GOARCH=wasm, so it imports only go-app, wire and the
// standard library.
package ui

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"time"

	"github.com/snapbridge/snapbridge/internal/wire"
)

// Widget modes: one record with the Sales Navigator panel, or a compact list.
const (
	ModeCard = "card"
	ModeList = "list"
)

// Widget themes (Boot.Theme): the colour scheme the widget is drawn in.
const (
	ThemeLight = "light"
	ThemeDark  = "dark"
)

// Defaults applied to a Boot that leaves a field empty or invalid.
const (
	// DefaultAccent is LinkedIn blue, used when Boot.Accent is not #rgb or #rrggbb.
	DefaultAccent = "#0a66c2"
	// DefaultFrameWidth and DefaultFrameHeight size the Display Services
	// iframe in inline mode (LinkedIn's documented 300×336).
	DefaultFrameWidth  = 300
	DefaultFrameHeight = 336
	// maxFrameSide bounds tenant-configured frame sizes so a typo cannot
	// make the widget ask its host for a 100 000 px tall iframe.
	maxFrameSide = 2000
)

// bootElementID is the id of the element that carries the encoded Boot in
// the prerendered page.
const bootElementID = "snapbridge-boot"

var accentPattern = regexp.MustCompile(`^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$`)

// Boot is everything the server hands from its prerender to the WebAssembly
// widget in the page, so the widget starts from the same state without a
// second round trip and without ever seeing the one-time context token.
type Boot struct {
	// Tenant is the tenant id from the page path.
	Tenant string `json:"tenant"`
	// Mode is ModeCard or ModeList. Default: the mode of the page path.
	Mode string `json:"mode"`
	// Token is the widget session token, sent as Authorization: Bearer.
	// It lives in memory only once the widget has started.
	Token string `json:"token,omitempty"`
	// ExpiresAt is when Token stops being accepted.
	ExpiresAt time.Time `json:"expiresAt"`
	// Viewer is the CRM user looking at the records.
	Viewer wire.Viewer `json:"viewer"`
	// Records are the CRM records the session may ask about, in display order.
	Records []wire.Record `json:"records,omitempty"`
	// Associations are the answers the server already has; records without
	// one show the loading state until the widget has asked the API.
	Associations []wire.Association `json:"associations,omitempty"`
	// Accent is the tenant's accent colour (#rgb or #rrggbb). Default: DefaultAccent.
	Accent string `json:"accent,omitempty"`
	// Theme is ThemeLight or ThemeDark, decided by the server from the
	// tenant's setting and, when that follows the host, the page's theme
	// parameter (embed.js sets it). Default: ThemeLight.
	Theme string `json:"theme,omitempty"`
	// FrameWidth and FrameHeight size the Display Services iframe in CSS
	// pixels. Default: DefaultFrameWidth × DefaultFrameHeight.
	FrameWidth  int `json:"frameWidth,omitempty"`
	FrameHeight int `json:"frameHeight,omitempty"`
	// ParentOrigin is the exact origin the widget posts its height to.
	// Default "": the widget tells nobody its height.
	ParentOrigin string `json:"parentOrigin,omitempty"`
	// Frame, when a CRM host adapter opened the widget in a frame with
	// its own protocol (Salesforce Canvas), says how to tell that frame
	// the widget's height; its TargetOrigin is then ParentOrigin.
	// Default nil: snapbridge's own resize message (embed.js).
	Frame *wire.HostFrame `json:"frame,omitempty"`
	// NoCRMSync says the tenant's CRM has no LinkedIn CRM Sync (HubSpot):
	// a crm_sync_disabled answer is then the normal case, and the card
	// says the Sales Navigator panel finds the person by name and email
	// instead of asking for an admin. Default false.
	NoCRMSync bool `json:"noCrmSync,omitempty"`
	// SAT, on a card page of a viewer who has connected LinkedIn, is the
	// Sales Access Token the server already brokered: the page carries the
	// Display Services iframe from the start and the widget does not ask
	// for another. Default nil: see ConnectURL.
	SAT *wire.SalesAccessToken `json:"sat,omitempty"`
	// ConnectURL, on a card page of a viewer who has not connected
	// LinkedIn, is the one-time address of the consent popup; the page
	// offers Connect at once and the widget never asks the API for a token
	// it knows it cannot get. When neither SAT nor ConnectURL is set the
	// server did not find out in time and the widget asks the API.
	ConnectURL string `json:"connectUrl,omitempty"`
	// Error, when set, replaces the widget by an error card (for example an
	// invalid or reused context token).
	Error *wire.ErrorDetail `json:"error,omitempty"`
}

// normalized returns b with defaults applied and every field the widget
// writes into CSS or uses as a message target checked, so a bad value
// degrades to a default instead of breaking the page.
func (b Boot) normalized(pathMode string) Boot {
	if b.Mode != ModeCard && b.Mode != ModeList {
		b.Mode = pathMode
	}
	if !accentPattern.MatchString(b.Accent) {
		b.Accent = DefaultAccent
	}
	if b.Theme != ThemeDark {
		b.Theme = ThemeLight
	}
	if b.FrameWidth <= 0 || b.FrameWidth > maxFrameSide {
		b.FrameWidth = DefaultFrameWidth
	}
	if b.FrameHeight <= 0 || b.FrameHeight > maxFrameSide {
		b.FrameHeight = DefaultFrameHeight
	}
	if !isOrigin(b.ParentOrigin) {
		b.ParentOrigin = ""
	}
	if f := b.Frame; f != nil && (f.Kind != wire.FrameSalesforce || f.TargetOrigin != b.ParentOrigin || b.ParentOrigin == "") {
		b.Frame = nil
	}
	if b.SAT != nil && !isWebURL(b.SAT.IframeURL) {
		b.SAT = nil
	}
	if !isConnectURL(b.ConnectURL) {
		b.ConnectURL = ""
	}
	return b
}

// isOrigin reports whether s is exactly scheme://host[:port] for http(s).
func isOrigin(s string) bool {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return false
	}
	return u.Scheme+"://"+u.Host == s
}

// encodeBoot serializes b for the page. Base64 keeps the JSON out of reach
// of any HTML or attribute escaping (see attr.go for why that matters).
func encodeBoot(b Boot) (string, error) {
	raw, err := json.Marshal(b)
	if err != nil {
		return "", fmt.Errorf("encode boot: %w", err)
	}
	return base64.StdEncoding.EncodeToString(raw), nil
}

// decodeBoot is the inverse of encodeBoot.
func decodeBoot(s string) (Boot, error) {
	var b Boot
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return b, fmt.Errorf("decode boot: %w", err)
	}
	if err := json.Unmarshal(raw, &b); err != nil {
		return b, fmt.Errorf("decode boot json: %w", err)
	}
	return b, nil
}
