package server

import (
	"context"
	"errors"
	"net/http"
	"regexp"

	"github.com/snapbridge/snapbridge/internal/httpapi"
	"github.com/snapbridge/snapbridge/internal/metrics"
	"github.com/snapbridge/snapbridge/internal/session"
	"github.com/snapbridge/snapbridge/internal/tenant"
	"github.com/snapbridge/snapbridge/internal/tokens"
)

// metricsHandler serves GET /metrics on the metrics listener, and nothing
// else: the public API is never reachable there.
func metricsHandler(m *metrics.Registry) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	return mux
}

// countedContexts counts the host contexts refused, by reason.
type countedContexts struct {
	httpapi.ContextVerifier
	m *metrics.Registry
}

// reasonCode bounds the reason label to code-like words.
var reasonCode = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

func (c countedContexts) Verify(ctx context.Context, raw string) (*session.HostContext, error) {
	hc, err := c.ContextVerifier.Verify(ctx, raw)
	if err != nil {
		reason := "other"
		var se *session.Error
		if errors.As(err, &se) && reasonCode.MatchString(se.Code) {
			reason = se.Code
		}
		c.m.ContextRefused(reason)
	}
	return hc, err
}

// countedSessions counts the widget sessions issued, by tenant.
type countedSessions struct {
	httpapi.SessionIssuer
	m *metrics.Registry
}

func (s countedSessions) Issue(hc *session.HostContext) (string, *session.Session, error) {
	token, sess, err := s.SessionIssuer.Issue(hc)
	if err == nil && sess != nil {
		s.m.SessionIssued(sess.Tenant)
	}
	return token, sess, err
}

// countedConnector counts connects started, completed and failed.
type countedConnector struct {
	httpapi.Connector
	m *metrics.Registry
}

func (c countedConnector) Start(ctx context.Context, t *tenant.Tenant, handle string, scopes []string) (string, error) {
	u, err := c.Connector.Start(ctx, t, handle, scopes)
	if err == nil {
		c.m.Connect(metrics.ConnectStarted)
	}
	return u, err
}

func (c countedConnector) Complete(ctx context.Context, lookup func(string) (*tenant.Tenant, bool), state, code, errCode string) (tokens.Handle, error) {
	h, err := c.Connector.Complete(ctx, lookup, state, code, errCode)
	var retry *tokens.RetryError
	switch {
	case err == nil:
		c.m.Connect(metrics.ConnectCompleted)
	case errors.As(err, &retry):
		// Sent back to LinkedIn without the identity scopes: not over yet.
	default:
		c.m.Connect(metrics.ConnectFailed)
	}
	return h, err
}
