package metrics

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/snapbridge/snapbridge/internal/linkedin"
)

// LinkedIn endpoint label values.
const (
	EndpointSAT              = "sat"
	EndpointAssociation      = "association"
	EndpointAssociationBatch = "association_batch"
	EndpointTokenCode        = "token_authorization_code"
	EndpointTokenRefresh     = "token_refresh"
	EndpointTokenClient      = "token_client_credentials"
	EndpointTokenOther       = "token_other"
	EndpointContracts        = "contracts"
	EndpointAnalyticsExport  = "export_analytics"
	EndpointValidationExport = "export_validation"
	EndpointComplianceAuth   = "compliance_authorizations"
	EndpointComplianceEvents = "compliance_events"
	EndpointUserinfo         = "userinfo"
	EndpointOther            = "other"
)

// LinkedInTransport wraps next (http.DefaultTransport when nil) so every
// attempt to call LinkedIn is counted by endpoint and outcome and timed;
// an attempt after the first (linkedin.Attempt) also counts a retry.
// When m is nil it returns next unchanged.
func (m *Registry) LinkedInTransport(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	if m == nil {
		return next
	}
	return linkedinTransport{m: m, next: next}
}

type linkedinTransport struct {
	m    *Registry
	next http.RoundTripper
}

func (t linkedinTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	endpoint := Endpoint(req)
	if linkedin.Attempt(req.Context()) > 0 {
		t.m.linkedinRetries.WithLabelValues(endpoint).Inc()
	}
	start := time.Now()
	resp, err := t.next.RoundTrip(req)
	t.m.linkedinDuration.WithLabelValues(endpoint).Observe(time.Since(start).Seconds())
	t.m.linkedinCalls.WithLabelValues(endpoint, outcome(req.Context(), resp, err)).Inc()
	return resp, err
}

// outcome is the outcome label of one attempt.
func outcome(ctx context.Context, resp *http.Response, err error) string {
	if err != nil {
		var ne net.Error
		if errors.Is(err, context.DeadlineExceeded) || ctx.Err() == context.DeadlineExceeded || (errors.As(err, &ne) && ne.Timeout()) {
			return "timeout"
		}
		return "error"
	}
	switch s := resp.StatusCode; {
	case s >= 200 && s < 300:
		return "2xx"
	case s == 401, s == 403, s == 404, s == 429:
		return strconv.Itoa(s)
	case s >= 500:
		return "5xx"
	default:
		return "4xx"
	}
}

// Endpoint names the LinkedIn endpoint a request calls, from its path
// (and, for the token endpoint, its grant type); never from ids in it.
func Endpoint(req *http.Request) string {
	p := req.URL.Path
	switch {
	case strings.HasSuffix(p, "/salesAccessTokens"):
		return EndpointSAT
	case strings.Contains(p, "/salesNavigatorProfileAssociations/"):
		return EndpointAssociation
	case strings.HasSuffix(p, "/salesNavigatorProfileAssociations"):
		return EndpointAssociationBatch
	case strings.HasSuffix(p, "/oauth/v2/accessToken"):
		return tokenEndpoint(req)
	case strings.HasSuffix(p, "/salesContracts"):
		return EndpointContracts
	case strings.Contains(p, "/salesAnalyticsExportJobs"):
		return EndpointAnalyticsExport
	case strings.Contains(p, "/crmDataValidationExportJobs"):
		return EndpointValidationExport
	case strings.Contains(p, "/memberComplianceAuthorizations"):
		return EndpointComplianceAuth
	case strings.HasSuffix(p, "/complianceEvents"):
		return EndpointComplianceEvents
	case strings.HasSuffix(p, "/userinfo"):
		return EndpointUserinfo
	}
	return EndpointOther
}

// tokenEndpoint reads the grant type from a copy of the form body.
func tokenEndpoint(req *http.Request) string {
	if req.GetBody == nil {
		return EndpointTokenOther
	}
	body, err := req.GetBody()
	if err != nil {
		return EndpointTokenOther
	}
	defer body.Close()
	b, err := io.ReadAll(io.LimitReader(body, 8<<10))
	if err != nil {
		return EndpointTokenOther
	}
	form, err := url.ParseQuery(string(bytes.TrimSpace(b)))
	if err != nil {
		return EndpointTokenOther
	}
	switch form.Get("grant_type") {
	case "authorization_code":
		return EndpointTokenCode
	case "refresh_token":
		return EndpointTokenRefresh
	case "client_credentials":
		return EndpointTokenClient
	}
	return EndpointTokenOther
}
