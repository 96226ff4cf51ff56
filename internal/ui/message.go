package ui

import (
	"encoding/json"
	"strconv"

	"github.com/snapbridge/snapbridge/internal/wire"
)

// resizeTarget returns the targetOrigin for resize messages and whether to
// post at all: never "*", nothing when the server named no parent origin.
func resizeTarget(parentOrigin string) (string, bool) {
	if !isOrigin(parentOrigin) {
		return "", false
	}
	return parentOrigin, true
}

// canvasClientVersion is the Canvas SDK version the resize message claims
// to come from (the SDK's client.js cversion).
const canvasClientVersion = "41.0"

// canvasResize returns the message the Canvas SDK posts for
// Sfdc.canvas.client.resize(client, {height: "<h>px"}): a JSON string (the
// SDK stringifies every message) of the sequenced envelope, addressed to
// the Canvas module, naming the app instance. Only the client's instance
// id and target origin are sent, never its OAuth token.
func canvasResize(f *wire.HostFrame, height int) string {
	type client struct {
		InstanceID   string `json:"instanceId,omitempty"`
		TargetOrigin string `json:"targetOrigin"`
	}
	type size struct {
		Height string `json:"height"`
		Width  string `json:"width"`
	}
	type body struct {
		Type   string `json:"type"`
		Config struct {
			Client client `json:"client"`
		} `json:"config"`
		Size size `json:"size"`
	}
	msg := struct {
		Seq           int    `json:"seq"`
		Src           string `json:"src"`
		ClientVersion string `json:"clientVersion"`
		Body          body   `json:"body"`
		TargetModule  string `json:"targetModule"`
	}{Seq: 1, Src: "client", ClientVersion: canvasClientVersion, TargetModule: "Canvas",
		Body: body{Type: "resize", Size: size{Height: strconv.Itoa(height) + "px"}}}
	msg.Body.Config.Client = client{InstanceID: f.InstanceID, TargetOrigin: f.TargetOrigin}
	b, _ := json.Marshal(msg) // plain strings and ints cannot fail
	return string(b)
}
