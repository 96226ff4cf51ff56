package linkedin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Versioned API header: LinkedIn's /rest endpoints refuse calls without it.
// Only the compliance endpoints use the versioned API.
const (
	HeaderLinkedInVersion = "LinkedIn-Version"
	LinkedInVersion       = "202310"
)

// ErrBadRequest is inside every error for an argument refused before
// LinkedIn was called (empty token, unknown export action, a range over 90
// days, …). Such a call will not succeed by repeating it.
var ErrBadRequest = errors.New("bad request")

// badRequest is an ErrBadRequest with a message saying what is wrong.
func badRequest(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrBadRequest, fmt.Sprintf(format, args...))
}

// request is one call to LinkedIn beyond the plain GETs of getJSON.
type request struct {
	method string
	// url is sent exactly as written: path and query must be encoded.
	url    string
	bearer string
	// body, when not nil, is sent as JSON.
	body any
	// versioned adds LinkedIn-Version for the /rest API.
	versioned bool
	// idempotent allows retries on 5xx, timeouts and connection errors.
	idempotent bool
}

// reply is a 2xx answer.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// send runs r, retrying as Config allows when r is idempotent, and returns
// the 2xx answer; any other answer is an *Error without the bearer in it.
func (c *Client) send(ctx context.Context, r request) (reply, error) {
	var payload []byte
	if r.body != nil {
		var err error
		if payload, err = json.Marshal(r.body); err != nil {
			return reply{}, fmt.Errorf("encode request: %w", err)
		}
	}
	var out reply
	err := c.call(ctx, r.idempotent, func(ctx context.Context) error {
		var err error
		out, err = c.attempt(ctx, r, payload)
		return err
	})
	return out, err
}

// attempt sends r once.
func (c *Client) attempt(ctx context.Context, r request, payload []byte) (reply, error) {
	var body *bytes.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := newRequest(ctx, r.method, r.url, body)
	if err != nil {
		return reply{}, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+r.bearer)
	req.Header.Set(HeaderRestliProt, RestliProtocol)
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.versioned {
		req.Header.Set(HeaderLinkedInVersion, LinkedInVersion)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return reply{}, &Error{Err: err}
	}
	defer resp.Body.Close()
	b, err := readBody(resp)
	if err != nil {
		return reply{}, err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return reply{}, answerError(resp, b, r.bearer)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// newRequest avoids handing http.NewRequest a typed nil reader, which it
// would take for a body.
func newRequest(ctx context.Context, method, url string, body *bytes.Reader) (*http.Request, error) {
	if body == nil {
		return http.NewRequestWithContext(ctx, method, url, nil)
	}
	return http.NewRequestWithContext(ctx, method, url, body)
}

// sendJSON runs r and decodes the 2xx answer into out. It returns the
// answer's status so callers can report a malformed content with it.
func (c *Client) sendJSON(ctx context.Context, r request, out any) (int, error) {
	rep, err := c.send(ctx, r)
	if err != nil {
		return rep.status, err
	}
	if err := json.Unmarshal(rep.body, out); err != nil {
		return rep.status, malformed(rep.status, err.Error())
	}
	return rep.status, nil
}

// epochMillis is an optional LinkedIn timestamp in epoch milliseconds;
// 0 (absent or null) is the zero time.
func epochMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}

// expiryMillis is like epochMillis for expiry times, which LinkedIn's own
// examples sometimes give in seconds: a value only seconds can explain is
// read as seconds rather than as a link that expired in 1970.
func expiryMillis(v int64) time.Time {
	if v > 0 && v < msThreshold {
		return time.Unix(v, 0)
	}
	return epochMillis(v)
}

// needToken refuses an empty bearer before LinkedIn is called.
func needToken(token, what string) error {
	if token == "" {
		return badRequest("%s is empty", what)
	}
	return nil
}
