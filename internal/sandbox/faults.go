package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// Faults injects failures into the API endpoints (/v2/…); Down and
// Next500 also hit the token endpoint. The zero value injects nothing.
type Faults struct {
	// Latency delays every API answer (ending early if the client gives
	// up). Default: 0.
	Latency time.Duration `yaml:"latency"`
	// Rate429 and Rate500 are the chances, 0 to 1, that an API call
	// answers 429 or 500. Default: 0.
	Rate429 float64 `yaml:"rate429"`
	Rate500 float64 `yaml:"rate500"`
	// Next429 and Next500 make exactly the next n calls answer 429 or 500,
	// for deterministic tests; 500 goes first when both are set. Default: 0.
	Next429 int `yaml:"next429"`
	Next500 int `yaml:"next500"`
	// Down answers 503 to every API and token call. Default: false.
	Down bool `yaml:"down"`
	// ExpireTokens answers 401 to every bearer token. Default: false.
	ExpireTokens bool `yaml:"expireTokens"`
	// RevokeRefresh refuses every refresh token with invalid_grant.
	// Default: false.
	RevokeRefresh bool `yaml:"revokeRefresh"`
	// FailExports makes every Sales Analytics and CRM Data Validation
	// export job created while it is set end FAILED_DUE_TO_INTERNAL_ERROR
	// (jobs created before keep their course). Default: false.
	FailExports bool `yaml:"failExports"`
	// RetryAfter is the Retry-After sent with an injected 429, in whole
	// seconds, at most 10m (a back-off a seller can watch end). Default 0:
	// the package's RetryAfter, 1s.
	RetryAfter time.Duration `yaml:"retryAfter"`
}

// RetryAfter is the Retry-After the stand-in sends with 429 and 503.
const RetryAfter = time.Second

// faultsJSON is Faults on the wire, durations as Go strings ("200ms").
type faultsJSON struct {
	Latency       string  `json:"latency"`
	Rate429       float64 `json:"rate429"`
	Rate500       float64 `json:"rate500"`
	Next429       int     `json:"next429"`
	Next500       int     `json:"next500"`
	Down          bool    `json:"down"`
	ExpireTokens  bool    `json:"expireTokens"`
	RevokeRefresh bool    `json:"revokeRefresh"`
	FailExports   bool    `json:"failExports"`
	RetryAfter    string  `json:"retryAfter,omitempty"`
}

// MarshalJSON writes Latency as a Go duration string.
func (f Faults) MarshalJSON() ([]byte, error) {
	return json.Marshal(faultsJSON{
		Latency: f.Latency.String(), Rate429: f.Rate429, Rate500: f.Rate500,
		Next429: f.Next429, Next500: f.Next500, Down: f.Down,
		ExpireTokens: f.ExpireTokens, RevokeRefresh: f.RevokeRefresh, FailExports: f.FailExports,
		RetryAfter: retryAfterJSON(f.RetryAfter),
	})
}

// UnmarshalJSON reads what MarshalJSON writes; unknown fields are errors
// so that a typo does not silently inject nothing.
func (f *Faults) UnmarshalJSON(b []byte) error {
	var j faultsJSON
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return fmt.Errorf("faults: %w", err)
	}
	var latency time.Duration
	if j.Latency != "" {
		d, err := time.ParseDuration(j.Latency)
		if err != nil {
			return fmt.Errorf("faults: latency: %w", err)
		}
		latency = d
	}
	var retryAfter time.Duration
	if j.RetryAfter != "" {
		d, err := time.ParseDuration(j.RetryAfter)
		if err != nil {
			return fmt.Errorf("faults: retryAfter: %w", err)
		}
		retryAfter = d
	}
	*f = Faults{RetryAfter: retryAfter, Latency: latency, Rate429: j.Rate429, Rate500: j.Rate500,
		Next429: j.Next429, Next500: j.Next500, Down: j.Down,
		ExpireTokens: j.ExpireTokens, RevokeRefresh: j.RevokeRefresh, FailExports: j.FailExports}
	return nil
}

