package httpapi

import "github.com/gin-gonic/gin"

// Principal is who acts on the admin API: a tenant admin in the console
// (a widget session whose context carried the admin role), an automation
// API key of one tenant, or the operator.
type Principal struct {
	// Tenant is the tenant the principal may manage; "" for the operator,
	// who may manage every tenant and create new ones.
	Tenant string
	// Actor names the principal in the audit log: "viewer:<id>",
	// "apikey:<id>" or "operator". Never a secret.
	Actor string
	// Viewer is the CRM user behind a console session ("" otherwise); their
	// LinkedIn connection is used for member-level calls such as exports.
	Viewer string
	// Operator is true for the operator key.
	Operator bool
}

const ctxPrincipal = "principal"

// principalOf returns the principal requireAdmin stored for this request.
func principalOf(c *gin.Context) *Principal {
	return c.MustGet(ctxPrincipal).(*Principal)
}
