package ui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/snapbridge/snapbridge/internal/wire"
)

// apiTimeout bounds one API call so a hung request turns into a visible
// "try again" instead of an endless spinner.
const apiTimeout = 20 * time.Second

// Client calls snapbridge's widget API for one widget session. The session
// token stays in this struct, in memory only.
type Client struct {
	base string
	// renew, when set, gets a new session token when the session expired
	// (the host page's fresh context, exchanged); the call that met the
	// expiry is then sent once more.
	renew func(ctx context.Context) (string, error)

	mu    sync.Mutex
	token string
}

// SetRenew makes c renew an expired session with renew and send the call
// again, once. Default: an expired session is an error (problemExpired).
func (c *Client) SetRenew(renew func(ctx context.Context) (string, error)) { c.renew = renew }

// Renew gets a new session token now, as an expired call would.
func (c *Client) Renew(ctx context.Context) error {
	if c.renew == nil {
		return errNoRenew
	}
	token, err := c.renew(ctx)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.token = token
	c.mu.Unlock()
	return nil
}

// errNoRenew: the widget has no host page to ask for a fresh context.
var errNoRenew = errors.New("session expired and there is no host page to renew it")

// Connection says whether the viewer has connected LinkedIn, as whom, or
// the consent address that connects (GET /api/v1/linkedin/connection).
func (c *Client) Connection(ctx context.Context) (wire.Connection, error) {
	var out wire.Connection
	if err := c.call(ctx, "GET", "/api/v1/linkedin/connection", nil, &out); err != nil {
		return wire.Connection{}, fmt.Errorf("connection: %w", err)
	}
	return out, nil
}

// Disconnect forgets the viewer's LinkedIn connection
// (DELETE /api/v1/linkedin/connection).
func (c *Client) Disconnect(ctx context.Context) error {
	if err := c.call(ctx, "DELETE", "/api/v1/linkedin/connection", nil, nil); err != nil {
		return fmt.Errorf("disconnect: %w", err)
	}
	return nil
}

// NewClient returns a Client for the API at base (scheme://host, or "" for
// the page's own origin) authenticating with the session token.
func NewClient(base, token string) *Client {
	return &Client{base: strings.TrimRight(base, "/"), token: token}
}

// Associations asks what LinkedIn knows about the given records.
// forceRefresh bypasses the server's cache and counts against the budget.
func (c *Client) Associations(ctx context.Context, recordIDs []string, forceRefresh bool) ([]wire.Association, error) {
	q := url.Values{"records": {strings.Join(recordIDs, ",")}}
	if forceRefresh {
		q.Set("forceRefresh", "true")
	}
	var out wire.Associations
	if err := c.call(ctx, "GET", "/api/v1/associations?"+q.Encode(), nil, &out); err != nil {
		return nil, fmt.Errorf("associations: %w", err)
	}
	return out.Associations, nil
}

// SalesAccessToken asks for the Display Services iframe of one record. A
// viewer who has not connected LinkedIn gets an *APIError with code
// CodeNotConnected and the ConnectURL to open.
func (c *Client) SalesAccessToken(ctx context.Context, recordID string) (wire.SalesAccessToken, error) {
	body, err := json.Marshal(map[string]string{"recordId": recordID})
	if err != nil {
		return wire.SalesAccessToken{}, fmt.Errorf("sales access token: %w", err)
	}
	var out wire.SalesAccessToken
	if err := c.call(ctx, "POST", "/api/v1/sales-access-token", body, &out); err != nil {
		return wire.SalesAccessToken{}, fmt.Errorf("sales access token: %w", err)
	}
	if !isWebURL(out.IframeURL) {
		return wire.SalesAccessToken{}, errors.New("sales access token: answer has no usable iframeUrl")
	}
	return out, nil
}

func (c *Client) call(ctx context.Context, method, path string, body []byte, out any) error {
	err := c.callOnce(ctx, method, path, body, out)
	if kind, _ := classify(err); kind != problemExpired || c.renew == nil {
		return err
	}
	if rerr := c.Renew(ctx); rerr != nil {
		return err // the expiry is what the seller is told about
	}
	return c.callOnce(ctx, method, path, body, out)
}

func (c *Client) callOnce(ctx context.Context, method, path string, body []byte, out any) error {
	ctx, cancel := context.WithTimeout(ctx, apiTimeout)
	defer cancel()
	c.mu.Lock()
	token := c.token
	c.mu.Unlock()
	header := map[string]string{
		"Accept":        "application/json",
		"Authorization": "Bearer " + token,
	}
	if body != nil {
		header["Content-Type"] = "application/json"
	}
	res, err := doFetch(ctx, fetchRequest{Method: method, URL: c.base + path, Header: header, Body: body})
	if err != nil {
		return err
	}
	if res.Status < 200 || res.Status > 299 {
		return decodeAPIError(res)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(res.Body, out); err != nil {
		return fmt.Errorf("decode answer: %w", err)
	}
	return nil
}

// isWebURL reports whether s is an absolute http(s) URL, the only kind the
// widget puts into href, src or window.open (never javascript:).
func isWebURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}
