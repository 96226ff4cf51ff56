package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/snapbridge/snapbridge/internal/session"
	"github.com/snapbridge/snapbridge/internal/tenant"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// widget makes the requests the widget (and the CRM page before it) makes
// to one side of the benchmark, through its proxy.
type widget struct {
	base    string // the proxy's URL, the instances' public URL
	standIn string
	tenant  *tenant.Tenant
	http    *http.Client
}

func newWidget(base, standIn string, t *tenant.Tenant) *widget {
	return &widget{base: base, standIn: standIn, tenant: t, http: &http.Client{
		Timeout:       20 * time.Second,
		Transport:     &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// newSession signs a fresh host context for viewer and records, as the
// CRM does, and exchanges it for a widget session token.
func (w *widget) newSession(ctx context.Context, viewer string, records ...wire.Record) (string, error) {
	signed, err := session.SignContext(w.tenant, session.ContextClaims{
		Viewer: wire.Viewer{ID: viewer, Name: "Bench Seller"}, Records: records}, time.Now())
	if err != nil {
		return "", err
	}
	var s wire.Session
	if err := w.call(ctx, "POST", w.base+"/api/v1/sessions", "", wire.SessionRequest{Ctx: signed}, http.StatusCreated, &s); err != nil {
		return "", err
	}
	return s.Token, nil
}

// lookUpPath is the path of a look-up of records.
func lookUpPath(records ...wire.Record) string {
	ids := make([]string, len(records))
	for i, r := range records {
		ids[i] = url.QueryEscape(r.ID)
	}
	return "/api/v1/associations?records=" + strings.Join(ids, ",")
}

// lookUp asks for records' associations.
func (w *widget) lookUp(ctx context.Context, token string, records ...wire.Record) ([]wire.Association, error) {
	var a wire.Associations
	err := w.call(ctx, "GET", w.base+lookUpPath(records...), token, nil, http.StatusOK, &a)
	if err == nil && len(a.Associations) != len(records) {
		err = fmt.Errorf("look-up of %d records answered %d", len(records), len(a.Associations))
	}
	return a.Associations, err
}

// salesAccessToken asks for the SAT of the session's (single) record.
func (w *widget) salesAccessToken(ctx context.Context, token string) error {
	var sat wire.SalesAccessToken
	if err := w.call(ctx, "POST", w.base+"/api/v1/sales-access-token", token, nil, http.StatusOK, &sat); err != nil {
		return err
	}
	if sat.Token == "" {
		return fmt.Errorf("empty Sales Access Token")
	}
	return nil
}

var confirmCode = regexp.MustCompile(`"code":"([^"]+)"`)

// connect connects viewer's LinkedIn as member, the way a seller does in
// the popup, over HTTP only: the SAT request answers 409 with the connect
// URL, which redirects to the stand-in's consent page; approving it
// redirects to the callback, whose page carries the code the widget then
// confirms with its session.
func (w *widget) connect(ctx context.Context, viewer, member string, record wire.Record) error {
	token, err := w.newSession(ctx, viewer, record)
	if err != nil {
		return err
	}
	var nc wire.Error
	if err := w.call(ctx, "POST", w.base+"/api/v1/sales-access-token", token, nil, http.StatusConflict, &nc); err != nil {
		return err
	}
	resp, _, err := w.do(ctx, "GET", nc.Error.ConnectURL, "", nil)
	if err != nil {
		return err
	}
	authURL, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil || !strings.HasPrefix(authURL.String(), w.standIn+"/") {
		return fmt.Errorf("connect start: status %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _, err = w.do(ctx, "GET", authURL.String(), "", nil); err != nil || resp.StatusCode != http.StatusOK {
		return fmt.Errorf("consent page: %v %v", statusOf(resp), err)
	}
	form := authURL.Query()
	form.Set("member", member)
	form.Set("decision", "allow")
	req, err := http.NewRequestWithContext(ctx, "POST", w.standIn+"/oauth/v2/authorization", strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if resp, err = w.http.Do(req); err != nil {
		return err
	}
	resp.Body.Close()
	callback := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(callback, w.base+"/oauth/linkedin/callback?") {
		return fmt.Errorf("consent: status %d, Location %q", resp.StatusCode, callback)
	}
	resp, page, err := w.do(ctx, "GET", callback, "", nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		return fmt.Errorf("callback: %v %v", statusOf(resp), err)
	}
	m := confirmCode.FindSubmatch(page)
	if m == nil {
		return fmt.Errorf("the callback page carries no confirmation code")
	}
	return w.call(ctx, "POST", w.base+"/api/v1/linkedin/connection", token, map[string]string{"code": string(m[1])}, http.StatusNoContent, nil)
}

// call sends a JSON request and decodes the answer into out; an answer
// other than want is an error quoting it.
func (w *widget) call(ctx context.Context, method, rawURL, token string, body any, want int, out any) error {
	resp, raw, err := w.do(ctx, method, rawURL, token, body)
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: status %d, want %d: %.300s", method, rawURL, resp.StatusCode, want, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("%s %s: %w", method, rawURL, err)
		}
	}
	return nil
}

func (w *widget) do(ctx context.Context, method, rawURL, token string, body any) (*http.Response, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, rawURL, rd)
	if err != nil {
		return nil, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := w.http.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp, raw, err
}

func statusOf(resp *http.Response) string {
	if resp == nil {
		return "no answer"
	}
	return resp.Status
}
