// Package httpapi is snapbridge's HTTP surface: the widget JSON API, the
// LinkedIn OAuth popup endpoints, health checks and the security headers
// every answer carries. Handlers only translate HTTP to service calls; all
// errors become HTTP answers in one place (errors.go).
package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/snapbridge/snapbridge/internal/assoc"
	"github.com/snapbridge/snapbridge/internal/hostctx"
	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/metrics"
	"github.com/snapbridge/snapbridge/internal/session"
	"github.com/snapbridge/snapbridge/internal/telemetry"
	"github.com/snapbridge/snapbridge/internal/tenant"
	"github.com/snapbridge/snapbridge/internal/tokens"
	"github.com/snapbridge/snapbridge/internal/ui"
)

// ContextVerifier verifies host context tokens signed by a CRM.
type ContextVerifier interface {
	Verify(ctx context.Context, raw string) (*session.HostContext, error)
}

// HostAdapters picks a tenant's CRM host adapter; *hostctx.Adapters
// satisfies it.
type HostAdapters interface {
	For(t *tenant.Tenant, kind string) (hostctx.Adapter, error)
}

// Launches carries a verified CRM launch to the widget page through a
// one-time handle; *hostctx.Handoffs satisfies it.
type Launches interface {
	Put(ctx context.Context, l *hostctx.Launch) (string, error)
	Take(ctx context.Context, t *tenant.Tenant, handle string) (*hostctx.Launch, error)
}

// SessionIssuer issues and verifies widget session tokens.
type SessionIssuer interface {
	Issue(hc *session.HostContext) (string, *session.Session, error)
	Verify(ctx context.Context, token string) (*session.Session, error)
}

// Connector runs the LinkedIn connect flow.
type Connector interface {
	NewHandle(ctx context.Context, h tokens.Handle) (string, error)
	Start(ctx context.Context, t *tenant.Tenant, handle string, scopes []string) (string, error)
	Complete(ctx context.Context, lookup func(string) (*tenant.Tenant, bool), state, code, errCode string) (tokens.Handle, error)
	Confirm(ctx context.Context, code, tenantID, viewer, sessionID string) error
}

// Connections forgets a viewer's LinkedIn authorization on request and
// says who the viewer connected as.
type Connections interface {
	Disconnect(ctx context.Context, tenant, viewer string) error
	Member(ctx context.Context, tenant, viewer string) (tokens.Member, error)
}

// SalesAccess brokers Sales Access Tokens.
type SalesAccess interface {
	Token(ctx context.Context, t *tenant.Tenant, viewer string) (linkedin.SalesAccessToken, error)
	Forget(tenantID, viewer string)
}

// Associations resolves CRM records to LinkedIn profile associations:
// Resolve for the widget's prerendered page, AppendAnswer (the answer's
// JSON body appended to a buffer) for the API. Neither keeps recordIDs
// once it returns: the API reuses the list.
type Associations interface {
	Resolve(ctx context.Context, t *tenant.Tenant, recordIDs []string, force bool) (assoc.Result, error)
	AppendAnswer(ctx context.Context, t *tenant.Tenant, recordIDs []string, force bool, b []byte) ([]byte, assoc.RateLimit, error)
}

// Readiness reports whether the database can serve: reachable, still the
// file that was opened, and writable.
type Readiness interface {
	Ready(ctx context.Context) error
}

// SharedState says where the state instances share is kept: "redis",
// "degraded" (Redis away, per-instance state) or "in-process";
// shared.State satisfies it.
type SharedState interface {
	Mode(ctx context.Context) string
}