// Validate reports a field outside its range.
func (f Faults) Validate() error {
	switch {
	case f.Latency < 0 || f.Latency > time.Minute:
		return fmt.Errorf("faults: latency must be between 0 and 1m, not %s", f.Latency)
	case f.Rate429 < 0 || f.Rate429 > 1:
		return fmt.Errorf("faults: rate429 must be between 0 and 1, not %v", f.Rate429)
	case f.Rate500 < 0 || f.Rate500 > 1:
		return fmt.Errorf("faults: rate500 must be between 0 and 1, not %v", f.Rate500)
	case f.RetryAfter < 0 || f.RetryAfter > 10*time.Minute || f.RetryAfter%time.Second != 0:
		return fmt.Errorf("faults: retryAfter must be whole seconds between 0 and 10m, not %s", f.RetryAfter)
	case f.Next429 < 0 || f.Next500 < 0:
		return fmt.Errorf("faults: next429 and next500 cannot be negative")
	}
	return nil
}

// SetFaults replaces the injected faults.
func (s *Sandbox) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
}

// Faults returns the faults currently injected, countdowns as they stand.
func (s *Sandbox) Faults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults
}

// injectAPIFault applies the faults to an API call. It reports true when
// it has answered (or the client went away) and the handler must stop.
func (s *Sandbox) injectAPIFault(w http.ResponseWriter, r *http.Request) bool {
	f := s.Faults()
	if f.Latency > 0 && !sleep(r.Context(), f.Latency) {
		return true
	}
	if status, ok := s.drawFault(true); ok {
		body := faultError(w, status)
		if status == http.StatusTooManyRequests && f.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(f.RetryAfter/time.Second)))
		}
		writeAPIError(w, body)
		return true
	}
	return false
}

// injectTokenFault applies Down and Next500 to the token endpoint.
func (s *Sandbox) injectTokenFault(w http.ResponseWriter) bool {
	status, ok := s.drawFault(false)
	if !ok {
		return false
	}
	faultError(w, status)
	code := "server_error"
	if status == http.StatusServiceUnavailable {
		code = "temporarily_unavailable"
	}
	writeOAuthError(w, status, code, http.StatusText(status)+" (injected by the LinkedIn stand-in)")
	return true
}

// drawFault decides, under the lock so countdowns are exact, whether this
// call fails and how. Without api only Down and Next500 apply.
func (s *Sandbox) drawFault(api bool) (int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := &s.faults
	switch {
	case f.Down:
		return http.StatusServiceUnavailable, true
	case f.Next500 > 0:
		f.Next500--
		return http.StatusInternalServerError, true
	case !api:
		return 0, false
	case f.Next429 > 0:
		f.Next429--
		return http.StatusTooManyRequests, true
	case f.Rate500 > 0 && rand.Float64() < f.Rate500:
		return http.StatusInternalServerError, true
	case f.Rate429 > 0 && rand.Float64() < f.Rate429:
		return http.StatusTooManyRequests, true
	}
	return 0, false
}

// faultError sets Retry-After where LinkedIn would and returns the body.
func faultError(w http.ResponseWriter, status int) apiError {
	switch status {
	case http.StatusTooManyRequests:
		w.Header().Set("Retry-After", strconv.Itoa(int(RetryAfter/time.Second)))
		return apiError{Status: status, ServiceErrorCode: 101,
			Message: "Resource level throttle APPLICATION DAY limit for calls to this resource is reached."}
	case http.StatusServiceUnavailable:
		w.Header().Set("Retry-After", strconv.Itoa(int(RetryAfter/time.Second)))
		return apiError{Status: status, Message: "Service Unavailable"}
	default:
		return apiError{Status: status, Message: "Internal Server Error"}
	}
}

// sleep waits d unless ctx ends first; it reports whether it waited.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// retryAfterJSON writes a set RetryAfter as a Go duration string.
func retryAfterJSON(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return d.String()
}
