package wire

// Host frame kinds: how the widget tells a CRM frame its size.
const (
	// FrameSalesforce is a Salesforce Canvas frame, which the widget sizes
	// with the Canvas SDK's resize message (Sfdc.canvas.client.resize).
	FrameSalesforce = "salesforce"
)

// HostFrame describes the CRM frame the widget was opened in by a host
// adapter, when that frame speaks its own protocol rather than
// snapbridge's embed.js (MessageResize).
type HostFrame struct {
	// Kind is FrameSalesforce.
	Kind string `json:"kind"`
	// TargetOrigin is the exact origin of the CRM page the widget posts
	// to (a Canvas signed request's client.targetOrigin, reduced to its
	// origin and allowed for the tenant).
	TargetOrigin string `json:"targetOrigin"`
	// InstanceID names the Canvas app instance on the page
	// (client.instanceId), so the page knows which frame to size.
	InstanceID string `json:"instanceId,omitempty"`
}
