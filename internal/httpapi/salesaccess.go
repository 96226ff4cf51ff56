package httpapi

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"sync"

	"github.com/gin-gonic/gin"

	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/session"
	"github.com/snapbridge/snapbridge/internal/tenant"
	"github.com/snapbridge/snapbridge/internal/tokens"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// satRequest is the body of POST /api/v1/sales-access-token.
type satRequest struct {
	// RecordID picks the record the iframe shows; optional when the
	// session names exactly one record.
	RecordID string `json:"recordId"`
}

// salesAccessToken hands the widget a Sales Access Token and the complete
// Display Services URL, or a 409 with the URL that connects LinkedIn.
func (a *API) salesAccessToken(c *gin.Context) {
	s := sessionOf(c)
	t, _ := a.Tenants.Get(s.Tenant)
	var req satRequest
	if c.Request.ContentLength != 0 {
		if err := decodeJSON(c, &req); err != nil {
			a.fail(c, err)
			return
		}
	}
	if req.RecordID == "" {
		if len(s.Records) != 1 {
			a.fail(c, badRequest("record_required", "this session names several records: send {\"recordId\": \"…\"}"))
			return
		}
		req.RecordID = s.Records[0].ID
	}
	rec, ok := s.Record(req.RecordID)
	if !ok {
		a.fail(c, errForeignRecord)
		return
	}
	tok, err := a.SalesAccess.Token(c.Request.Context(), t, s.Viewer.ID)
	if errors.Is(err, tokens.ErrNotConnected) {
		a.notConnected(c, t, s)
		return
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, wire.SalesAccessToken{
		Token:       tok.Token,
		ExpiresAt:   tok.ExpiresAt,
		IframeURL:   linkedin.DisplayURL(a.DisplayURL, displayParams(t, rec, tok.Token)),
		ConnectedAs: a.connectedAs(c.Request.Context(), t.ID, s.Viewer.ID, tok.Token),
	})
}

// connectedAs names who the viewer connected LinkedIn as, for "Connected
// as … · Disconnect"; nil when LinkedIn did not say or it cannot be read
// now (the panel then shows the line without the name). sat is the Sales
// Access Token being handed out: the name is read from the member token
// once per SAT, not on every cached SAT answered from memory.
func (a *API) connectedAs(ctx context.Context, tenantID, viewer, sat string) *wire.LinkedInMember {
	if m, ok := a.names.get(tenantID, viewer, sat); ok {
		return m
	}
	m, err := a.Connections.Member(ctx, tenantID, viewer)
	if err != nil {
		return nil
	}
	var named *wire.LinkedInMember
	if m.Name != "" {
		named = &wire.LinkedInMember{Name: m.Name, Picture: m.Picture}
	}
	a.names.put(tenantID, viewer, sat, named)
	return named
}

// maxConnectedNames bounds connectedNames: one entry per viewer with a
// cached SAT on this instance.
const maxConnectedNames = 10_000

// connectedNames remembers who each viewer connected as, beside the SAT it
// was read for. The broker hands out another SAT whenever the viewer's
// authorization changes (a reconnect, maybe as another member; on any
// instance), so while the SAT is the same the member is too. It is safe
// for concurrent use; the zero value is ready.
type connectedNames struct {
	mu sync.Mutex
	m  map[string]connectedName
}

type connectedName struct {
	sat    string
	member *wire.LinkedInMember
}

func (n *connectedNames) get(tenantID, viewer, sat string) (*wire.LinkedInMember, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	e, ok := n.m[tenantID+"\x00"+viewer]
	if !ok || subtle.ConstantTimeCompare([]byte(e.sat), []byte(sat)) != 1 {
		return nil, false
	}
	return e.member, true
}

func (n *connectedNames) put(tenantID, viewer, sat string, member *wire.LinkedInMember) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.m == nil || len(n.m) >= maxConnectedNames {
		// Starting over costs each viewer one read of its member token.
		n.m = make(map[string]connectedName)
	}
	n.m[tenantID+"\x00"+viewer] = connectedName{sat: sat, member: member}
}

// notConnected answers 409 with a one-time URL that starts the connect
// popup for this session.
func (a *API) notConnected(c *gin.Context, t *tenant.Tenant, s *session.Session) {
	connect, err := a.connectURL(c.Request.Context(), t, s)
	if err != nil {
		a.fail(c, err)
		return
	}
	a.fail(c, &apiError{status: http.StatusConflict, code: "linkedin_not_connected",
		message: "connect your LinkedIn account to see Sales Navigator here",
		connect: connect})
}

// connectURL returns a one-time address that starts the connect popup for
// this session.
func (a *API) connectURL(ctx context.Context, t *tenant.Tenant, s *session.Session) (string, error) {
	handle, err := a.Connector.NewHandle(ctx, tokens.Handle{
		Tenant: t.ID, Viewer: s.Viewer.ID, SessionID: s.ID, ExpiresAt: s.ExpiresAt,
	})
	if err != nil {
		return "", err
	}
	q := url.Values{"tenant": {t.ID}, "h": {handle}}
	return a.PublicURL + "/oauth/linkedin/start?" + q.Encode(), nil
}

func displayParams(t *tenant.Tenant, r wire.Record, sat string) linkedin.DisplayParams {
	return linkedin.DisplayParams{
		APIKey:        t.LinkedIn.ClientID,
		FirstName:     r.FirstName,
		LastName:      r.LastName,
		Email:         r.Email,
		CompanyName:   r.Company,
		CRMRecordID:   r.ID,
		CRMOrgID:      t.CRM.OrgID,
		CRMSourceType: t.CRM.SourceType,
		CRMType:       t.CRM.Type,
		Modules:       t.Display.Modules,
		Version:       t.Display.Version,
		InlineMode:    t.Display.Inline(),
		SAT:           sat,
	}
}

// connection says whether the viewer has connected LinkedIn: as whom, or
// the one-time address that connects (the widget offers Connect again
// with it after a popup that ended without connecting).
func (a *API) connection(c *gin.Context) {
	s := sessionOf(c)
	t, _ := a.Tenants.Get(s.Tenant)
	c.Header("Cache-Control", "no-store")
	m, err := a.Connections.Member(c.Request.Context(), s.Tenant, s.Viewer.ID)
	switch {
	case err == nil:
		out := wire.Connection{Connected: true}
		if m.Name != "" {
			out.ConnectedAs = &wire.LinkedInMember{Name: m.Name, Picture: m.Picture}
		}
		c.JSON(http.StatusOK, out)
	case errors.Is(err, tokens.ErrNotConnected):
		u, err := a.connectURL(c.Request.Context(), t, s)
		if err != nil {
			a.fail(c, err)
			return
		}
		c.JSON(http.StatusOK, wire.Connection{ConnectURL: u})
	default:
		a.fail(c, err)
	}
}

// disconnect forgets the viewer's LinkedIn authorization.
func (a *API) disconnect(c *gin.Context) {
	s := sessionOf(c)
	if err := a.Connections.Disconnect(c.Request.Context(), s.Tenant, s.Viewer.ID); err != nil {
		a.fail(c, err)
		return
	}
	a.SalesAccess.Forget(s.Tenant, s.Viewer.ID)
	c.Status(http.StatusNoContent)
}