// Services is everything the HTTP layer calls, injected by cmd/server.
type Services struct {
	Tenants  *tenant.Registry
	Contexts ContextVerifier
	Sessions SessionIssuer
	// Hosts verifies CRM-native launches (Salesforce Canvas) and Launches
	// hands them to the widget page; nil leaves POST /w/<tenant>/canvas
	// answering 404.
	Hosts        HostAdapters
	Launches     Launches
	Connector    Connector
	Connections  Connections
	SalesAccess  SalesAccess
	Associations Associations
	DB           Readiness
	// Shared says where the state instances share is kept, shown in
	// /readyz as "shared" (never failing it); nil leaves it out.
	Shared SharedState
	// Platform serves contracts, exports and compliance archiving; its nil
	// services leave their routes out.
	Platform Platform
	// Admin administers tenants, API keys and the audit log; nil leaves
	// the tenant-administration routes out.
	Admin  Admin
	Logger *slog.Logger
	// Tracing runs each request in a span and puts the request id into
	// its context for the log lines; nil makes no spans.
	Tracing *telemetry.Tracing
	// PublicURL is the server's origin as browsers see it.
	PublicURL string
	// DisplayURL is LinkedIn's Display Services page (or the stand-in's).
	DisplayURL string
	// Widget serves the widget pages and assets (go-app); nil serves 404s.
	Widget http.Handler
	// Console serves the tenant admin console (/admin/<tenant>, its
	// download links and /web/admin.js, /web/admin.css); nil leaves it out.
	Console http.Handler
	// Operator serves the operator page (/operator and /web/operator.js),
	// where the operator key's holder creates tenants; nil leaves it out.
	Operator http.Handler
	// Home serves the root page "/" to browsers; nil leaves "/" a 404.
	Home http.Handler
	// WidgetBudget bounds how long prerendering a widget page waits for
	// associations and the Sales Navigator panel (a Sales Access Token, or
	// whether the viewer must connect); what is not known by then the
	// widget asks for itself. Default: DefaultWidgetBudget (150ms).
	WidgetBudget time.Duration
	// WidgetCSP builds the Content-Security-Policy of a tenant's widget page.
	// Default: frame-ancestors from the tenant's allowed origins only.
	WidgetCSP func(t *tenant.Tenant) string
	// Now is the clock. Default: time.Now.
	Now func() time.Time
	// Metrics counts requests by route template, method and status, and
	// gives the health view the store-backed figures. Default: nil, none.
	Metrics *metrics.Registry
}

// API holds the services behind the handlers.
type API struct {
	Services
	ids        *requestIDs
	ready      readiness
	rateLimits rateLimitHeaders
	names      connectedNames
}

// New builds the HTTP handler: the Gin engine with every route and
// middleware, answering HEAD wherever it answers GET. When a Widget
// handler is given, the API becomes the widget's prerender loader (go-app
// keeps its routes, and so the loader, in one global table).
func New(s Services) http.Handler {
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	s.Logger = slog.New(telemetry.LogHandler(s.Logger.Handler()))
	a := &API{Services: s, ids: newRequestIDs()}
	if s.Widget != nil {
		ui.SetLoader(a.LoadWidget)
	}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.HandleMethodNotAllowed = true
	// Gin's redirect to the path without (or with) the trailing slash is
	// written before any middleware: no security headers, no request id
	// and Go's default body. Such paths are 404s like any other.
	r.RedirectTrailingSlash = false
	r.ContextWithFallback = true
	r.Use(s.Metrics.HTTP(a.unmatchedRoute))
	r.Use(a.restoreHead, a.requestID, a.Tracing.HTTP(requestIDOf), a.accessLog, a.recover, a.securityHeaders, a.cors, a.limitBody)

	r.GET("/healthz", a.healthz)
	r.GET("/readyz", a.readyz)

	v1 := r.Group("/api/v1")
	v1.POST("/sessions", a.createSession)
	authed := v1.Group("", a.requireSession)
	authed.GET("/associations", a.associations)
	authed.POST("/sales-access-token", a.salesAccessToken)
	authed.GET("/linkedin/connection", a.connection)
	authed.POST("/linkedin/connection", a.confirmConnection)
	authed.DELETE("/linkedin/connection", a.disconnect)
	admin := v1.Group("/admin", a.requireAdmin)
	a.adminRoutes(admin)
	a.platformRoutes(authed, admin)

	r.POST("/w/:tenant/canvas", a.canvasLaunch)
	r.POST("/hubspot/:tenant/card", a.hubSpotCard)
	a.dynamicsRoutes(r)

	r.GET("/oauth/linkedin/start", a.oauthStart)
	r.GET("/oauth/linkedin/callback", a.oauthCallback)
	if s.Console != nil {
		console := gin.WrapH(s.Console)
		r.Any("/admin/*path", console)
		r.GET("/web/admin.js", console)
		r.GET("/web/admin.css", console)
	}
	if s.Operator != nil {
		operator := gin.WrapH(s.Operator)
		r.GET("/operator", operator)
		r.GET("/web/operator.js", operator)
		r.GET("/operator/sample-record", operator)
	}

	if s.Home != nil {
		r.GET("/", gin.WrapH(s.Home))
	}

	r.NoMethod(func(c *gin.Context) {
		a.fail(c, errMethodNotAllowed)
	})
	r.NoRoute(a.widgetOrNotFound)
	return headAsGet{engine: r}
}
