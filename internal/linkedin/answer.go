package linkedin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ErrMalformed is inside every *Error whose answer LinkedIn sent could not
// be understood (bad JSON, missing fields, too large). Such an *Error
// carries the HTTP status LinkedIn gave, often 200; callers treat it as a
// bad gateway.
var ErrMalformed = errors.New("malformed answer")

// getJSON sends an authenticated Rest.li 2.0 GET to rawURL, retrying as
// Config allows, and decodes a 2xx answer into out. rawURL must already be
// encoded: its path and query are sent exactly as written. It returns the
// HTTP status of the last answer, so callers can check the content further.
func (c *Client) getJSON(ctx context.Context, rawURL, bearer string, out any) (int, error) {
	status := 0
	err := c.call(ctx, true, func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
		if err != nil {
			return fmt.Errorf("build request: %w", err)
		}
		req.Header.Set("Authorization", "Bearer "+bearer)
		req.Header.Set(HeaderRestliProt, RestliProtocol)
		req.Header.Set("Accept", "application/json")
		resp, err := c.http.Do(req)
		if err != nil {
			return &Error{Err: err}
		}
		defer resp.Body.Close()
		status = resp.StatusCode
		body, err := readBody(resp)
		if err != nil {
			return err
		}
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			return answerError(resp, body, bearer)
		}
		if err := json.Unmarshal(body, out); err != nil {
			return malformed(resp.StatusCode, err.Error())
		}
		return nil
	})
	return status, err
}

// readBody reads at most maxBody bytes of an answer.
func readBody(resp *http.Response) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, &Error{Err: fmt.Errorf("read answer: %w", err)}
	}
	if len(body) > maxBody {
		return nil, malformed(resp.StatusCode, "larger than 1 MiB")
	}
	return body, nil
}

// malformed is the *Error for an answer that could not be understood.
func malformed(status int, why string) *Error {
	return &Error{Status: status, Message: "malformed answer: " + why, Err: ErrMalformed}
}

// errorBody is LinkedIn's error answer.
type errorBody struct {
	Message          string `json:"message"`
	Status           int    `json:"status"`
	ServiceErrorCode int    `json:"serviceErrorCode"`
}

// answerError turns a non-2xx answer into an *Error. The status is the
// HTTP one (the body's may be absent); a body that is not LinkedIn's error
// JSON still yields a useful message. secrets are removed from LinkedIn's
// message in case it echoes what we sent.
func answerError(resp *http.Response, body []byte, secrets ...string) *Error {
	var eb errorBody
	_ = json.Unmarshal(body, &eb) // a proxy's HTML page is still an error
	e := &Error{
		Status:           resp.StatusCode,
		ServiceErrorCode: eb.ServiceErrorCode,
		Message:          redact(eb.Message, secrets...),
	}
	if e.Message == "" {
		e.Message = http.StatusText(resp.StatusCode)
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		e.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	return e
}

// retryAfter parses a Retry-After header: delay seconds or an HTTP date.
// Anything else, or a date in the past, is 0; more than a day is a day.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		// Capped so that an absurd value cannot overflow a Duration.
		return time.Duration(min(max(secs, 0), int64(24*time.Hour/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now).Round(time.Second)
	}
	return 0
}

// redact replaces every non-empty secret in s.
func redact(s string, secrets ...string) string {
	for _, sec := range secrets {
		if sec != "" && strings.Contains(s, sec) {
			s = strings.ReplaceAll(s, sec, "[redacted]")
		}
	}
	return s
}
